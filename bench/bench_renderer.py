"""Benchmark: renderer.render_markdown against bare markdown-it-py, in the same run.

Usage: .venv/bin/python bench/bench_renderer.py [--repeat 5]

Documents: the CommonMark spec examples (../shared/md-corpora/A/commonmark/spec-0.31.2.json,
each example as one document, and all of them joined), a ~50 KB math-heavy document assembled
here, every sample abstract in ../shared/arxiv-samples/A through render_tex_text, and 256 KB
adversarial inputs. Baseline: MarkdownIt("commonmark"), no plugins, no sanitiser. Prints a
Markdown table; times are the best of --repeat runs.
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import renderer  # noqa: E402
from renderer.markdown import markdown_html  # noqa: E402

SHARED = Path(os.environ.get("READER_SHARED_DIR", REPO.parent / "shared"))

MATH_SECTION = r"""## Section {n}: estimates for $\mathcal{{L}}_{{{n}}}$

Let $x_i \in \mathbb{{R}}^d$ and $y_i = f(x_i) + \epsilon_i$ with $\epsilon_i \sim \mathcal{{N}}(0, \sigma^2)$.
The estimator \(\hat\theta_n = \arg\min_\theta \sum_{{i=1}}^n \ell(y_i, f_\theta(x_i))\) satisfies
$$\|\hat\theta_n - \theta^*\|_2 \le C \sqrt{{\frac{{d \log n}}{{n}}}}$$
with probability $1 - \delta$, where $C$ depends on $\|f\|_{{\infty}}$ and *not* on $n$.

\begin{{align}}
\mathcal{{L}}(\theta) &= \frac{{1}}{{n}} \sum_{{i=1}}^n \big(y_i - \langle w, \phi(x_i) \rangle\big)^2 \\
\nabla \mathcal{{L}}(\theta) &= -\frac{{2}}{{n}} \sum_{{i=1}}^n \big(y_i - \langle w, \phi(x_i)\rangle\big) \phi(x_i)
\end{{align}}

\[
p(x_{{1:T}}) = \prod_{{t=1}}^T p(x_t \mid x_{{<t}}), \qquad \{{a_k\}}_{{k \ge 1}}
\]

- step size $\eta_t = \eta_0 / \sqrt{{t}}$ and momentum $\beta_1 = 0.9$;
- the bound $O(n^{{-1/2}})$ is **tight** up to $\log$ factors;
- a run costs $5 and the full sweep $10 (prices stay text).

| method | rate | memory |
|---|:-:|--:|
| SGD | $O(1/\sqrt{{T}})$ | $O(d)$ |
| Adam | $O(\log T/\sqrt{{T}})$ | $O(2d)$ |

```python
loss = ((y - X @ w) ** 2).mean()  # $not math$
```

"""


def math_document(size: int = 50_000) -> str:
    parts, n = [], 0
    while sum(map(len, parts)) < size:
        n += 1
        parts.append(MATH_SECTION.format(n=n))
    return "".join(parts)


def adversarial() -> dict[str, str]:
    cap = renderer.MARKDOWN_MAX_BYTES - 64

    def fill(unit: str) -> str:
        return (unit * (cap // len(unit) + 1))[:cap]

    dollars = "x $a " * 20_000  # 20,000 openers that never close (100 KB)
    equations = "\\begin{equation}\nx = 1\n\n" * 2_000  # 2,000 unclosed environments (50 KB)
    return {
        "20,000 unmatched $ alone (100 KB)": dollars,
        "20,000 unmatched $ + prose (256 KB)": pad(dollars, cap),
        "2,000 unclosed \\begin{equation} alone (50 KB)": equations,
        "2,000 unclosed \\begin{equation} + prose (256 KB)": pad(equations, cap),
        "unclosed \\( run in one paragraph (256 KB)": fill("\\(a "),
        "$$ openers between headings (256 KB)": fill("$$ x\n# h\n"),
        "\\[ lines, never closed (256 KB)": fill("\\[\nx\n"),
    }


def pad(text: str, size: int) -> str:
    """Fill up to `size` with plain hard-wrapped prose (markdown-it's cheapest input)."""
    line = "plain prose that a paper note might contain, wrapped at about eighty columns\n"
    return (text + "\n" + line * (size // len(line) + 1))[:size]


def abstracts() -> list[str]:
    from xml.etree import ElementTree

    out = []
    for folder in ("api", "oai-pmh"):
        for path in sorted((SHARED / "arxiv-samples/A" / folder).glob("*.xml")):
            for el in ElementTree.parse(path).iter():
                if el.tag.rsplit("}", 1)[-1] in ("summary", "abstract") and el.text:
                    out.append(el.text)
    for path in sorted((SHARED / "arxiv-samples/A/kaggle").glob("*.jsonl")):
        out += [json.loads(line)["abstract"] for line in path.read_text().splitlines()]
    return out


def _run(fn, docs: list[str]) -> float:
    start = time.perf_counter()
    for doc in docs:
        fn(doc)
    return time.perf_counter() - start


def best(fn, docs: list[str], repeat: int) -> float:
    return min(_run(fn, docs) for _ in range(repeat))


def compare(a, b, docs: list[str], repeat: int) -> tuple[float, float]:
    """Best times of a and b, interleaved so that both see the same machine load."""
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(_run(a, docs))
        tb.append(_run(b, docs))
    return min(ta), min(tb)


def abstract_rows(bare, repeat: int) -> list[tuple[str, str, str, str]]:
    """render_tex_text against bare markdown-it-py on every sample abstract, interleaved."""
    docs = abstracts()
    kb = sum(len(d.encode()) for d in docs) / len(docs) / 1024
    cpu0 = time.process_time()
    b, o = compare(bare, renderer.render_tex_text, docs, repeat)
    cpu = time.process_time() - cpu0
    return [
        (
            f"`render_tex_text`, {len(docs)} sample abstracts ({kb:.1f} KB mean; "
            f"{cpu:.1f} s CPU for {repeat}× both)",
            f"{b * 1000 / len(docs):.3f}",
            f"{o * 1000 / len(docs):.3f}",
            f"{o / b:.2f}",
        )
    ]


def _print(rows, repeat: int) -> None:
    print(
        f"renderer {renderer.RENDERER_VERSION}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load {os.getloadavg()[0]:.1f}; best of {repeat}, bare and ours interleaved "
        "(adversarial and stock rows: best of 2, 1)\n"
    )
    print("| document | bare markdown-it-py, ms/doc | ours, ms/doc | ratio |")
    print("|---|--:|--:|--:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--abstracts", action="store_true", help="only the abstract row")
    args = ap.parse_args()
    bare = MarkdownIt("commonmark").render
    ours = renderer.render_markdown
    if args.abstracts:
        _print(abstract_rows(bare, args.repeat), args.repeat)
        return

    spec = [
        e["markdown"]
        for e in json.loads((SHARED / "md-corpora/A/commonmark/spec-0.31.2.json").read_text())
    ]
    rows = []
    for name, docs in [
        (f"CommonMark spec examples, {len(spec)} docs", spec),
        (f"CommonMark spec examples joined ({len(''.join(spec)) // 1024} KB)", ["\n\n".join(spec)]),
        (f"math-heavy document ({len(math_document()) // 1000} KB)", [math_document()]),
    ]:
        b, o = compare(bare, ours, docs, args.repeat)
        rows.append(
            (name, f"{b * 1000 / len(docs):.3f}", f"{o * 1000 / len(docs):.3f}", f"{o / b:.2f}")
        )
    for name, doc in adversarial().items():
        b, o = compare(bare, ours, [doc], 2)
        rows.append((name, f"{b * 1000:.0f}", f"{o * 1000:.0f}", f"{o / b:.2f}"))
    # Why the block rules were replaced: the stock plugin rules on the same inputs, parser only.
    stock = MarkdownIt("commonmark", {"html": False})
    stock.use(dollarmath_plugin, allow_labels=False, allow_blank_lines=False).use(amsmath_plugin)
    for name, doc in {
        "stock rules: 2,000 unclosed \\begin{equation} (50 KB)": "\\begin{equation}\nx\n\n" * 2_000,
        "stock rules: 4,000 $$ openers between headings (40 KB)": "$$ x\n# h\n" * 4_000,
    }.items():
        b, o = compare(stock.render, markdown_html, [doc], 1)
        rows.append(
            (
                name + " — stock vs ours, parser only",
                f"{b * 1000:.0f}",
                f"{o * 1000:.0f}",
                f"{o / b:.2f}",
            )
        )
    rows += abstract_rows(bare, args.repeat)
    _print(rows, args.repeat)


if __name__ == "__main__":
    main()
