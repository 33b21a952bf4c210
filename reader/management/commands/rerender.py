"""`manage.py rerender [--all]`: re-render papers whose renderer version is older."""

from django.core.management.base import BaseCommand

from reader.services import papers_rerender_stale


class Command(BaseCommand):
    help = "Re-render stored title/abstract/note HTML whose renderer version is outdated."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="re-render every paper")
        parser.add_argument("--batch", type=int, default=None, help="papers per transaction")

    def handle(self, *args, **opts):
        count = papers_rerender_stale(
            all_rows=opts["all"],
            batch_size=opts["batch"] and max(1, opts["batch"]),
            progress=opts["verbosity"] > 0,
        )
        self.stdout.write(f"re-rendered {count} paper(s)")
