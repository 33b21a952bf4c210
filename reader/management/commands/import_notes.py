"""`manage.py import_notes DIR`: load `<arxiv-id>.md` notes (old-style `/` written as `_`)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reader import selectors
from reader.arxiv import InvalidArxivId, normalize_id
from reader.services import paper_note_set


def note_id_from_filename(stem: str) -> str:
    """`hep-th_9901001` -> `hep-th/9901001`; new-style ids pass through (then normalised)."""
    if "_" in stem:
        archive, number = stem.rsplit("_", 1)
        stem = f"{archive}/{number}"
    return normalize_id(stem)[0]


class Command(BaseCommand):
    help = "Import Markdown notes from a folder of <arxiv-id>.md files."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *args, **opts):
        folder = Path(opts["folder"])
        if not folder.is_dir():
            raise CommandError(f"not a folder: {folder}")
        done, failed = 0, 0
        for path in sorted(folder.glob("*.md")):
            try:
                arxiv_id = note_id_from_filename(path.stem)
                paper = selectors.paper_get(arxiv_id=arxiv_id)
                if paper is None:
                    raise LookupError(f"paper {arxiv_id} is not in the database; ingest it first")
                paper_note_set(paper=paper, note=path.read_text(encoding="utf-8"))
                done += 1
            except (InvalidArxivId, LookupError, UnicodeDecodeError, ValueError) as exc:
                failed += 1
                self.stderr.write(f"FAILED {path.name}: {exc}")
        self.stdout.write(f"imported {done} note(s), failed {failed}")
        if failed:
            raise CommandError(f"{failed} note(s) failed")
