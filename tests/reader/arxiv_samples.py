"""Helpers for the arXiv corpus tests: paths under ../shared/arxiv-samples/A and lookups."""

from datetime import UTC, datetime

from reader.arxiv import ParseResult, new_entry, parse_any
from tests.conftest import SHARED_DIR, shared_path

SAMPLES = "arxiv-samples/A"
API = f"{SAMPLES}/api"
OAI = f"{SAMPLES}/oai-pmh"
KAGGLE = f"{SAMPLES}/kaggle/kaggle-snapshot_lines001-100_0704.0001-0704.0100.jsonl"
LISTING = f"{SAMPLES}/listing-html/polaris-2026-08-12_list-cs.AI-new_EXCERPT.html"
ENTRY_KEYS = set(new_entry())


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def load(relpath: str) -> ParseResult:
    """parse_any on a shared sample (skips, or fails under CI, when ../shared is absent)."""
    return parse_any(shared_path(relpath).read_bytes())


def by_id(result: ParseResult) -> dict:
    """Entries keyed by arxiv_id, in document order."""
    return {e["arxiv_id"]: e for e in result.entries}


def names(entry: dict) -> list[str]:
    """Author names in order."""
    return [a["name"] for a in entry["authors"]]


def sample_files() -> list[str]:
    """Every file under arxiv-samples/A, relative to shared/ (a placeholder when absent)."""
    root = SHARED_DIR / SAMPLES
    files = sorted(str(p.relative_to(SHARED_DIR)) for p in root.rglob("*") if p.is_file())
    return files or ["<arxiv-samples/A missing>"]
