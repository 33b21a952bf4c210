"""The CPU half of every ingest write, with no database access: prepare and plan.

``entries_prepare`` turns parsed entries into model fields, a source hash and the version and
listing rows (a bulk import runs it in worker processes). ``upsert_plan`` sorts each prepared
item against the stored rows into new / unchanged / older-version skipped / changed and builds
its version and listing rows once; ``bulk.plan_apply`` writes the plan. The snapshot import,
the feed / API / OAI ingest and the on-demand fetch all go through this one path
(``papers.papers_upsert_prepared``).
"""

import hashlib
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import orjson
from django.utils import timezone

import renderer
from reader.arxiv.calendar import issue_date_for
from reader.services import bulk
from reader.taxonomy import canonical_category

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
    title_html, title_plain = renderer.render_tex_title_and_plain(title)
    return {
        "title_html": title_html,
        "title_plain": title_plain,
        "abstract_html": abstract_html,
        "abstract_plain": abstract_plain,
        "authors_text": authors_text,
        "renderer_version": renderer.RENDERER_VERSION,
    }


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


@dataclass
class UpsertPlan:
    """What one batch writes: rows to insert and update, and the rows hanging off them.

    Version and listing rows are keyed by arXiv id (new papers get their primary key only
    when inserted); ``*_new`` lists hold the rows of papers inserted by this plan.
    """

    new_ids: list[str] = field(default_factory=list)
    new_params: list[list] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    categories: set[str] = field(default_factory=set)
    versions: list[tuple[str, tuple]] = field(default_factory=list)
    listings: list[tuple[str, tuple]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The non-zero counts new / updated / unchanged / skipped."""
        counts = {"new": len(self.new_ids), "updated": len(self.changed)}
        counts |= {"unchanged": self.unchanged, "skipped": self.skipped}
        return {k: v for k, v in counts.items() if v}


def upsert_plan(
    prepared: dict[str, dict],
    existing: dict[str, dict],
    *,
    listing_category: str | None = None,
    render: bool = True,
    restore: Callable[[str], dict] | None = None,
) -> UpsertPlan:
    """Sort prepared items against the stored rows (``existing``, by arXiv id) into a plan.

    An older version never overwrites a newer one, identical metadata writes nothing, and a
    newer version replaces the metadata and extends the history; a feed may still list a known
    paper on a new day. ``restore(arxiv_id)`` gives the full item for a slim one.
    """
    plan = UpsertPlan()
    for arxiv_id, item in prepared.items():
        old = existing.get(arxiv_id)
        if old is None:
            _plan_new(plan, arxiv_id, item, listing_category, render)
            continue
        if "entry" not in item and (listing_category or old["source_hash"] != item["digest"]):
            item.update(restore(arxiv_id))
        if old["source_hash"] == item["digest"]:
            plan.unchanged += 1
            if listing_category:  # a feed may list a known paper on a new day
                _plan_rows(plan, arxiv_id, item, item["fields"], listing_category)
            continue
        entry, incoming = item["entry"], item["fields"]
        if incoming["latest_version"] < old["latest_version"]:
            plan.skipped += 1  # an older version never overwrites a newer one
            stored = {**incoming, **{k: old[k] for k in SOURCE_FIELDS}}
            _plan_rows(plan, arxiv_id, item, stored, listing_category)
            continue
        fields = _merge(old, incoming)
        digest = source_hash(fields)
        if old["source_hash"] == digest:
            plan.unchanged += 1
            if listing_category:
                _plan_rows(plan, arxiv_id, item, fields, listing_category)
            continue
        announce = entry.get("announce_date") or old.get("announce_date")
        plan.changed.append(
            {**_new_row(arxiv_id, fields, digest, announce, render), "pk": old["pk"]}
        )
        plan.categories.update(fields["categories"])
        _plan_rows(plan, arxiv_id, item, fields, listing_category)
    return plan


def _plan_new(plan: UpsertPlan, arxiv_id: str, item: dict, listing_category, render) -> None:
    """A paper not stored yet: its insert parameters and its prepared rows."""
    if item["params"] is None:
        fields, announce = item["fields"], item["entry"].get("announce_date")
        row = _new_row(arxiv_id, fields, item["digest"], announce, render)
        item["params"] = bulk.paper_params(row)
    plan.new_ids.append(arxiv_id)
    plan.new_params.append(item["params"])
    plan.categories.update(
        item["categories"] if "categories" in item else item["fields"]["categories"]
    )
    listings = item["listings"]
    if listing_category:
        listings = _listing_rows(item["fields"], item["entry"], listing_category)
    plan.versions += [(arxiv_id, row) for row in item["versions"]]
    plan.listings += [(arxiv_id, row) for row in listings]


def _plan_rows(
    plan: UpsertPlan, arxiv_id: str, item: dict, fields: dict, listing_category: str | None
) -> None:
    """Version and listing rows of a stored paper, from the fields that will stand."""
    if fields is item["fields"]:  # the incoming fields stand: the prepared rows apply
        versions = item["versions"]
        listings = item["listings"]
        if listing_category:
            listings = _listing_rows(fields, item["entry"], listing_category)
    else:
        versions = _version_rows(item["entry"], fields)
        listings = _listing_rows(fields, item["entry"], listing_category)
    plan.versions += [(arxiv_id, row) for row in versions]
    plan.listings += [(arxiv_id, row) for row in listings]
