"""Bulk import of the Kaggle ``arxiv-metadata-oai-snapshot`` JSON Lines file.

Streamed in batches of lines (flat memory). Worker processes parse each batch and prepare its
rows (``entries_prepare``, no database) while this process writes the previous batch, so
the two halves run on two cores. Each batch and the file position after it commit together,
so an interrupted import resumes at the next batch.
"""

import gc
import gzip
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import transaction

from reader import arxiv
from reader.models import SnapshotImport
from reader.services import bulk, sqlite_bulk
from reader.services.ingest import IngestReport
from reader.services.papers import entries_prepare, papers_upsert_prepared

logger = logging.getLogger(__name__)

# Large transactions: each commit costs a full-text segment (SQLite FTS5 writes one per
# transaction and merges them later) and a WAL round; at 1M lines, 10,000-line batches
# imported 1.5x faster than 2,000-line ones.
BATCH_LINES = 10_000
# Batches handed to each worker ahead of the writer: one keeps it busy; every batch in
# flight is memory (a prepared 10,000-line batch is about 50 MB), so memory stays flat.
READ_AHEAD_PER_WORKER = 1


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _checkpoint(path: Path, restart: bool) -> SnapshotImport:
    stat = path.stat()
    state, _ = SnapshotImport.objects.get_or_create(
        path=str(path.resolve()), file_size=stat.st_size, file_mtime=stat.st_mtime
    )
    if restart or state.finished:
        state.lines_done, state.byte_offset, state.finished = 0, 0, False
        state.save()
    return state


def _batches(handle, first_line: int, batch_lines: int) -> Iterator[tuple[int, list[bytes], int]]:
    """(number of the first line, raw lines, byte offset after them) for each batch."""
    lineno = first_line
    while True:
        lines = []
        for raw in handle:
            lines.append(raw)
            if len(lines) >= batch_lines:
                break
        if not lines:
            return
        yield lineno + 1, lines, handle.tell()
        lineno += len(lines)


def prepare_batch(first_line: int, lines: list[bytes], render: bool) -> tuple[dict, list]:
    """Parse and prepare one batch (runs in a worker): (slim prepared rows, [(lineno, error)]).

    Each item records the index of its line, from which the writer can ``restore`` it.
    """
    entries, where, failures = [], {}, []
    for index, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            entry = arxiv.parse_snapshot_line(raw)
        except arxiv.ArxivParseError as exc:
            failures.append((first_line + index, str(exc)))
            continue
        entries.append(entry)
        where[entry["arxiv_id"]] = index  # the last line wins, as in entries_prepare
    prepared = entries_prepare(entries, render=render, slim=True)
    for arxiv_id, item in prepared.items():
        item["line"] = where[arxiv_id]
    return prepared, failures


def _restorer(prepared: dict, lines: list[bytes], render: bool) -> Callable[[str], dict]:
    def restore(arxiv_id: str) -> dict:
        entry = arxiv.parse_snapshot_line(lines[prepared[arxiv_id]["line"]])
        return entries_prepare([entry], render=render)[arxiv_id]

    return restore


class _InProcess:
    """The Pool interface, run inline (``workers=0``: tests, debugging)."""

    class _Done:
        def __init__(self, func, args):
            self.func, self.args = func, args

        def get(self):
            return self.func(*self.args)  # errors surface here, as from a pool

    def apply_async(self, func, args):
        return self._Done(func, args)

    def terminate(self):
        pass

    def join(self):
        pass


def _pool(workers: int):
    if workers < 1:
        return _InProcess()
    # Forked workers inherit Django's set-up. They never touch the database: the inherited
    # connection objects stay unused (closing them here would end a caller's transaction),
    # and a pool worker leaves through os._exit or SIGTERM, which runs no finalisers.
    return multiprocessing.get_context("fork").Pool(workers)


def papers_import_snapshot(
    *,
    path: str | os.PathLike,
    restart: bool = False,
    render: bool = False,
    batch_lines: int = BATCH_LINES,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
    stop_after_batches: int | None = None,
) -> IngestReport:
    """Import a snapshot file (.jsonl or .jsonl.gz), resuming after the last committed batch.

    Rendering is deferred by default (escaped source is stored and ``papers_rerender_stale``
    renders later, in parallel on workers): the renderer costs about 1 ms a paper, which
    alone would cap the import well below the 5,000 papers/s it must reach.
    """
    path = Path(path)
    report = IngestReport()
    state = _checkpoint(path, restart)
    # Freezing the start-up heap (Django, torch...) keeps the garbage collector from walking
    # it after every few thousand allocations, here and in the forked workers (where the
    # walk would also copy every page it touches).
    gc.freeze()
    pool = _pool(workers)
    try:
        with _open(path) as handle, sqlite_bulk.import_session():
            if state.byte_offset:
                handle.seek(state.byte_offset)
                logger.info("resuming %s at line %d", path, state.lines_done)
            batches = _batches(handle, state.lines_done, batch_lines)
            pending: deque = deque()
            done = 0
            while True:
                while len(pending) < READ_AHEAD_PER_WORKER * max(workers, 1):
                    batch = next(batches, None)
                    if batch is None:
                        break
                    first, lines, offset = batch
                    job = pool.apply_async(prepare_batch, (first, lines, render))
                    pending.append((first, lines, offset, job))
                if not pending:
                    break
                first, lines, offset, job = pending.popleft()
                _apply_batch(report, state, path, (first, lines, offset), job, render)
                if progress:
                    progress(len(lines))
                done += 1
                if stop_after_batches is not None and done >= stop_after_batches:
                    return report  # simulated interruption (tests, benchmarks)
    finally:
        pool.terminate()
        pool.join()
        gc.unfreeze()
    state.finished = True
    state.save(update_fields=["finished", "updated_at"])
    return report


def _apply_batch(report, state, path, batch: tuple[int, list, int], job, render: bool) -> None:
    """Write one prepared batch and the position after it in one transaction."""
    first, lines, offset = batch
    count = len(lines)
    where = f"{path}:lines {first}-{first + count - 1}"
    try:
        prepared, failures = job.get()
    except Exception as exc:  # a bug in the worker: name the batch, carry on with the rest
        report.fail(where, exc)
        return
    for lineno, message in failures:
        report.fail(f"{path}:{lineno}", arxiv.ArxivParseError(message))
    try:
        with transaction.atomic():
            bulk.relax_durability()
            restore = _restorer(prepared, lines, render)
            report.counts.update(papers_upsert_prepared(prepared, render=render, restore=restore))
            state.lines_done, state.byte_offset = first + count - 1, offset
            state.save(update_fields=["lines_done", "byte_offset", "updated_at"])
    except Exception as exc:
        report.fail(where, exc)
