"""Untrusted Markdown and arXiv TeX text to sanitised HTML whose math MathJax typesets as written.

Public API (a pure library: no Django imports):

* ``render_markdown(source)`` — `markdown` mode (notes, FAQs, demo write-ups, user text).
* ``render_tex_text(source)`` — arXiv abstracts: ``<p>`` per paragraph, math marked, TeX accents
  and escapes outside math turned into Unicode. ``render_tex_title(source)`` is the same as one
  inline run with no ``<p>``.
* ``tex_plain_text(source)`` — the plain-text twin (copy button, feeds, Zotero, search index);
  ``tex_to_unicode(text)`` converts accents/escapes only, keeping whitespace (author names).
* ``render_tex_text_and_plain(source)`` — both of an abstract's renderings in one call;
  ``render_tex_title_and_plain(source)`` the same for a title.
* ``RENDERER_VERSION`` — part of every cache key; ``RenderInputTooLarge`` for over-cap input.

The functions return the *inner* HTML of a fragment. The templates wrap every fragment in an
element with ``class="mathjax_ignore tex2jax_ignore notranslate"``, so that MathJax (configured
by static/js/mathjax-config.js) typesets only the ``.math`` elements inside it.
"""

import re
from importlib.metadata import version

from . import arxiv_text
from .markdown import markdown_html
from .sanitize import sanitize

__all__ = [
    "MARKDOWN_MAX_BYTES",
    "RENDERER_VERSION",
    "RenderInputTooLarge",
    "TEX_TEXT_MAX_BYTES",
    "render_markdown",
    "render_tex_text",
    "render_tex_text_and_plain",
    "render_tex_title",
    "render_tex_title_and_plain",
    "tex_plain_text",
    "tex_to_unicode",
]

# Bump on any change to rules, options, output shape or the allow-list; library upgrades
# change the version string by themselves.
_REVISION = 1
RENDERER_VERSION = (
    f"{_REVISION}+markdown-it-py-{version('markdown-it-py')}"
    f"+mdit-py-plugins-{version('mdit-py-plugins')}+nh3-{version('nh3')}"
)

MARKDOWN_MAX_BYTES = 256 * 1024
TEX_TEXT_MAX_BYTES = 16 * 1024  # titles and abstracts (arXiv caps abstracts at 1,920 chars)
TEX_TO_UNICODE_MAX_BYTES = 256 * 1024  # author lists of large collaborations run to ~100 KB


class RenderInputTooLarge(ValueError):
    """The input is over the size cap for its mode; it is refused, never truncated."""


def _check_size(source: str, limit: int, what: str) -> None:
    # Cheap pre-check on characters: a str never has more characters than UTF-8 bytes.
    if len(source) > limit or len(source.encode("utf-8", "surrogatepass")) > limit:
        size = len(source.encode("utf-8", "surrogatepass"))
        raise RenderInputTooLarge(
            f"{what} input is {size:,} bytes (UTF-8); the limit is {limit:,} bytes. "
            "It was not rendered."
        )


# Control characters, noncharacters and lone surrogates (which cannot even be encoded) are
# invalid in HTML text and never meant to be shown.
_INVALID = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(p + 0xFFFE)}{chr(p + 0xFFFF)}" for p in range(0, 0x110000, 0x10000))
    + "]"
)


# The same set within ASCII: most text is ASCII, and this charset is 7x faster to scan.
_INVALID_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_input(source: str) -> str:
    if source.isascii():
        return _INVALID_ASCII.sub("", source)
    return _INVALID.sub("", source)


def render_markdown(source: str, *, inline_brackets: bool = True) -> str:
    """Markdown with math to sanitised inner HTML; inline_brackets=False keeps \\[…\\] text."""
    _check_size(source, MARKDOWN_MAX_BYTES, "Markdown")
    return sanitize(markdown_html(_clean_input(source), inline_brackets=inline_brackets))


def render_tex_text(source: str) -> str:
    """arXiv abstract (TeX-flavoured plain text) to sanitised ``<p>`` paragraphs."""
    _check_size(source, TEX_TEXT_MAX_BYTES, "Abstract")
    paras = arxiv_text.paragraphs(_clean_input(source))
    html = "".join(f"<p>{arxiv_text.inline_html(p)}</p>\n" for p in paras)
    return sanitize(html)


def render_tex_text_and_plain(source: str) -> tuple[str, str]:
    """``(render_tex_text(source), tex_plain_text(source))`` at the cost of little more than one."""
    _check_size(source, TEX_TEXT_MAX_BYTES, "Abstract")
    pairs = [arxiv_text.paragraph_both(p) for p in arxiv_text.paragraphs(_clean_input(source))]
    html = "".join(f"<p>{h}</p>\n" for h, _ in pairs)
    return sanitize(html), "\n\n".join(plain for _, plain in pairs)


def render_tex_title(source: str) -> str:
    """arXiv title to sanitised inline HTML (one run, no ``<p>``)."""
    _check_size(source, TEX_TEXT_MAX_BYTES, "Title")
    return sanitize(arxiv_text.inline_html(_clean_input(source)))


def render_tex_title_and_plain(source: str) -> tuple[str, str]:
    """``(render_tex_title(source), tex_plain_text(source))``, scanning a one-paragraph title once."""
    _check_size(source, TEX_TEXT_MAX_BYTES, "Title")
    clean = _clean_input(source)
    if arxiv_text.paragraphs(clean) == [clean]:  # the usual title: both read the same text
        html, plain = arxiv_text.paragraph_both(clean)
        return sanitize(html), plain
    return render_tex_title(source), tex_plain_text(source)


def tex_plain_text(source: str) -> str:
    """Plain-text twin: lines joined, paragraphs separated by a blank line, math kept as TeX."""
    _check_size(source, TEX_TEXT_MAX_BYTES, "Abstract")
    paras = arxiv_text.paragraphs(_clean_input(source))
    return "\n\n".join(arxiv_text.plain_text(p, join_space=True).strip() for p in paras)


def tex_to_unicode(text: str) -> str:
    """TeX accents and escapes outside math to Unicode; math and whitespace kept verbatim."""
    _check_size(text, TEX_TO_UNICODE_MAX_BYTES, "TeX text")
    return arxiv_text.plain_text(_clean_input(text), join_space=False)
