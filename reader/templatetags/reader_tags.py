"""Template helpers that format what selectors return (they never query)."""

from functools import cache
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from reader.arxiv.base import is_author_name
from reader.arxiv.ids import abs_url

register = template.Library()


@register.filter
def author_query(name: str) -> str:
    """The search query for one author's papers: ``au:"Name"``."""
    return 'au:"' + name.replace('"', "") + '"'


@register.filter
def arxiv_abs(arxiv_id: str, version=None) -> str:
    """arXiv's abstract page for a bare id, of one version when given: ``id|arxiv_abs:v``."""
    return abs_url(arxiv_id, version or None)


@cache
def _search_prefix() -> str:
    return reverse("reader:search") + "?q="


@register.simple_tag
def author_links(authors: list[dict], hits=None) -> str:
    """Comma-separated author links to their search; names in ``hits`` are marked."""
    base = _search_prefix()
    hits = hits or ()
    return format_html_join(
        ", ",
        '<a class="author" href="{}">{}</a>',
        (
            (
                base + quote(author_query(a["name"])),
                format_html("<mark>{}</mark>", a["name"]) if a["name"] in hits else a["name"],
            )
            for a in authors
        ),
    )


@register.filter
def get_item(mapping: dict, key):
    """``mapping[key]`` in a template (None when absent)."""
    return mapping.get(key)


AUTHORS_SHOWN = 10  # when a list is collapsed, the names before "et al."
AUTHORS_COLLAPSE = 40  # lists longer than this collapse behind <details> (works without JS)


@register.simple_tag
def author_list(authors: list[dict], hits=None) -> str:
    """The authors block; long lists collapse behind a <details> "et al." (no JS needed)."""
    # rows stored before parsers dropped punctuation-only names (a lone ":") may still hold them
    authors = [a for a in authors or () if is_author_name(a.get("name"))]
    if not authors:
        return ""
    if len(authors) <= AUTHORS_COLLAPSE:
        return format_html('<div class="authors">{}</div>', author_links(authors, hits))
    return format_html(
        '<div class="authors">{} <details class="more-authors"><summary>et al. ({} more)'
        "</summary>{}</details></div>",
        author_links(authors[:AUTHORS_SHOWN], hits),
        len(authors) - AUTHORS_SHOWN,
        author_links(authors[AUTHORS_SHOWN:], hits),
    )


@register.simple_tag
def category_links(codes: list[str]) -> str:
    """Category chips linking to their listings; the primary (first) one is marked."""
    return format_html_join(
        " ",
        '<a class="cat{}" href="/arxiv/{}">{}</a>',
        ((" primary" if i == 0 else "", code, code) for i, code in enumerate(codes)),
    )
