"""Template helpers that format what selectors return (they never query)."""

from functools import cache
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.filter
def author_query(name: str) -> str:
    """The search query for one author's papers: ``au:"Name"``."""
    return 'au:"' + name.replace('"', "") + '"'


@register.filter
def pdf_url(paper) -> str:
    """arXiv's PDF URL for the latest version (PDFs are never re-hosted)."""
    return f"https://arxiv.org/pdf/{paper.arxiv_id}v{paper.latest_version}"


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
