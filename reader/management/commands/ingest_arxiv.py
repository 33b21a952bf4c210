"""`manage.py ingest_arxiv`: every ingest path, with a progress bar and a one-line summary."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reader import services


class Command(BaseCommand):
    help = "Ingest arXiv metadata: OAI-PMH harvest, today's feeds, ids, an API query, or files."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument(
            "--category",
            action="append",
            metavar="CAT",
            help="OAI-PMH incremental harvest of a category (repeatable)",
        )
        mode.add_argument(
            "--new", nargs="+", metavar="CAT", help="today's announcements from the RSS/Atom feeds"
        )
        mode.add_argument("--ids", nargs="+", metavar="ID", help="specific papers via the API")
        mode.add_argument("--query", metavar="QUERY", help="an arXiv API search query")
        mode.add_argument(
            "--from-file",
            nargs="+",
            metavar="PATH",
            help="saved API/OAI-PMH/RSS responses (format detected)",
        )
        parser.add_argument(
            "--since", metavar="YYYY-MM-DD", help="with --category: harvest from this date"
        )
        parser.add_argument("--max", type=int, default=100, help="with --query: at most N results")

    def handle(self, *args, **opts):
        bar = tqdm(unit="entry", desc="ingest", disable=opts["verbosity"] == 0)
        progress = bar.update
        try:
            if opts["category"]:
                report = services.papers_ingest_oai(
                    categories=opts["category"], since=opts["since"], progress=progress
                )
            elif opts["new"]:
                report = services.papers_ingest_new(categories=opts["new"], progress=progress)
            elif opts["ids"]:
                report = services.papers_ingest_ids(ids=opts["ids"], progress=progress)
            elif opts["query"]:
                if opts["max"] < 1:
                    raise CommandError("--max must be at least 1")
                report = services.papers_ingest_query(
                    query=opts["query"], max_results=opts["max"], progress=progress
                )
            else:
                report = services.papers_ingest_files(paths=opts["from_file"], progress=progress)
        finally:
            bar.close()
        for label, message in report.failures:
            self.stderr.write(f"FAILED {label}: {message}")
        self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError(f"{len(report.failures)} page(s)/file(s) failed; see above")
