"""Atom feeds (django.contrib.syndication): the latest day per category expression, and search."""

from dataclasses import dataclass
from datetime import date

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from reader import selectors
from reader.models import Paper
from reader.search import ParsedQuery
from reader.taxonomy import CategoryExpr

FEED_AUTHORS = 20  # Atom has one author element per item; long lists end with "et al."


class PaperFeed(Feed):
    """Item fields shared by both feeds: plain-text twins only, never HTML."""

    feed_type = Atom1Feed

    def item_title(self, item: Paper) -> str:
        return item.title_plain

    def item_description(self, item: Paper) -> str:
        return item.abstract_plain

    def item_link(self, item: Paper) -> str:
        return reverse("reader:papers", args=[item.arxiv_id])

    def item_guid(self, item: Paper) -> str:
        return item.abs_url

    def item_author_name(self, item: Paper) -> str:
        names = [a["name"] for a in item.authors]
        extra = " et al." if len(names) > FEED_AUTHORS else ""
        return ", ".join(names[:FEED_AUTHORS]) + extra

    def item_pubdate(self, item: Paper):
        return item.first_published

    def item_updateddate(self, item: Paper):
        return item.updated or item.first_published

    def item_categories(self, item: Paper) -> list[str]:
        return item.categories


@dataclass
class _Announcements:
    expr: CategoryExpr
    day: date | None
    papers: list[Paper]


class CategoryFeed(PaperFeed):
    """``/arxiv/<cats>/feed``: new papers and cross-lists of the latest day that has any."""

    def get_object(self, request: HttpRequest, cats: CategoryExpr) -> _Announcements:
        day, papers = selectors.paper_list_for_feed(expr=cats)
        return _Announcements(cats, day, papers)

    def title(self, obj: _Announcements) -> str:
        return f"arXiv {obj.expr.text}: latest announcements"

    def link(self, obj: _Announcements) -> str:
        return reverse("reader:listing", args=[obj.expr.text])

    def feed_url(self, obj: _Announcements) -> str:
        return reverse("reader:listing_feed", args=[obj.expr.text])

    def subtitle(self, obj: _Announcements) -> str:
        when = f", announced {obj.day:%Y-%m-%d}" if obj.day else ""
        return f"New papers and cross-lists in {obj.expr.text}{when} (replacements left out)"

    def items(self, obj: _Announcements) -> list[Paper]:
        return obj.papers


class SearchFeed(PaperFeed):
    """``/search/feed?q=``: the newest 50 papers matching a query (keyword monitoring)."""

    def __init__(self, parsed: ParsedQuery):
        super().__init__()
        self.parsed = parsed

    def title(self) -> str:
        return f"Papers matching “{self.parsed.text}”"

    def link(self) -> str:
        return reverse("reader:search") + "?" + _q(self.parsed.text)

    def feed_url(self) -> str:
        return reverse("reader:search_feed") + "?" + _q(self.parsed.text)

    def subtitle(self) -> str:
        return "Newest matching papers first"

    def items(self) -> list[Paper]:
        page = selectors.paper_list_for_query(
            parsed=self.parsed, sort="time", page_size=50, highlight=False
        )
        return page.papers


def _q(text: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"q": text})
