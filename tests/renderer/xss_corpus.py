"""XSS payloads from ../shared/md-corpora/A/xss and xss.md, and the contexts we wrap them in."""

from markdown_it.utils import read_fixture_file

from tests.conftest import shared_path

# Each context is (name, mode, template); {p} is the payload.
CONTEXTS = [
    ("paragraph", "markdown", "{p}"),
    ("dollar", "markdown", "$ {p}$ and $x{p}x$"),
    ("double_dollar", "markdown", "$${p}$$"),
    ("dollar_block", "markdown", "$$\n{p}\n$$"),
    ("paren", "markdown", "\\({p}\\)"),
    ("doubled_paren", "markdown", "\\\\({p}\\\\)"),
    ("bracket", "markdown", "\\[{p}\\]"),
    ("equation", "markdown", "\\begin{{equation}}\n{p}\n\\end{{equation}}"),
    ("link_text", "markdown", "[{p}](https://example.org)"),
    ("link_destination", "markdown", "[x]({p}) [y](<{p}>)"),
    ("image_alt", "markdown", "![{p}](https://example.org/i.png)"),
    ("image_src", "markdown", "![x]({p}) ![y](<{p}>)"),
    ("code_span", "markdown", "`{p}`"),
    ("fenced_code", "markdown", "```{p}\n{p}\n```"),
    ("heading", "markdown", "# {p}"),
    ("emphasis", "markdown", "*{p}* **{p}**"),
    ("blockquote", "markdown", "> {p}"),
    ("list_item", "markdown", "- {p}\n1. {p}"),
    ("table_cell", "markdown", "| a | b |\n|---|---|\n| {p} | $${p}$$ |"),
    ("autolink", "markdown", "<{p}>"),
    ("reference", "markdown", "[x]\n\n[x]: {p}"),
    ("title", "tex_title", "{p} $x{p}x$"),
    ("abstract", "tex_text", "{p}\n\n\\emph{{{p}}} \\url{{{p}}}"),
]


def payloads() -> list[str]:
    """All 415 payload lines (+ event-handler variants built from the name list)."""
    base = shared_path("md-corpora/A/xss")
    out: list[str] = []
    for name in ("IntrudersXSS", "RSNAKE_XSS", "XSS_Polyglots"):
        text = (base / "payloadsallthethings" / f"{name}.txt").read_text(encoding="utf-8")
        out += [
            line for line in text.split("\n") if line.strip()
        ]  # LF only: some lines hold U+2028
    for n in range(1, 21):
        text = (base / "bleach" / f"{n}.test").read_text(encoding="utf-8")
        out.append(text.split("\n--\n", 1)[0])
    xss_md = shared_path("md-corpora/A/markdown-it-py/xss.md")
    out += [source for _, _, source, _ in read_fixture_file(xss_md)]
    handlers = base / "payloadsallthethings" / "port_swigger_xss_cheatsheet_event_handlers.txt"
    for name in handlers.read_text(encoding="utf-8").split():
        out.append(name)  # the bare line counts as a payload too (415 in all)
        out.append(f"<x {name}=alert(1)>")
        out.append(f'[x](https://a.org/" {name}="alert(1))')
    return out
