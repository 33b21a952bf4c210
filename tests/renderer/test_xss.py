"""Every XSS payload in every context: no executable or off-list HTML, checked with html5lib."""

import pytest

import renderer
from renderer.sanitize import sanitize
from tests.renderer.oracle import problems
from tests.renderer.xss_corpus import CONTEXTS, payloads

pytestmark = pytest.mark.corpus

RENDER = {
    "markdown": renderer.render_markdown,
    "tex_text": renderer.render_tex_text,
    "tex_title": renderer.render_tex_title,
}


def test_payload_corpus_size():
    # 382 list lines (268 payloads + 114 handler names) + 20 bleach inputs + 13 xss.md inputs,
    # plus two variants built from each handler name
    assert len(payloads()) == 415 + 2 * 114
    assert len(CONTEXTS) >= 12


@pytest.mark.parametrize("name,mode,template", CONTEXTS, ids=[c[0] for c in CONTEXTS])
def test_no_executable_output(name, mode, template):
    failures = []
    for payload in payloads():
        out = RENDER[mode](template.format(p=payload))
        found = problems(out)
        if found or sanitize(out) != out:
            failures.append((payload, found or "not a sanitiser fixed point"))
    assert failures == []


def test_oracle_catches_what_it_should():
    """The oracle itself must be able to fail."""
    assert problems('<img src=x onerror="alert(1)">')
    assert problems('<a href=" java\tscript:alert(1)">x</a>')
    assert problems('<a href="&#106;avascript:alert(1)">x</a>')
    assert problems("<svg><script>alert(1)</script></svg>")
    assert problems('<p style="color:red">x</p>')
    assert problems('<span class="math evil">x</span>')
    assert problems("<div id=x></div>")
    assert not problems('<a href="https://x.org" rel="nofollow">x</a>')


def test_mathjax_level_payloads_stay_escaped_tex():
    """\\href/\\class/\\style are MathJax's problem (ui/safe); here they must be inert text."""
    src = r"$\href{javascript:alert(1)}{x}$ $\class{a}{b}$ $\style{position:fixed}{c}$"
    out = renderer.render_markdown(src)
    assert out.count('class="math inline"') == 3 and not problems(out)
