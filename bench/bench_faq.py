"""Paper FAQ benchmark: the cached-answer path and the worker's cost per streamed token.

    .venv/bin/python bench/bench_faq.py [--papers 5000] [--requests 400] [--tokens 1000]

1. **Cached answer.** A separate SQLite file (var/bench/faq/) with synthetic papers, each with
   a stored ~1,500-token answer in English and a few in Chinese. Requests go through Django's
   WSGI handler in this process (what gunicorn calls, without the socket), DEBUG off; "server
   time" is the handler's wall time per request, with its CPU time beside it. Baseline in the
   same run: the same paper page with the FAQ off (LLM_ENABLED unset). Goal: paper page with
   the answer p50 <= 20 ms, like the paper page.
2. **Worker overhead per token.** faq_generate streams an answer from the loopback
   OpenAI-compatible server at 50 tokens/s (20 ms a token) and writes the row every 0.5 s, each
   time rendering the whole text so far. Baseline in the same run: the bare openai client
   reading the same stream and doing nothing with it. The worker thread's CPU time
   (time.thread_time; the server runs in another thread) divided by the tokens, minus the
   baseline's, is our overhead; goal <= 5 % of the 20 ms token time.
"""

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "var" / "bench" / "faq"
sys.path.insert(0, str(REPO))

ANSWER_PARAGRAPH = (
    "The method minimises $\\mathcal{L}(\\theta) = \\mathbb{E}_{x\\sim p}\\,\\ell(f_\\theta(x))$ "
    "with a step size $\\eta_t = \\eta_0 / \\sqrt{t}$, and the bound "
    "$$\\|\\hat\\theta - \\theta^*\\|_2 \\le C\\sqrt{\\frac{d \\log n}{n}}$$ holds with "
    "probability $1-\\delta$. The experiments compare **three baselines** on "
    "[the benchmark](https://example.org/bench) and report a 12 % gain.\n\n"
)


def answer_text(tokens: int) -> str:
    """About `tokens` tokens (4 characters each) of FAQ-like Markdown with math."""
    questions = ["What problem?", "Related work?", "Method?", "Experiments?", "Limits?"]
    out, i = [], 0
    while sum(len(p) for p in out) < tokens * 4:
        out.append(f"### {questions[i % len(questions)]}\n\n{ANSWER_PARAGRAPH}")
        i += 1
    return "".join(out)


def setup_django(db: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="reader.settings",
        DJANGO_SECRET_KEY="bench-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1",
        DJANGO_DEBUG="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        READER_DATA_DIR=str(OUT),
        DATABASE_URL=f"sqlite:///{db}",
        LOG_LEVEL="WARNING",
        CELERY_BROKER_URL="memory://",
        LLM_BASE_URL="http://127.0.0.1:9/v1",
        LLM_MODEL="bench-model",
        LLM_DAILY_TOKENS="0",
        LLM_REQUESTS_PER_MINUTE="0",
    )
    import django

    django.setup()


def generate(papers: int) -> None:
    """Synthetic papers, one stored English answer each (a Chinese one on every tenth)."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from reader.faq.prompt import PROMPT_VERSION
    from reader.faq.render import render_answer
    from reader.models import Paper, PaperFaq

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the page cache's table
    text = answer_text(1500)
    html = render_answer(text)
    now = timezone.now()
    with transaction.atomic():
        rows = [
            Paper(
                arxiv_id=f"2511.{i:05d}",
                title=f"Paper {i}",
                title_html=f"Paper {i}",
                title_plain=f"Paper {i}",
                abstract="We study $x$.",
                abstract_html='We study <span class="math inline">\\(x\\)</span>.',
                abstract_plain="We study x.",
                authors=[{"name": "Ada Lovelace"}],
                authors_text="Ada Lovelace",
                primary_category="cs.LG",
                categories=["cs.LG"],
            )
            for i in range(papers)
        ]
        Paper.objects.bulk_create(rows, batch_size=1000)
        ids = dict(Paper.objects.values_list("arxiv_id", "pk"))
        faqs = []
        for i in range(papers):
            for lang in ("en", "zh") if i % 10 == 0 else ("en",):
                faqs.append(
                    PaperFaq(
                        paper_id=ids[f"2511.{i:05d}"],
                        version=1,
                        lang=lang,
                        model="bench-model",
                        prompt_version=PROMPT_VERSION,
                        status="done",
                        markdown=text,
                        html=html,
                        prompt_tokens=400,
                        completion_tokens=1500,
                        started_at=now,
                        finished_at=now,
                    )
                )
        PaperFaq.objects.bulk_create(faqs, batch_size=1000)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def bench_pages(papers: int, requests: int) -> None:
    """The three paths interleaved request by request, so load swings hit them alike."""
    import random

    from django.conf import settings
    from django.test import Client

    rng = random.Random(3)
    ids = [f"2511.{rng.randrange(papers):05d}" for _ in range(requests)]
    cases = [
        ("paper page, FAQ off (baseline)", "/arxiv/{}", False),
        ("paper page with the cached answer", "/arxiv/{}", True),
        ("`faq.json` of a cached answer", "/arxiv/{}/faq.json?lang=en", True),
    ]
    client = Client()
    times = {name: ([], []) for name, _, _ in cases}
    for n, arxiv_id in enumerate(ids):
        for name, pattern, enabled in cases:
            settings.LLM_ENABLED = enabled
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(pattern.format(arxiv_id))
            wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            assert response.status_code == 200, (arxiv_id, response.status_code)
            if enabled and "faq.json" not in pattern:
                assert b"data-faq-answer" in response.content and b"<h3>" in response.content
            if n >= 20:  # warm-up: templates, connections
                times[name][0].append(wall)
                times[name][1].append(cpu)
    settings.LLM_ENABLED = True
    print(f"\n{papers} papers with answers, {requests} requests each, in-process WSGI\n")
    print("| path | server p50 ms | server p95 ms | CPU p50 ms |")
    print("|---|--:|--:|--:|")
    for name, (wall, cpu) in times.items():
        print(f"| {name} | {pct(wall, 50):.2f} | {pct(wall, 95):.2f} | {pct(cpu, 50):.2f} |")


def bench_stream(tokens: int, rate: float) -> None:
    import openai
    from django.conf import settings

    from reader.faq import services
    from reader.models import Paper
    from tests.llm_server import LlmServer, answer

    text = answer_text(tokens)
    pieces = [text[i : i + 4] for i in range(0, len(text), 4)][:tokens]
    server = LlmServer(default=answer(pieces, delay=1 / rate), model="bench-model")
    settings.LLM_BASE_URL = server.url
    settings.LLM_MAX_TOKENS = tokens + 10
    paper = Paper.objects.order_by("pk").first()
    results = {"ours": [], "bare": []}
    try:
        for _round in range(2):
            # Ours: the whole worker path (client, writer, renders, row updates).
            from reader.models import PaperFaq

            PaperFaq.objects.filter(paper=paper, lang="zh").delete()
            faq, _ = services.faq_request(paper=paper, lang="zh", enqueue=False)
            c0, t0 = time.thread_time(), time.perf_counter()
            done = services.faq_generate(faq_id=faq.pk)
            results["ours"].append((time.thread_time() - c0, time.perf_counter() - t0))
            assert done.status == "done" and done.completion_tokens == len(pieces), done.error
            # Baseline: the bare openai client reading the same stream.
            client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0)
            c0, t0 = time.thread_time(), time.perf_counter()
            stream = client.chat.completions.create(
                model="bench-model", messages=[{"role": "user", "content": "x"}], stream=True
            )
            got = sum(1 for chunk in stream for c in chunk.choices if c.delta.content)
            results["bare"].append((time.thread_time() - c0, time.perf_counter() - t0))
            assert got == len(pieces)
    finally:
        server.close()
    token_ms = 1000 / rate
    ours = min(c for c, _ in results["ours"]) * 1000 / len(pieces)
    bare = min(c for c, _ in results["bare"]) * 1000 / len(pieces)
    wall = min(w for _, w in results["ours"])
    print(f"\n{len(pieces)} tokens at {rate:.0f} tokens/s ({token_ms:.0f} ms a token), best of 2\n")
    print("| consumer | CPU ms per token | % of token time | wall s |")
    print("|---|--:|--:|--:|")
    print(f"| bare openai client (baseline) | {bare:.3f} | {100 * bare / token_ms:.2f} % | "
          f"{min(w for _, w in results['bare']):.1f} |")  # fmt: skip
    print(f"| faq_generate (client + row writes + renders) | {ours:.3f} | "
          f"{100 * ours / token_ms:.2f} % | {wall:.1f} |")  # fmt: skip
    print(f"| **our overhead** (difference) | {ours - bare:.3f} | "
          f"**{100 * (ours - bare) / token_ms:.2f} %** | |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    setup_django(OUT / "bench.sqlite3")
    generate(args.papers)
    c0 = time.process_time()
    bench_pages(args.papers, args.requests)
    bench_stream(args.tokens, args.rate)
    print(f"\nload average {os.getloadavg()[0]:.1f}; CPU {time.process_time() - c0:.1f} s")


if __name__ == "__main__":
    main()
