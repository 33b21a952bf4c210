"""Zotero markup: paper-page meta tags, COinS spans, unAPI hooks and export URLs.

The tags format rows the view already loaded (``reader.zotero.selectors.citation_dict``); they
never query. Values are escaped by ``format_html``, once, so a KEV's ``&`` becomes ``&amp;``.
"""

from datetime import date

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from reader import zotero
from reader.zotero.selectors import citation_dict

register = template.Library()


def _v1(versions) -> date | None:
    """The earliest submitted date in an already-loaded version list (or None)."""
    dates = [v.submitted for v in versions or () if getattr(v, "submitted", None)]
    return min(dates).date() if dates else None


@register.simple_tag
def citation_meta(paper, versions=None) -> str:
    """Highwire ``citation_*``, ``DC.type`` and ``og:*`` meta tags for a paper page <head>."""
    data = citation_dict(paper, v1=_v1(versions))
    return format_html_join("\n  ", '<meta {}="{}" content="{}">', zotero.meta_pairs(data))


@register.simple_tag
def coins(paper) -> str:
    """One COinS span (Dublin Core KEV, rft.type=preprint) for a paper in a list."""
    data = citation_dict(paper)
    if not data["authors"]:
        # A span without an author makes Zotero run network look-ups to "complete" it.
        return ""
    return format_html('<span class="Z3988" title="{}"></span>', zotero.coins_kev(data))


@register.simple_tag(takes_context=True)
def unapi_link(context) -> str:
    """The ``<link rel="unapi-server">`` that points Zotero's unAPI translator at /unapi."""
    url = reverse("zotero:unapi")
    request = context.get("request")
    # Absolute: the translator joins "?id=..." to this string and fetches it as it stands.
    return format_html(
        '<link rel="unapi-server" type="application/xml" title="unAPI" href="{}">',
        request.build_absolute_uri(url) if request else url,
    )


@register.simple_tag
def unapi_id(paper) -> str:
    """An ``abbr.unapi-id`` for one paper in a list (never on the paper page)."""
    return format_html('<abbr class="unapi-id" title="{}"></abbr>', paper.arxiv_id)


@register.simple_tag
def export_url(ids, ext: str) -> str:
    """``/arxiv/<id>.<ext>`` (``ids`` is one bare id or a list of them); ext: bib, ris, json."""
    joined = ids if isinstance(ids, str) else ",".join(ids)
    return reverse("zotero:export", kwargs={"ids": joined, "ext": ext})
