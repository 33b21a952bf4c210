"""`markdown` mode: CommonMark + tables + strikethrough + math, raw HTML off, then nh3.

Used for everything we show that is written in Markdown (paper notes, FAQ answers, demo
write-ups, user text); all of it is untrusted. The parser is built once per process.
"""

from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from .math import math_plugin

_ALIGN = {f"text-align:{side}": f"align-{side}" for side in ("left", "center", "right")}


def _align_classes(state: StateCore) -> None:
    """Turn the table plugin's style="text-align:x" into a class: the sanitiser allows no style."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and token.attrs.get("style") in _ALIGN:
            token.attrs["class"] = _ALIGN[token.attrs.pop("style")]


def base_parser() -> MarkdownIt:
    """markdown-it-py as configured for `markdown` mode, without the math rules."""
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.core.ruler.push("align_classes", _align_classes)
    return md


@cache
def parser(inline_brackets: bool = True) -> MarkdownIt:
    """The shared parser with math rules (inline \\[…\\] can be turned off per source)."""
    md = base_parser()
    math_plugin(md, inline_brackets=inline_brackets)
    return md


def markdown_html(source: str, *, inline_brackets: bool = True) -> str:
    """Parser output before sanitising (tests compare this layer against markdown-it)."""
    return parser(inline_brackets).render(source)
