"""arxiv_text mode pieces: accents, paragraphs, the plain-text twin, tex_to_unicode, the API."""

import re
import subprocess
import sys

import pytest

import renderer
from renderer.accents import ACCENTS, convert_accents, convert_specials
from renderer.arxiv_text import paragraphs

ACCENT_CASES = [
    (r"\"o", "ö"), (r"\"{o}", "ö"), (r"{\"o}", "ö"), (r"{\"{o}}", "ö"), (r"\'e", "é"),
    (r"\`a", "à"), (r"\^o", "ô"), (r"\~n", "ñ"), (r"\=a", "ā"), (r"\.z", "ż"), (r"\u{g}", "ğ"),
    (r"\v s", "š"), (r"\v{c}", "č"), (r"\H{o}", "ő"), (r"\c c", "ç"), (r"\c{C}", "Ç"),
    (r"\k{a}", "ą"), (r"\r{u}", "ů"), (r"\d{s}", "ṣ"), (r"\b{b}", "ḇ"), (r"\'\i", "í"),
    (r"\'{\i}", "í"), (r"{\'\i}", "í"), (r"\"\i", "ï"), (r"\ss{}", "ß"), (r"{\ss}", "ß"),
    (r"Sj\o berg", "Sjøberg"), (r"{\O}", "Ø"), (r"\ae", "æ"), (r"\AE", "Æ"), (r"\oe", "œ"),
    (r"\OE", "Œ"), (r"{\aa}", "å"), (r"\AA", "Å"), (r"\l", "ł"), (r"\L{}", "Ł"), (r"\i", "ı"),
    (r"\j", "ȷ"),
]  # fmt: skip


@pytest.mark.parametrize("tex,expected", ACCENT_CASES, ids=[c[0] for c in ACCENT_CASES])
def test_accent(tex, expected):
    assert convert_accents(tex) == expected


def test_every_accent_command_is_covered():
    covered = {re.search(r"\\(.)", tex).group(1) for tex, _ in ACCENT_CASES}
    assert set(ACCENTS) <= covered


def test_accents_leave_macros_and_double_backslash_alone():
    assert (
        convert_accents(r"\lambda \url{x} \beta \vec{v} \\'a")
        == r"\lambda \url{x} \beta \vec{v} \\'a"
    )


def test_specials():
    assert convert_specials(r"\% \& \# \_ \$ \{ \} a--b a---b ``q'' \ldots \\%") == (
        "% & # _ $ { } a–b a—b “q” … \\\\%"
    )


def test_paragraph_conventions():
    raw = "  First line\nwrapped.\n  Second para\nwrapped.\n"
    assert paragraphs(raw) == ["  First line\nwrapped.", "  Second para\nwrapped."]
    old_api = "  All indented\n  lines are one\n  paragraph."
    assert paragraphs(old_api) == [old_api]
    assert paragraphs("a\r\n\r\nb") == ["a", "b"]


def test_tex_to_unicode_is_plain_and_keeps_math():
    src = 'G\\"odel <b> & $\\"o_1$ \\(\\\'x\\) \\emph{it}\n  next'
    assert renderer.tex_to_unicode(src) == "Gödel <b> & $\\\"o_1$ \\(\\'x\\) it\n  next"


def test_plain_text_twin():
    src = "  Schr\\\"odinger's $\\psi$ and\n\\textbf{more}\n  at 50\\% of https://x.org/a\\_b."
    assert renderer.tex_plain_text(src) == (
        "Schrödinger's $\\psi$ and more\n\nat 50% of https://x.org/a_b."
    )


def test_title_has_no_paragraph_and_abstract_has_one_per_paragraph():
    assert renderer.render_tex_title("A\n\nB") == "A B"
    assert renderer.render_tex_text("A\n\nB") == "<p>A</p>\n<p>B</p>\n"
    assert renderer.render_tex_text("") == ""


def test_control_characters_are_dropped():
    assert renderer.render_markdown("a\x00b\x1fc\ufffe\ud800") == "<p>abc</p>\n"
    assert renderer.render_tex_text("a\ud800b") == "<p>ab</p>\n"


def test_version_string():
    from importlib.metadata import version

    parts = renderer.RENDERER_VERSION.split("+")
    assert parts[0].isdigit()
    assert parts[1:] == [
        f"markdown-it-py-{version('markdown-it-py')}",
        f"mdit-py-plugins-{version('mdit-py-plugins')}",
        f"nh3-{version('nh3')}",
    ]


def test_too_large_is_a_value_error():
    assert issubclass(renderer.RenderInputTooLarge, ValueError)


def test_renderer_imports_without_django():
    code = (
        "import sys; sys.modules['django'] = None; import renderer; renderer.render_markdown('$x$')"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=renderer.__path__[0] + "/..")
