"""Writes: every function that changes stored state lives in this package (selectors read).

Split by concern: ``throttle`` (the global arXiv request slot), ``papers`` (upsert, render),
``ingest`` (network and file ingest), ``snapshot`` (Kaggle bulk import), ``requests``
(on-demand fetch of a missing paper).
"""

from reader.services.ingest import (
    IngestReport,
    papers_ingest_files,
    papers_ingest_ids,
    papers_ingest_new,
    papers_ingest_oai,
    papers_ingest_query,
)
from reader.services.paper_requests import paper_fetch, paper_request
from reader.services.papers import (
    paper_note_set,
    paper_render,
    papers_rerender_stale,
    papers_upsert,
)
from reader.services.snapshot import papers_import_snapshot
from reader.services.throttle import arxiv_slot, arxiv_slot_acquire, arxiv_slot_release

__all__ = [
    "IngestReport",
    "arxiv_slot",
    "arxiv_slot_acquire",
    "arxiv_slot_release",
    "paper_fetch",
    "paper_note_set",
    "paper_render",
    "paper_request",
    "papers_import_snapshot",
    "papers_ingest_files",
    "papers_ingest_ids",
    "papers_ingest_new",
    "papers_ingest_oai",
    "papers_ingest_query",
    "papers_rerender_stale",
    "papers_upsert",
]
