"""Paper writes: batch upsert from parsed entries (idempotent, newer-wins) and rendering."""

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from tqdm import tqdm

import renderer
from reader.models import Category, ListingEntry, Paper, PaperVersion
from reader.services.calendar import issue_date_for
from reader.taxonomy import archive_of, canonical_category

logger = logging.getLogger(__name__)

# Fields copied from a parsed entry; the hash over them makes a re-ingest a no-op.
SOURCE_FIELDS = (
    "latest_version",
    "title",
    "abstract",
    "authors",
    "primary_category",
    "categories",
    "first_published",
    "updated",
    "comment",
    "journal_ref",
    "doi",
    "license",
)
SECTION_OF_ANNOUNCE_TYPE = {
    "new": "new",
    "cross": "cross",
    "replace": "replace",
    "replace-cross": "replace",
}
BATCH_SIZE = 500


def _entry_fields(entry: dict) -> dict:
    """Model field values from a parser entry (names and text with TeX accents as Unicode)."""
    categories = []
    for code in entry.get("categories") or []:
        code = canonical_category(code)
        if code not in categories:
            categories.append(code)
    primary = canonical_category(entry.get("primary_category") or (categories or [""])[0])
    if primary and primary not in categories:
        categories.insert(0, primary)
    elif primary:
        categories.remove(primary)
        categories.insert(0, primary)
    versions = [v["version"] for v in entry.get("versions") or [] if v.get("version")]
    authors = [
        {"name": renderer.tex_to_unicode(a["name"]), "affiliation": a.get("affiliation") or None}
        for a in entry.get("authors") or []
        if (a.get("name") or "").strip()
    ]
    return {
        "latest_version": max([entry.get("version") or 0, *versions]) or 1,
        "title": entry.get("title") if entry.get("title") is not None else "",
        "abstract": entry.get("abstract") or "",
        "authors": authors,
        "primary_category": primary,
        "categories": categories,
        "first_published": entry.get("published"),
        "updated": entry.get("updated"),
        "comment": entry.get("comment") or "",
        "journal_ref": entry.get("journal_ref") or "",
        "doi": entry.get("doi") or "",
        "license": entry.get("license") or "",
    }


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value))


def source_hash(fields: dict) -> str:
    """Stable hash of the source fields of one paper."""
    payload = json.dumps([fields.get(k) for k in SOURCE_FIELDS], default=_json_default)
    return hashlib.sha1(payload.encode()).hexdigest()


def paper_render(*, paper: Paper) -> None:
    """Fill the rendered HTML and plain-text twins of ``paper`` (the caller saves)."""
    paper.title_html = renderer.render_tex_title(paper.title)
    paper.title_plain = renderer.tex_plain_text(paper.title)
    paper.abstract_html = renderer.render_tex_text(paper.abstract) if paper.abstract else ""
    paper.abstract_plain = renderer.tex_plain_text(paper.abstract) if paper.abstract else ""
    paper.note_html = renderer.render_markdown(paper.note) if paper.note else ""
    paper.authors_text = ", ".join(a["name"] for a in paper.authors)
    paper.renderer_version = renderer.RENDERER_VERSION


def _merge(existing: Paper | None, incoming: dict) -> dict:
    """Incoming values win, except that a source lacking a field never erases it."""
    if existing is None:
        return incoming
    merged = {}
    for key in SOURCE_FIELDS:
        new, old = incoming[key], getattr(existing, key)
        merged[key] = new if new not in (None, "", []) else old
    return merged


def _listing_rows(paper: Paper, entry: dict, listing_category: str | None) -> list[ListingEntry]:
    """Listing entries: from a feed's announcement, else inferred from the submission dates."""
    if entry.get("announce_type") and entry.get("announce_date") and listing_category:
        section = SECTION_OF_ANNOUNCE_TYPE.get(entry["announce_type"], "new")
        return [
            ListingEntry(
                paper=paper,
                category=canonical_category(listing_category),
                issue_date=entry["announce_date"],
                section=section,
                position=entry.get("position", 0),
            )
        ]
    rows = []
    if paper.first_published:
        day = issue_date_for(paper.first_published)
        for code in paper.categories:
            section = "new" if code == paper.primary_category else "cross"
            rows.append(ListingEntry(paper=paper, category=code, issue_date=day, section=section))
    if paper.latest_version > 1 and paper.updated:
        day = issue_date_for(paper.updated)
        rows += [
            ListingEntry(paper=paper, category=code, issue_date=day, section="replace")
            for code in paper.categories
        ]
    return rows


def _version_rows(paper: Paper, entry: dict, fields: dict) -> list[PaperVersion]:
    rows = {
        v["version"]: PaperVersion(
            paper=paper, version=v["version"], submitted=v.get("date"), size=v.get("size") or ""
        )
        for v in entry.get("versions") or []
        if v.get("version")
    }
    if 1 not in rows and fields["first_published"]:
        rows[1] = PaperVersion(paper=paper, version=1, submitted=fields["first_published"])
    latest = fields["latest_version"]
    if latest not in rows:
        when = fields["updated"] if latest > 1 else fields["first_published"]
        rows[latest] = PaperVersion(paper=paper, version=latest, submitted=when)
    return list(rows.values())


def _ensure_categories(codes: set[str]) -> None:
    known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
    Category.objects.bulk_create(
        [Category(code=c, name=c, archive=archive_of(c)) for c in sorted(codes - known) if c],
        ignore_conflicts=True,
    )


def papers_upsert(entries: Iterable[dict], *, listing_category: str | None = None) -> Counter:
    """Upsert parsed entries in one transaction; returns counts new/updated/unchanged/skipped.

    Keyed by bare id: an older version never overwrites a newer one, identical metadata
    writes nothing, and a newer version replaces the metadata and extends the history.
    """
    counts: Counter = Counter()
    latest: dict[str, dict] = {}
    for entry in entries:
        key = entry["arxiv_id"]
        if key not in latest or (entry.get("version") or 0) >= (latest[key].get("version") or 0):
            latest[key] = entry
    if not latest:
        return counts
    with transaction.atomic():
        existing = Paper.objects.in_bulk(list(latest), field_name="arxiv_id")
        to_create, to_update, touched = [], [], []
        for arxiv_id, entry in latest.items():
            incoming = _entry_fields(entry)
            paper = existing.get(arxiv_id)
            if paper is not None and incoming["latest_version"] < paper.latest_version:
                counts["skipped"] += 1  # an older version never overwrites a newer one
                touched.append((paper, entry, _merge(paper, {**incoming, **_keep(paper)})))
                continue
            fields = _merge(paper, incoming)
            digest = source_hash(fields)
            if paper is not None and paper.source_hash == digest:
                counts["unchanged"] += 1
                touched.append((paper, entry, fields))
                continue
            paper = paper or Paper(arxiv_id=arxiv_id)
            for key, value in fields.items():
                setattr(paper, key, value)
            paper.source_hash = digest
            paper.announce_date = entry.get("announce_date") or paper.announce_date
            paper_render(paper=paper)
            (to_update if paper.pk else to_create).append(paper)
            touched.append((paper, entry, fields))
        _ensure_categories({c for p in to_create + to_update for c in p.categories})
        Paper.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_update:
            Paper.objects.bulk_update(
                to_update,
                [
                    *SOURCE_FIELDS,
                    "source_hash",
                    "announce_date",
                    "title_html",
                    "title_plain",
                    "abstract_html",
                    "abstract_plain",
                    "authors_text",
                    "renderer_version",
                ],
                batch_size=BATCH_SIZE,
            )
        counts.update(new=len(to_create), updated=len(to_update))
        counts += Counter()  # drop zero counts so reports compare cleanly
        versions, listings = [], []
        for paper, entry, fields in touched:
            versions += _version_rows(paper, entry, fields)
            listings += _listing_rows(paper, entry, listing_category)
        PaperVersion.objects.bulk_create(versions, batch_size=BATCH_SIZE, ignore_conflicts=True)
        ListingEntry.objects.bulk_create(listings, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return counts


def _keep(paper: Paper) -> dict:
    """The stored metadata of a newer version, kept when an older version arrives."""
    return {key: getattr(paper, key) for key in SOURCE_FIELDS}


def paper_note_set(*, paper: Paper, note: str) -> Paper:
    """Set a paper's Markdown note and its rendered HTML."""
    paper.note = note
    paper.note_html = renderer.render_markdown(note) if note else ""
    paper.save(update_fields=["note", "note_html", "modified_at"])
    return paper


def papers_rerender_stale(*, all_rows: bool = False, batch_size: int = 500, progress=True) -> int:
    """Re-render rows whose stored renderer version differs from the current one."""
    queryset = Paper.objects.all()
    if not all_rows:
        queryset = queryset.exclude(renderer_version=renderer.RENDERER_VERSION)
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    bar = tqdm(total=len(ids), unit="paper", disable=not progress, desc="rerender")
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            batch = list(Paper.objects.filter(pk__in=ids[start : start + batch_size]))
            for paper in batch:
                paper_render(paper=paper)
            Paper.objects.bulk_update(
                batch,
                [
                    "title_html",
                    "title_plain",
                    "abstract_html",
                    "abstract_plain",
                    "note_html",
                    "authors_text",
                    "renderer_version",
                ],
            )
        bar.update(len(batch))
    bar.close()
    return len(ids)
