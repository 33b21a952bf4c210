"""MathJax typesets only the server's .math spans, and one formula never stops another (#19.4-5).

Headless Chromium on the same local server as test_browser.py (site CSP, vendored MathJax).
"""

import pytest

import renderer
from tests.renderer.test_browser import load, server  # noqa: F401 - the module's server fixture

pytestmark = [pytest.mark.browser]

# TeX-looking text the server never marked as math: author names, comments, journal refs.
UNMARKED = [
    r'<p class="authors">A. \(x^2\) Author, B. \[y\] Writer</p>',
    r'<p class="comment">Comments: \(\alpha\) 12 pages \[\beta\]</p>',
    r'<div class="mathjax_ignore"><p class="journal">J. \(z\) Phys. 1</p></div>',
]


# Per .math span: typeset, or error: its source kept with class math-error (our fallback), in
# noerrors' box (a TeX error), or with the unknown macro's name in red (noundefined).
STATES = """() => Array.from(document.querySelectorAll('.math')).map((el) => {
  const box = el.querySelector('mjx-container');
  if (el.classList.contains('math-error') || (box && box.querySelector(
      '[data-mjx-error], mjx-assistive-mml mtext[mathcolor="red"]')))
    return 'error';
  return box ? 'typeset' : 'untouched';
})"""


def _tex(page) -> list[str]:
    return page.evaluate("() => Array.from(MathJax.startup.document.math).map(m => m.math)")


def test_text_outside_math_spans_is_never_typeset(browser, server):  # noqa: F811
    marked = renderer.render_markdown(r"Only $m_1$ and \(m_2\).")
    page, problems = load(browser, server, "scope", [*UNMARKED, marked])
    assert _tex(page) == ["m_1", "m_2"]
    assert page.evaluate("() => document.querySelectorAll('mjx-container').length") == 2
    assert page.evaluate("() => document.querySelector('.authors').textContent") == (
        r"A. \(x^2\) Author, B. \[y\] Writer"
    )
    # A fragment added later: its unmarked text stays text too.
    page.evaluate(
        r"""() => { const d = document.createElement('div');
        d.innerHTML = '<p class="authors">C. \\(q\\)</p><span class="math inline">\\(w\\)</span>';
        document.querySelector('#content').append(d);
        return window.readerMath.typeset([d]); }"""
    )
    assert _tex(page) == ["m_1", "m_2", "w"]
    page.close()
    assert problems == []


def test_require_of_an_unshipped_extension_spoils_only_its_formula(browser, server):  # noqa: F811
    fragments = [
        renderer.render_tex_text(r"First \(\require{texhtml} a + b\)."),
        renderer.render_tex_text(r"Second $b^2$ and $\require{color}\color{red}{c}$."),
        renderer.render_tex_text(r"Third $\frac{1}{2}$."),
    ]
    root, base = server
    not_found: list[str] = []
    page, problems = _load_watching_404(browser, server, "require", fragments, not_found)
    assert not_found == []
    assert page.evaluate(STATES) == ["error", "typeset", "typeset", "typeset"]
    # The bad formula shows its source, marked as an error; the others are typeset.
    errors = page.evaluate(
        "() => Array.from(document.querySelectorAll('mjx-container'))"
        ".filter(c => c.querySelector('[data-mjx-error]'))"
        ".map(c => c.querySelector('[data-mjx-error]').getAttribute('data-mjx-error'))"
    )
    assert len(errors) == 1 and "texhtml" in errors[0], errors
    first = page.evaluate("() => document.querySelector('mjx-container').textContent")
    assert r"\require{texhtml} a + b" in first
    page.close()
    assert problems == []


def test_a_failed_extension_load_leaves_the_other_formulas_typeset(browser, server):  # noqa: F811
    """Whatever makes a whole-page typeset fail, each formula is then typeset on its own."""
    fragments = [
        renderer.render_tex_text(r"Good $a^2$ then $\cancel{bad}$ then $\sqrt{c}$."),
    ]
    page, problems = _load_watching_404(
        browser, server, "failed-load", fragments, [], block="extensions/cancel.js"
    )
    states = page.evaluate(STATES)
    assert states == ["typeset", "error", "typeset"], states
    page.close()
    assert [p for p in problems if "cancel.js" not in p] == []


def _load_watching_404(browser, server, name, fragments, not_found, block=""):  # noqa: F811
    """load() with every 404 recorded and, if ``block`` is set, that file answered 404."""
    context = browser.new_context()
    original_new_page = browser.new_page

    def new_page():
        page = context.new_page()
        page.on("response", lambda r: not_found.append(r.url) if r.status == 404 else None)
        if block:
            page.route(f"**/{block}", lambda route: route.fulfill(status=404, body="no"))
        return page

    browser.new_page = new_page
    try:
        return load(browser, server, name, fragments)
    finally:
        browser.new_page = original_new_page
