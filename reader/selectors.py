"""Reads: every query the pages, feeds and exports need (services write)."""

from reader.models import Paper


def paper_get(*, arxiv_id: str) -> Paper | None:
    """One paper by bare id, or None."""
    return Paper.objects.filter(arxiv_id=arxiv_id).first()
