"""Reader pages in Cool Papers' URL grammar (design/cool-papers.md §2.1)."""

from django.urls import path, re_path, register_converter

from reader.converters import ArxivIdListConverter, CategoryExprConverter
from reader.feeds import CategoryFeed
from reader.page_cache import cached_page
from reader.views import home, listing, paper, search

register_converter(CategoryExprConverter, "cats")
register_converter(ArxivIdListConverter, "ids")

# Anonymous GETs of these pages come from the page cache (reader/page_cache.py).
app_name = "reader"
urlpatterns = [
    path("", cached_page(home.home), name="home"),
    path("go", home.go, name="go"),
    path("search", search.search, name="search"),
    path("search/feed", search.search_feed, name="search_feed"),
    path("arxiv/search", search.arxiv_search, name="arxiv_search"),
    path("arxiv/<ids:ids>/related", paper.related, name="related"),
    path("arxiv/<ids:ids>", cached_page(paper.papers), name="papers"),
    path("arxiv/<cats:cats>/feed", cached_page(CategoryFeed()), name="listing_feed"),
    path("arxiv/<cats:cats>", cached_page(listing.listing), name="listing"),
    # Anything else under /arxiv/ gets a 404 that says what the URL grammar is.
    re_path(r"^arxiv/(?P<rest>.*)$", home.unknown, name="unknown"),
]
