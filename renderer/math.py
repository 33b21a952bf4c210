"""Math recognition shared by both modes: which spans are TeX, and how they are wrapped.

The server decides what is math; MathJax only typesets the result. Every formula becomes an
element with class ``math`` holding the TeX HTML-escaped exactly once and wrapped in MathJax's own
``\\(…\\)`` or ``\\[…\\]`` delimiters (design/rendering.md §2.6). The rules here are markdown-it
rules: dollarmath's inline rule (reused), plus linear-time rules of our own for ``\\(…\\)``,
``\\[…\\]``, ``$$`` blocks and top-level amsmath environments, because the stock block rules are
quadratic on unclosed openers (§2.8).
"""

import re
from bisect import bisect_left
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.amsmath import ENVIRONMENTS
from mdit_py_plugins.dollarmath.index import math_inline_dollar

# dollarmath's inline rule with pandoc-like options (design §2.3): no space just inside, $$ inline
# is display. The digit rules are applied in dollar_inline (see there), so allow_digits=True.
_dollar_rule = math_inline_dollar(allow_space=False, allow_digits=True, allow_double=True)

_TEX_TOKEN = re.compile(r"\\(.)|\\$|[{}]", re.S)
_BACKSLASH_RUN = re.compile(r"\\+")
_AMS_OPEN = re.compile(r"\\begin\{(" + "|".join(ENVIRONMENTS) + r")(\*?)\}")
_AMS_CLOSE = re.compile(r"\\end\{(" + "|".join(ENVIRONMENTS) + r")(\*?)\}[^\S\n]*$", re.M)
_CLOSER = {"$": "$", "$$": "$$", "\\(": "\\)", "\\\\(": "\\\\)", "\\[": "\\]", "\\\\[": "\\\\]"}


# ---- output contract -------------------------------------------------------------------------


def mathjax_safe(tex: str, closer: str) -> bool:
    """True if MathJax would read all of `tex` between our wrapper delimiters and stop there."""
    braces = 0
    for m in _TEX_TOKEN.finditer(tex):
        tok = m.group(0)
        # the wrapper's own closer would end the formula early; a lone trailing \ eats the closer
        if tok == closer or tok == "\\":
            return False
        if tok == "{":
            braces += 1
        elif tok == "}" and braces:
            braces -= 1
    # MathJax only accepts the end delimiter at brace depth 0 (FindTeX), so an open { never ends
    return braces == 0


def wrap_math(tex: str, kind: str, source: str) -> str:
    """HTML for one formula: kind is inline, display (inline element) or block/amsmath (div)."""
    if kind == "inline":
        if mathjax_safe(tex, "\\)"):
            return f'<span class="math inline">\\({escapeHtml(tex)}\\)</span>'
    elif mathjax_safe(tex, "\\]"):
        if kind == "display":
            return f'<span class="math display">\\[{escapeHtml(tex)}\\]</span>'
        return f'<div class="math {kind}">\\[{escapeHtml(tex)}\\]</div>\n'
    # Cannot be wrapped faithfully: show the source as text rather than typeset something else.
    text = escapeHtml(source)
    return text if kind in ("inline", "display") else f"<p>{text}</p>\n"


def _source(token: Token) -> str:
    """The formula as written, for the literal fallback."""
    if token.type == "amsmath":
        return token.content
    return token.markup + token.content + _CLOSER.get(token.markup, "")


def _render(kind: str):
    def render(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        token = tokens[idx]
        tex = token.content
        # dollarmath strips its content; blocks may start and end with newlines; the inline
        # backslash forms keep their content verbatim.
        if token.markup in ("$", "$$") or token.type == "math_block":
            tex = tex.strip()
        return wrap_math(tex, kind, _source(token))

    return render


def _typesettable(tex: str, display: bool) -> bool:
    return mathjax_safe(tex, "\\]" if display else "\\)")


def _even_backslashes_before(src: str, pos: int) -> bool:
    run = pos
    while run > 0 and src[run - 1] == "\\":
        run -= 1
    return (pos - run) % 2 == 0


def dollar_inline(state: StateInline, silent: bool) -> bool:
    """dollarmath's inline rule with pandoc's digit rules, adjusted; see the comments."""
    src, pos = state.src, state.pos
    if src[pos] != "$":
        return False
    if pos > 0 and src[pos - 1] == "$" and _even_backslashes_before(src, pos - 1):
        return False  # the second $ of a $$ that was not math is not an opener either
    # No digit just before the opener (`5$`). dollarmath's own check reads src[-1] at the start
    # of a block, so with allow_digits=False "$x$ is less than 5" would not be math.
    if pos > 0 and src[pos - 1].isdigit():
        return False
    if not _dollar_rule(state, silent):
        return False
    double = src.startswith("$$", pos)  # dollarmath always reads an opening $$ as double
    width = 2 if double else 1
    tex = src[pos + width : state.pos - width]
    # A digit may follow the closer (`$\sim$10`, common in abstracts) unless the formula starts
    # with one, so that currency such as `$5-$10` stays text.
    currency = tex[:1].isdigit() and src[state.pos : state.pos + 1].isdigit()
    # TeX that MathJax could not read back exactly (§2.6) is not math: the Markdown inside it
    # is then parsed as usual.
    if not currency and _typesettable(tex.strip(), double):
        return True
    state.pos = pos
    if not silent:
        state.tokens.pop()  # only the math token: push() may have flushed pending text before it
    return False


# ---- inline \( \) and \[ \] (single and doubled backslash) -----------------------------------


def _closers(state: StateInline) -> dict[str, list[int]]:
    """Positions of the four closer tokens in this inline block, found once (linear time)."""
    cache = state.env.setdefault("_math_closers", {})
    found = cache.get(state.src)
    if found is None:
        found = {"\\)": [], "\\]": [], "\\\\)": [], "\\\\]": []}
        src = state.src
        for m in _BACKSLASH_RUN.finditer(src):
            end = m.end()
            if end >= len(src) or src[end] not in ")]":
                continue
            # Backslashes pair up from the start of the run (TeX-aware: \\ is one token).
            if (end - m.start()) % 2:
                found["\\" + src[end]].append(end - 1)
            else:
                found["\\\\" + src[end]].append(end - 2)
        cache[state.src] = found
    return found


def backslash_inline(state: StateInline, silent: bool) -> bool:
    """Inline rule for \\(…\\), \\[…\\] and the doubled \\\\(…\\\\), \\\\[…\\\\] forms."""
    src, pos = state.src, state.pos
    if src[pos] != "\\" or (pos > 0 and src[pos - 1] == "\\"):
        return False  # not at the start of a backslash run
    run = 1
    while pos + run < state.posMax and src[pos + run] == "\\":
        run += 1
    if run > 2 or pos + run >= state.posMax or src[pos + run] not in "([":
        return False  # longer runs keep their CommonMark meaning
    bracket = src[pos + run]
    opener = src[pos : pos + run + 1]
    closer = _CLOSER[opener]
    start = pos + len(opener)
    positions = _closers(state)[closer]
    i = bisect_left(positions, start + 1)  # content must be non-empty
    if i == len(positions) or positions[i] + len(closer) > state.posMax:
        return False
    end = positions[i]
    if not _typesettable(src[start:end], bracket == "["):
        return False
    if not silent:
        token = state.push("math_inline" if bracket == "(" else "math_inline_double", "math", 0)
        token.content = src[start:end]
        token.markup = opener
    state.pos = end + len(closer)
    return True


# ---- block rules: $$…$$, \[…\] on their own lines, amsmath environments ----------------------


def _failed_scan(state: StateBlock, endLine: int) -> dict:
    """Memo of the last failed closer scan in this nesting context (keeps block rules linear)."""
    key = ("_math_fail", state.level, endLine, state.parentType, state.blkIndent)
    return state.env.setdefault(key, {"from": -1, "to": -1})


def _block_content(state: StateBlock, first: int, start: int, last: int, end: int) -> str:
    """Text from src position `start` on line `first` to `end` on line `last`, minus prefixes."""
    if first == last:
        return state.src[start:end]
    parts = [state.src[start : state.eMarks[first]]]
    parts += [state.src[state.bMarks[ln] : state.eMarks[ln]] for ln in range(first + 1, last)]
    parts.append(state.src[state.bMarks[last] : end])
    return "\n".join(parts)


def _ends_with_closer(text: str, closer: str) -> bool:
    """Whether `text` ends with `closer` as a TeX token (\\] must not be the tail of \\\\])."""
    if not text.endswith(closer):
        return False
    if closer != "\\]":
        return True
    body = text[:-1]
    return (len(body) - len(body.rstrip("\\"))) % 2 == 1  # odd run of \ before the ]


def _block_rule(opener: str, closer: str, markup: str):
    def rule(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
        if state.is_code_block(startLine):
            return False
        start = state.bMarks[startLine] + state.tShift[startLine]
        line_end = state.eMarks[startLine]
        if not state.src.startswith(opener, start, line_end):
            return False
        text = state.src[start:line_end].strip()
        last, end = startLine, None
        if len(text) > len(opener) + len(closer) - 1:
            if _ends_with_closer(text, closer):
                end = start + len(text) - len(closer)
            elif closer in text[len(opener) :]:
                return False  # a closer mid-line: leave it to the inline rules
        if end is None:
            memo = _failed_scan(state, endLine)
            if memo["from"] < startLine < memo["to"]:
                return False
            while True:
                last += 1
                if last >= endLine or state.isEmpty(last):
                    memo["from"], memo["to"] = startLine, last
                    return False  # no blank lines inside display math (design §2.3)
                line = state.src[state.bMarks[last] + state.tShift[last] : state.eMarks[last]]
                stripped = line.rstrip()
                if _ends_with_closer(stripped, closer):
                    end = state.bMarks[last] + state.tShift[last] + len(stripped) - len(closer)
                    break
        content = _block_content(state, startLine, start + len(opener), last, end)
        if not mathjax_safe(content.strip(), "\\]"):
            return False
        if not silent:
            token = state.push("math_block", "math", 0)
            token.block = True
            token.content = content
            token.markup = markup
            token.map = [startLine, last + 1]
        state.line = last + 1
        return True

    return rule


dollar_block = _block_rule("$$", "$$", "$$")
bracket_block = _block_rule("\\[", "\\]", "\\[")


def _ams_closer_lines(state: StateBlock) -> dict[str, list[int]]:
    """Line numbers of every \\end{env} line, per closing tag, found once per document."""
    cache = state.env.setdefault("_ams_closers", {})
    found = cache.get(state.src)
    if found is None:
        found = {}
        ends = state.eMarks
        for m in _AMS_CLOSE.finditer(state.src):
            line = bisect_left(ends, m.end())
            found.setdefault(m.group(0).rstrip(), []).append(line)
        cache[state.src] = found
    return found


def amsmath_block(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """mdit-py-plugins' amsmath rule with closers looked up, not rescanned (linear time)."""
    if state.is_code_block(startLine):
        return False
    begin = state.bMarks[startLine] + state.tShift[startLine]
    m = _AMS_OPEN.match(state.src, begin, state.eMarks[startLine])
    if not m:
        return False
    if state.sCount[startLine] < state.blkIndent:
        return False  # the stock rule's negative-indent check (it only ever fires on this line)
    closing = f"\\end{{{m.group(1)}{m.group(2)}}}"
    lines = _ams_closer_lines(state).get(closing, [])
    i = bisect_left(lines, startLine)
    while i < len(lines) and lines[i] < endLine:
        ln = lines[i]
        text = state.src[state.bMarks[ln] + state.tShift[ln] : state.eMarks[ln]]
        if text.rstrip().endswith(closing):  # re-check with this context's line prefix
            break
        i += 1
    else:
        return False
    last = lines[i]
    content = state.getLines(startLine, last + 1, state.sCount[startLine], False)
    if not mathjax_safe(content, "\\]"):
        return False
    state.line = last + 1
    if not silent:
        token = state.push("amsmath", "math", 0)
        token.block = True
        token.content = content
        token.meta = {"environment": m.group(1), "numbered": m.group(2)}
        token.map = [startLine, last]
    return True


# ---- plugin ----------------------------------------------------------------------------------


def math_plugin(md: MarkdownIt, *, inline_brackets: bool = True) -> None:
    """Install every math rule and the output-contract renderers on a markdown-it parser."""
    md.inline.ruler.before("escape", "math_inline", dollar_inline)
    md.inline.ruler.before("escape", "math_backslash", _only_paren(inline_brackets))
    md.block.ruler.before("fence", "math_block", dollar_block)
    md.block.ruler.before("fence", "math_bracket_block", bracket_block)
    md.block.ruler.before(
        "blockquote",
        "amsmath",
        amsmath_block,
        {"alt": ["paragraph", "reference", "blockquote", "list", "footnote_def"]},
    )
    md.add_render_rule("math_inline", _render("inline"))
    md.add_render_rule("math_inline_double", _render("display"))
    md.add_render_rule("math_block", _render("block"))
    md.add_render_rule("amsmath", _render("amsmath"))


def _only_paren(inline_brackets: bool):
    if inline_brackets:
        return backslash_inline

    def paren_only(state: StateInline, silent: bool) -> bool:
        pos = state.pos
        run = 2 if state.src.startswith("\\\\", pos) else 1
        if state.src.startswith("[", pos + run):
            return False
        return backslash_inline(state, silent)

    return paren_only
