"""Reads for Zotero export: papers turned into the plain dicts that ``reader.zotero`` formats.

``citation_dict`` formats a row that is already loaded (template tags use it; it never
queries). ``paper_citation_data`` and ``papers_citation_data`` are the selectors: they load
whatever the row lacks (deferred columns, the v1 date from the version history) in a constant
number of queries, whatever the number of papers.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db.models import Min

from reader.arxiv.base import is_author_name
from reader.models import Paper, PaperVersion

# Columns every export format reads; listing cards load only some of them.
CITATION_FIELDS = (
    "id",
    "arxiv_id",
    "latest_version",
    "title",
    "title_plain",
    "abstract_plain",
    "authors",
    "primary_category",
    "categories",
    "first_published",
    "updated",
    "announce_date",
    "comment",
    "journal_ref",
    "doi",
    "license",
    "created_at",
)
# At most this many papers go into one download (a multi-id URL, a listing day, a search page).
MAX_EXPORT = 2000


def _day(value: date | datetime | None) -> date | None:
    # Stored datetimes are UTC; arXiv dates its versions in UTC too.
    return value.date() if isinstance(value, datetime) else value


def _loaded(paper: Paper, name: str, default=None):
    """A column's value, or ``default`` when it was deferred (reading it would query)."""
    return default if name in paper.get_deferred_fields() else getattr(paper, name)


def _prefetched_v1(paper: Paper) -> date | None:
    versions = getattr(paper, "_prefetched_objects_cache", {}).get("versions")
    dates = [v.submitted for v in versions or () if v.submitted]
    return _day(min(dates)) if dates else None


def citation_dict(paper: Paper, *, v1: date | None = None) -> dict:
    """The plain dict ``reader.zotero`` expects, from an already-loaded row (no queries).

    The date is the first version's: ``first_published``, else ``v1`` (the earliest version a
    selector found), else a prefetched version history, else the announcement or update day.
    """
    when = (
        _day(_loaded(paper, "first_published"))
        or v1
        or _prefetched_v1(paper)
        or _day(_loaded(paper, "announce_date"))
        or _day(_loaded(paper, "updated"))
        or _day(_loaded(paper, "created_at"))
    )
    # The plain-text twins keep TeX math as written; an unrendered row has only its source.
    title = _loaded(paper, "title_plain") or _loaded(paper, "title", "")
    return {
        "arxiv_id": paper.arxiv_id,
        "version": paper.latest_version,
        "title": title,
        "authors": [a["name"] for a in paper.authors or () if is_author_name(a.get("name"))],
        "date": when or date.today(),
        "updated": _day(_loaded(paper, "updated")),
        "abstract": _loaded(paper, "abstract_plain", ""),
        "doi": _loaded(paper, "doi") or None,
        "primary_category": paper.primary_category,
        "categories": list(paper.categories or ()),
        "comment": _loaded(paper, "comment") or None,
        "journal_ref": _loaded(paper, "journal_ref") or None,
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
        "license": _loaded(paper, "license") or None,
    }


def _v1_dates(pks: Iterable[int]) -> dict[int, date]:
    """Earliest dated version per paper, for rows without ``first_published`` (one query)."""
    pks = list(pks)
    if not pks:
        return {}
    rows = (
        PaperVersion.objects.filter(paper_id__in=pks, submitted__isnull=False)
        .values("paper_id")
        .annotate(first=Min("submitted"))
    )
    return {r["paper_id"]: _day(r["first"]) for r in rows}


def papers_citation_data(*, papers: Sequence[Paper]) -> list[dict]:
    """Citation dicts for papers, in order; at most two queries however many papers."""
    papers = list(papers)
    # Card querysets defer columns the exports need: reload them all in one query.
    if any(set(CITATION_FIELDS) & p.get_deferred_fields() for p in papers):
        full = Paper.objects.only(*CITATION_FIELDS).in_bulk([p.pk for p in papers])
        papers = [full.get(p.pk, p) for p in papers]
    v1 = _v1_dates(p.pk for p in papers if p.first_published is None)
    return [citation_dict(p, v1=v1.get(p.pk)) for p in papers]


def paper_citation_data(*, paper: Paper) -> dict:
    """The citation dict for one paper (v1 date from its history when first_published is unset)."""
    return papers_citation_data(papers=[paper])[0]


def papers_for_citation(*, arxiv_ids: Sequence[str]) -> list[Paper]:
    """Papers for bare ids with the export columns loaded, in the given order (missing dropped)."""
    ids = list(dict.fromkeys(arxiv_ids))[:MAX_EXPORT]
    rows = (
        Paper.objects.filter(arxiv_id__in=ids).only(*CITATION_FIELDS).in_bulk(field_name="arxiv_id")
    )
    return [rows[i] for i in ids if i in rows]
