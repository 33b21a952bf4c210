"""Paper writes: batch upsert from parsed entries (idempotent, newer-wins) and rendering."""

import hashlib
import html
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import chain

import orjson
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

import renderer
from reader import page_cache
from reader.models import Category, ListingEntry, Paper
from reader.services import bulk
from reader.services.calendar import issue_date_for
from reader.taxonomy import archive_of, canonical_category

logger = logging.getLogger(__name__)

# Fields copied from a parsed entry; the hash over them makes a re-ingest a no-op.
SOURCE_FIELDS = (
    "latest_version", "title", "abstract", "authors", "primary_category", "categories",
    "first_published", "updated", "comment", "journal_ref", "doi", "license",
)  # fmt: skip
RENDERED_FIELDS = (
    "title_html", "title_plain", "abstract_html", "abstract_plain", "authors_text",
    "renderer_version",
)  # fmt: skip
SECTION_OF_ANNOUNCE_TYPE = {
    "new": "new", "cross": "cross", "replace": "replace", "replace-cross": "replace",
}  # fmt: skip


def _categories(entry: dict) -> tuple[str, list[str]]:
    """Primary and all categories, aliases merged, primary first, no duplicates."""
    categories = list(dict.fromkeys(canonical_category(c) for c in entry.get("categories") or []))
    primary = canonical_category(entry.get("primary_category") or (categories or [""])[0])
    if primary:
        categories = [primary, *(c for c in categories if c != primary)]
    return primary, categories


# Only text with one of these can change under tex_to_unicode; most names have none.
_TEX_SPECIALS = re.compile(r"[\\{}$~`']|--")


def _unicode_names(names: list[str]) -> list[str]:
    """TeX accents in author names to Unicode, one renderer call per paper (it is costly)."""
    joined = "\n".join(names)
    if not _TEX_SPECIALS.search(joined):
        return names
    converted = renderer.tex_to_unicode(joined).split("\n")
    if len(converted) != len(names):  # a stray brace or dollar spanned names: go one by one
        converted = [renderer.tex_to_unicode(name) for name in names]
    return converted


def _entry_fields(entry: dict) -> dict:
    """Model field values from a parser entry (author names with TeX accents as Unicode)."""
    primary, categories = _categories(entry)
    versions = [v["version"] for v in entry.get("versions") or [] if v.get("version")]
    raw = [a for a in entry.get("authors") or [] if (a.get("name") or "").strip()]
    names = _unicode_names([a["name"] for a in raw])
    authors = [
        {"name": name, "affiliation": a.get("affiliation") or None} for name, a in zip(names, raw)
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


def source_hash(fields: dict) -> str:
    """Stable hash of the source fields of one paper (orjson: dates as ISO 8601)."""
    return hashlib.sha1(orjson.dumps([fields.get(k) for k in SOURCE_FIELDS])).hexdigest()


def rendered_fields(*, title: str, abstract: str, authors: list[dict], render: bool = True) -> dict:
    """The renderer's HTML and plain-text twins; escaped source when ``render`` is off.

    Deferred rows keep an empty renderer version, so ``papers_rerender_stale`` renders them.
    """
    authors_text = ", ".join(a["name"] for a in authors)
    if not render:
        return {
            "title_html": html.escape(title), "title_plain": title,
            "abstract_html": f"<p>{html.escape(abstract)}</p>" if abstract else "",
            "abstract_plain": abstract, "authors_text": authors_text, "renderer_version": "",
        }  # fmt: skip
    abstract_html, abstract_plain = (
        renderer.render_tex_text_and_plain(abstract) if abstract else ("", "")
    )
    return {
        "title_html": renderer.render_tex_title(title),
        "title_plain": renderer.tex_plain_text(title),
        "abstract_html": abstract_html,
        "abstract_plain": abstract_plain,
        "authors_text": authors_text,
        "renderer_version": renderer.RENDERER_VERSION,
    }


def paper_render(*, paper: Paper) -> None:
    """Fill the rendered HTML and plain-text twins of ``paper`` (the caller saves)."""
    fields = rendered_fields(title=paper.title, abstract=paper.abstract, authors=paper.authors)
    for key, value in fields.items():
        setattr(paper, key, value)
    paper.note_html = renderer.render_markdown(paper.note) if paper.note else ""


def _merge(existing: dict | None, incoming: dict) -> dict:
    """Incoming values win, except that a source lacking a field never erases it."""
    if existing is None:
        return incoming
    return {
        key: incoming[key] if incoming[key] not in (None, "", []) else existing[key]
        for key in SOURCE_FIELDS
    }


def _listing_rows(fields: dict, entry: dict, listing_category: str | None) -> list[tuple]:
    """Listing rows but the paper id: from a feed's announcement, else from submission dates."""
    if entry.get("announce_type") and entry.get("announce_date") and listing_category:
        section = SECTION_OF_ANNOUNCE_TYPE.get(entry["announce_type"], "new")
        category = canonical_category(listing_category)
        day = bulk.iso_or_none(entry["announce_date"])
        return [(category, day, section, entry.get("position") or 0)]
    rows = []
    if fields["first_published"]:
        day = bulk.iso_or_none(issue_date_for(fields["first_published"]))
        for code in fields["categories"]:
            section = "new" if code == fields["primary_category"] else "cross"
            rows.append((code, day, section, 0))
    if fields["latest_version"] > 1 and fields["updated"]:
        day = bulk.iso_or_none(issue_date_for(fields["updated"]))
        rows += [(code, day, "replace", 0) for code in fields["categories"]]
    # One row per (category, day): a replacement listed the day it was first announced
    # stays "new" (the unique key would keep the first row anyway).
    first: dict[tuple, tuple] = {}
    for row in rows:
        first.setdefault(row[:2], row)
    return list(first.values())


def _version_rows(entry: dict, fields: dict, to_db=None) -> list[tuple]:
    """Version rows but the paper id: (version, submitted, size), dates adapted."""
    rows = {
        v["version"]: (v["version"], v.get("date"), v.get("size") or "")
        for v in entry.get("versions") or []
        if v.get("version")
    }
    if 1 not in rows and fields["first_published"]:
        rows[1] = (1, fields["first_published"], "")
    latest = fields["latest_version"]
    if latest not in rows:
        when = fields["updated"] if latest > 1 else fields["first_published"]
        rows[latest] = (latest, when, "")
    to_db = to_db or bulk.datetime_adapter()
    return [(v, to_db(when), size) for v, when, size in rows.values()]


def _ensure_categories(codes: set[str]) -> None:
    known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
    Category.objects.bulk_create(
        [Category(code=c, name=c, archive=archive_of(c)) for c in sorted(codes - known) if c],
        ignore_conflicts=True,
    )


def _existing_rows(prepared: dict[str, dict]) -> dict[str, dict]:
    """Stored rows for the batch: hash and version for all, full source fields only where the
    incoming hash differs (a repeated import never decodes the stored JSON)."""
    light = {
        arxiv_id: {"pk": pk, "source_hash": digest, "latest_version": version}
        for pk, arxiv_id, digest, version in bulk.papers_lookup(
            list(prepared), ("id", "arxiv_id", "source_hash", "latest_version")
        )
    }
    differ = [a for a, row in light.items() if prepared[a]["digest"] != row["source_hash"]]
    rows = Paper.objects.filter(arxiv_id__in=differ).values(
        "arxiv_id", "announce_date", *SOURCE_FIELDS
    )
    for row in rows:
        light[row["arxiv_id"]].update(row)
    return light


def _newest_per_id(entries: Iterable[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for entry in entries:
        key = entry["arxiv_id"]
        if key not in latest or (entry.get("version") or 0) >= (latest[key].get("version") or 0):
            latest[key] = entry
    return latest


def _new_row(arxiv_id: str, fields: dict, digest: str, announce_date, render: bool) -> dict:
    return {
        "arxiv_id": arxiv_id, **fields, "source_hash": digest, "announce_date": announce_date,
        **rendered_fields(title=fields["title"], abstract=fields["abstract"],
                          authors=fields["authors"], render=render),
    }  # fmt: skip


def entries_prepare(
    entries: Iterable[dict], *, render: bool = True, slim: bool = False
) -> dict[str, dict]:
    """The CPU half of an upsert, with no database access (a bulk import runs it in a worker
    process): newest entry per id, model fields, source hash, version and listing rows.

    ``slim`` items hold only what inserting a new paper needs (its ready parameters), all
    plain strings and numbers, so they cross a process boundary cheaply; the writer asks
    ``restore`` for the full item in the rare case the paper exists with other metadata.
    """
    prepared = {}
    now, to_db = timezone.now(), bulk.datetime_adapter()
    for arxiv_id, entry in _newest_per_id(entries).items():
        fields = _entry_fields(entry)
        item = {"entry": entry, "fields": fields, "digest": source_hash(fields), "params": None}
        item["versions"] = _version_rows(entry, fields, to_db)
        item["listings"] = _listing_rows(fields, entry, None)
        if slim:
            row = _new_row(arxiv_id, fields, item["digest"], entry.get("announce_date"), render)
            item["params"] = bulk.paper_params(row, now, to_db)
            item["categories"] = fields["categories"]
            del item["entry"], item["fields"]
        prepared[arxiv_id] = item
    return prepared


def papers_upsert(
    entries: Iterable[dict], *, listing_category: str | None = None, render: bool = True
) -> Counter:
    """Upsert parsed entries in one transaction; returns counts new/updated/unchanged/skipped.

    Keyed by bare id: an older version never overwrites a newer one, identical metadata
    writes nothing, and a newer version replaces the metadata and extends the history.
    With ``render=False`` (bulk snapshot) the HTML is escaped source until ``rerender``.
    """
    prepared = entries_prepare(entries, render=render)
    return papers_upsert_prepared(prepared, listing_category=listing_category, render=render)


def _categories_of(item: dict) -> list[str]:
    return item["categories"] if "categories" in item else item["fields"]["categories"]


def papers_upsert_prepared(
    prepared: dict[str, dict],
    *,
    listing_category: str | None = None,
    render: bool = True,
    restore: Callable[[str], dict] | None = None,
) -> Counter:
    """The database half of ``papers_upsert``, for the output of ``entries_prepare``
    (``restore(arxiv_id)`` gives the full item for a slim one)."""
    counts: Counter = Counter()
    if not prepared:
        return counts
    with transaction.atomic():
        existing = _existing_rows(prepared)
        new_ids, new_params, changed_rows, touched = [], [], [], []
        for arxiv_id, item in prepared.items():
            old = existing.get(arxiv_id)
            if old is None:
                if item["params"] is None:
                    fields, announce = item["fields"], item["entry"].get("announce_date")
                    row = _new_row(arxiv_id, fields, item["digest"], announce, render)
                    item["params"] = bulk.paper_params(row)
                new_params.append(item["params"])
                new_ids.append(arxiv_id)
                touched.append((arxiv_id, item, None))
                continue
            if "entry" not in item and (listing_category or old["source_hash"] != item["digest"]):
                item.update(restore(arxiv_id))
            if old["source_hash"] == item["digest"]:
                counts["unchanged"] += 1
                if listing_category:  # a feed may list a known paper on a new day
                    touched.append((arxiv_id, item, None))
                continue
            entry, incoming = item["entry"], item["fields"]
            if incoming["latest_version"] < old["latest_version"]:
                counts["skipped"] += 1  # an older version never overwrites a newer one
                touched.append((arxiv_id, item, {**incoming, **{k: old[k] for k in SOURCE_FIELDS}}))
                continue
            fields = _merge(old, incoming)
            digest = source_hash(fields)
            if old["source_hash"] == digest:
                counts["unchanged"] += 1
                if listing_category:  # a feed may list a known paper on a new day
                    touched.append((arxiv_id, item, fields))
                continue
            announce = entry.get("announce_date") or old.get("announce_date")
            changed_rows.append(
                {**_new_row(arxiv_id, fields, digest, announce, render), "pk": old["pk"]}
            )
            touched.append((arxiv_id, item, fields))
        _ensure_categories(
            {c for a in new_ids for c in _categories_of(prepared[a])}
            | {c for r in changed_rows for c in r["categories"]}
        )
        pks = {a: row["pk"] for a, row in existing.items()} | bulk.papers_insert(new_params)
        bulk.papers_update(changed_rows)
        counts.update(new=len(new_params), updated=len(changed_rows))
        counts += Counter()  # drop zero counts so reports compare cleanly
        new_pks = {pks[a] for a in new_ids}
        versions, listings, new_versions, new_listings = [], [], [], []
        for arxiv_id, item, fields in touched:
            pk = pks[arxiv_id]
            if fields is None:  # the incoming fields stand: the prepared rows apply
                version_rows = item["versions"]
                listing_rows = item["listings"]
                if listing_category:
                    listing_rows = _listing_rows(item["fields"], item["entry"], listing_category)
            else:
                version_rows = _version_rows(item["entry"], fields)
                listing_rows = _listing_rows(fields, item["entry"], listing_category)
            is_new = pk in new_pks
            (new_versions if is_new else versions).extend((pk, *row) for row in version_rows)
            (new_listings if is_new else listings).extend((pk, *row) for row in listing_rows)
        bulk.versions_insert(new_versions, new=True)
        bulk.versions_insert(versions)
        bulk.listings_insert(new_listings, new=True)
        bulk.listings_insert(listings)
        old_papers = {a: pks[a] for a, _item, _f in touched if pks[a] not in new_pks}
        _pages_bump(old_papers, {row[2] for row in chain(listings, new_listings)})
    return counts


def _pages_bump(papers: dict[str, int], listing_days: set) -> None:
    """New data versions for the cached pages these writes change (same transaction).

    New papers need no paper scope (a missing paper's page is never cached); a paper that
    already existed may be listed on days this batch does not name, so those are looked up.
    """
    days = set(listing_days)
    if papers:
        pks = list(papers.values())
        for start in range(0, len(pks), 10_000):
            rows = ListingEntry.objects.filter(paper_id__in=pks[start : start + 10_000])
            days.update(rows.values_list("issue_date", flat=True).distinct())
    scopes = {page_cache.paper_scope(a) for a in papers}
    scopes |= {page_cache.day_scope(d) for d in days if d}
    if listing_days:
        scopes.add(page_cache.DAYS)  # listing rows may add a day or change a day's counts
    page_cache.versions_bump(scopes)


def paper_note_set(*, paper: Paper, note: str) -> Paper:
    """Set a paper's Markdown note and its rendered HTML."""
    paper.note = note
    paper.note_html = renderer.render_markdown(note) if note else ""
    with transaction.atomic():
        paper.save(update_fields=["note", "note_html", "modified_at"])
        _pages_bump({paper.arxiv_id: paper.pk}, set())
    return paper


def papers_stale_ids(*, all_rows: bool = False) -> list[int]:
    """Primary keys of the rows whose stored renderer version is not the current one."""
    queryset = Paper.objects.all()
    if not all_rows:
        queryset = queryset.exclude(renderer_version=renderer.RENDERER_VERSION)
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def papers_render_ids(ids: list[int], *, all_rows: bool = False) -> int:
    """Render the given rows in one transaction (skipping any rendered meanwhile)."""
    with transaction.atomic():
        queryset = Paper.objects.filter(pk__in=ids)
        if not all_rows:
            queryset = queryset.exclude(renderer_version=renderer.RENDERER_VERSION)
        # Only the source columns, as tuples: model instances of whole rows cost more than
        # rendering them.
        rows = list(queryset.values_list("pk", "arxiv_id", "title", "abstract", "authors", "note"))
        updates, changed = [], {}
        for pk, arxiv_id, title, abstract, authors, note in rows:
            fields = rendered_fields(title=title, abstract=abstract, authors=authors)
            note_html = renderer.render_markdown(note) if note else ""
            updates.append([*(fields[c] for c in RENDERED_FIELDS), note_html, pk])
            changed[arxiv_id] = pk
        bulk.papers_set_columns([*RENDERED_FIELDS, "note_html"], updates)
        _pages_bump(changed, set())
    return len(rows)


def papers_rerender_stale(*, all_rows: bool = False, batch_size: int = 500, progress=True) -> int:
    """Re-render rows whose stored renderer version differs from the current one."""
    ids = papers_stale_ids(all_rows=all_rows)
    bar = tqdm(total=len(ids), unit="paper", disable=not progress, desc="rerender")
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        papers_render_ids(chunk, all_rows=all_rows)
        bar.update(len(chunk))
    bar.close()
    return len(ids)
