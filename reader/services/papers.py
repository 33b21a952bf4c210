"""Paper writes: batch upsert from parsed entries (idempotent, newer-wins) and rendering.

The upsert is ``plan.entries_prepare`` -> ``plan.upsert_plan`` -> ``bulk.plan_apply``.
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import chain

from django.db import transaction
from tqdm import tqdm

import renderer
from reader import page_cache
from reader.models import ListingEntry, Paper
from reader.services import bulk
from reader.services.plan import (
    RENDERED_FIELDS,
    SOURCE_FIELDS,
    entries_prepare,
    rendered_fields,
    upsert_plan,
)

logger = logging.getLogger(__name__)


def paper_render(*, paper: Paper) -> None:
    """Fill the rendered HTML and plain-text twins of ``paper`` (the caller saves)."""
    fields = rendered_fields(title=paper.title, abstract=paper.abstract, authors=paper.authors)
    for key, value in fields.items():
        setattr(paper, key, value)
    paper.note_html = renderer.render_markdown(paper.note) if paper.note else ""


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


def papers_upsert_prepared(
    prepared: dict[str, dict],
    *,
    listing_category: str | None = None,
    render: bool = True,
    restore: Callable[[str], dict] | None = None,
) -> Counter:
    """The database half of ``papers_upsert``: look up the stored rows, plan, apply.

    Every ingest path ends here (``plan.upsert_plan`` decides, ``bulk.plan_apply`` writes),
    in one transaction; ``restore(arxiv_id)`` gives the full item for a slim one.
    """
    if not prepared:
        return Counter()
    with transaction.atomic():
        existing = _existing_rows(prepared)
        plan = upsert_plan(
            prepared, existing, listing_category=listing_category, render=render, restore=restore
        )
        existing_pks = {a: row["pk"] for a, row in existing.items()}
        bulk.plan_apply(plan, existing_pks)
        changed = {row["pk"] for row in plan.changed}
        touched = {a for a, _row in chain(plan.versions, plan.listings)} | {
            a for a, pk in existing_pks.items() if pk in changed
        }
        old_papers = {a: existing_pks[a] for a in touched if a in existing_pks}
        _pages_bump(old_papers, {row[1] for _a, row in plan.listings})
    return Counter(plan.counts())


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
    """Render the given stale rows, then write them in one short transaction; returns how many.

    The rows are read and rendered outside the transaction: on SQLite every transaction
    takes the write lock (IMMEDIATE), so rendering inside it let only one worker render at
    a time. A row whose source or note changed since it was read is left as it is (the
    write matches on ``source_hash`` and ``note``); whoever changed it rendered it or left
    it stale for the next pass.
    """
    queryset = Paper.objects.filter(pk__in=ids)
    if not all_rows:
        queryset = queryset.exclude(renderer_version=renderer.RENDERER_VERSION)
    # Only the source columns, as tuples: model instances of whole rows cost more than
    # rendering them.
    columns = ("pk", "arxiv_id", "title", "abstract", "authors", "note", "source_hash")
    rows = list(queryset.values_list(*columns))
    updates, changed = [], {}
    for pk, arxiv_id, title, abstract, authors, note, digest in rows:
        fields = rendered_fields(title=title, abstract=abstract, authors=authors)
        note_html = renderer.render_markdown(note) if note else ""
        updates.append([*(fields[c] for c in RENDERED_FIELDS), note_html, pk, digest, note])
        changed[arxiv_id] = pk
    with transaction.atomic():
        bulk.papers_set_columns(
            [*RENDERED_FIELDS, "note_html"], updates, unchanged=("source_hash", "note")
        )
        _pages_bump(changed, set())
    return len(rows)


RENDER_CHUNK = 1000  # papers per render transaction, and per task when workers share the work


def papers_rerender_stale(
    *,
    all_rows: bool = False,
    batch_size: int | None = None,
    render_chunk: Callable[[list[int]], object] | None = None,
    progress: bool = True,
) -> int:
    """Re-render rows whose stored renderer version differs from the current one, by chunks.

    ``manage.py rerender`` renders each chunk here; the nightly task passes ``render_chunk``
    to queue each chunk instead, so every worker renders a share of a snapshot's backlog.
    """
    ids = papers_stale_ids(all_rows=all_rows)
    batch_size = batch_size or RENDER_CHUNK
    bar = tqdm(total=len(ids), unit="paper", disable=not progress, desc="rerender")
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        if render_chunk is None:
            papers_render_ids(chunk, all_rows=all_rows)
        else:
            render_chunk(chunk)
        bar.update(len(chunk))
    bar.close()
    return len(ids)
