"""`manage.py faq`: generate FAQ answers now, in this process, with a progress bar and a summary.

Answers already done (same paper version, language, model and prompt) are counted as cached
and not asked again; a failed answer is named on stderr and the command exits non-zero.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reader import selectors as reader_selectors
from reader.arxiv import InvalidArxivId, normalize_id
from reader.faq import selectors, services
from reader.faq.prompt import LANGS


class Command(BaseCommand):
    help = "Generate paper FAQs synchronously: --ids ID... or --category C [--date YYYY-MM-DD]."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--ids", nargs="+", metavar="ID", help="arXiv ids (stored papers)")
        which.add_argument("--category", action="append", metavar="C", help="a listed category")
        parser.add_argument("--date", type=date.fromisoformat, help="listing day (latest if unset)")
        parser.add_argument("--lang", choices=LANGS, default="en")

    def _papers(self, opts) -> list:
        if opts["category"]:
            return selectors.faq_papers_for_day(categories=opts["category"], day=opts["date"])
        papers = []
        for raw in opts["ids"]:
            try:
                bare, _version = normalize_id(raw)
            except InvalidArxivId as exc:
                raise CommandError(str(exc)) from None
            paper = reader_selectors.paper_get(arxiv_id=bare)
            if paper is None:
                raise CommandError(f"{bare} is not stored; ingest it first (ingest_arxiv --ids)")
            papers.append(paper)
        return papers

    def handle(self, *args, **opts):
        try:
            services.llm_client()  # refuse early, with the reason, when the feature is off
        except services.FaqDisabled as exc:
            raise CommandError(f"{exc} (see README 'Paper FAQ')") from None
        papers = self._papers(opts)
        counts = {"done": 0, "cached": 0, "truncated": 0, "failed": 0}
        tokens = 0
        for paper in tqdm(papers, unit="paper", desc="faq", disable=opts["verbosity"] == 0):
            try:
                faq, created = services.faq_request(paper=paper, lang=opts["lang"], enqueue=False)
            except (services.FaqPaused, services.FaqQueueFull) as exc:
                self.stderr.write(f"stopped: {exc}")
                counts["failed"] += 1
                break
            if not created and faq.status == "done":
                counts["cached"] += 1
                continue
            # A queued row from the site is generated here; a running one is left to its worker.
            result = services.faq_generate(faq_id=faq.pk, worker="manage.py faq")
            if result is None:
                counts["cached"] += 1
            elif result.status == "done":
                counts["done"] += 1
                counts["truncated"] += result.truncated
                tokens += result.prompt_tokens + result.completion_tokens
            else:
                counts["failed"] += 1
                self.stderr.write(f"{paper.arxiv_id}: {result.error.splitlines()[0]}")
        self.stdout.write(
            f"done {counts['done']} / cached {counts['cached']} / truncated {counts['truncated']}"
            f" / failed {counts['failed']} / tokens {tokens}"
        )
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} answer(s) failed; see above")
