"""`manage.py import_arxiv_snapshot FILE`: the Kaggle snapshot, streamed and resumable."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reader.services import papers_import_snapshot
from reader.services.snapshot import BATCH_LINES
from reader.tasks import papers_rerender_stale_task


class Command(BaseCommand):
    help = "Import arxiv-metadata-oai-snapshot JSON Lines (.jsonl or .jsonl.gz); resumable."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .jsonl or .jsonl.gz file")
        parser.add_argument(
            "--restart",
            action="store_true",
            help="ignore a saved position and start from the first line",
        )
        parser.add_argument("--batch", type=int, default=BATCH_LINES, help="lines per transaction")
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="processes that parse and prepare batches while this one writes (0: inline)",
        )
        parser.add_argument(
            "--render",
            action="store_true",
            help="render titles/abstracts inline (slower) instead of queuing it",
        )

    def handle(self, *args, **opts):
        path = Path(opts["path"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if opts["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        if not 0 <= opts["workers"] <= 64:
            raise CommandError("--workers must be between 0 and 64")
        bar = tqdm(unit="line", desc="snapshot", disable=opts["verbosity"] == 0)
        try:
            report = papers_import_snapshot(
                path=path,
                restart=opts["restart"],
                batch_lines=opts["batch"],
                render=opts["render"],
                workers=opts["workers"],
                progress=bar.update,
            )
        finally:
            bar.close()
        for label, message in report.failures[:50]:
            self.stderr.write(f"FAILED {label}: {message}")
        if len(report.failures) > 50:
            self.stderr.write(f"... and {len(report.failures) - 50} more failures")
        self.stdout.write(report.summary())
        if not opts["render"] and (report.counts["new"] or report.counts["updated"]):
            papers_rerender_stale_task.delay()
            self.stdout.write(
                "rendering queued: the worker renders the new rows (or run `rerender`)"
            )
        if not report.ok:
            raise CommandError(f"{len(report.failures)} line(s)/batch(es) failed; see above")
