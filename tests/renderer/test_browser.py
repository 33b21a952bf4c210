"""Headless Chromium: every XSS output on a page with MathJax running, and MathJax's behaviour.

Pages are served by a local http.server thread on 127.0.0.1 with the site's CSP
(script-src 'self'), loading static/js/mathjax-config.js, static/js/math.js and the vendored
MathJax. Any dialog, hooked alert/confirm/prompt/print call, CSP violation (an injected inline
script or handler that tried to run), extra script element or javascript:/data: navigation fails.
"""

import functools
import html
import http.server
import shutil
import threading
from pathlib import Path

import pytest

import renderer
from tests.conftest import REPO_ROOT, skip_or_fail
from tests.renderer.xss_corpus import CONTEXTS, payloads

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
CSP = "script-src 'self'; object-src 'none'; base-uri 'none'"
RENDER = {
    "markdown": renderer.render_markdown,
    "tex_text": renderer.render_tex_text,
    "tex_title": renderer.render_tex_title,
}
HOOKS = """
window.__hits = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__hits.push(name + ': ' + String(args[0])); };
}
document.addEventListener('securitypolicyviolation', (e) => {
  window.__hits.push('CSP ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample);
});
"""
FIRE_EVENTS = """() => {
  const names = ['mouseover', 'mouseenter', 'mousemove', 'mouseout', 'focus', 'blur',
                 'load', 'error', 'animationstart', 'transitionend', 'toggle', 'pointerover'];
  for (const el of document.querySelectorAll('#content *')) {
    for (const n of names) el.dispatchEvent(new Event(n));
  }
  return Array.from(document.querySelectorAll('script')).map((s) => s.getAttribute('src'));
}"""


def page_html(fragments: list[str]) -> str:
    body = "\n".join(
        f'<div class="mathjax_ignore tex2jax_ignore notranslate">{f}</div>' for f in fragments
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>t</title>'
        # the same order as reader/templates/base.html
        '<script defer src="/static/js/mathjax-config.js"></script>'
        '<script defer src="/static/vendor/mathjax/tex-chtml.js"></script>'
        '<script defer src="/static/js/math.js"></script>'
        f'</head><body><main id="content">{body}</main></body></html>'
    )


class _Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not installed at {CHROMIUM}")
    vendor = REPO_ROOT / "static" / "vendor" / "mathjax" / "tex-chtml.js"
    if not vendor.exists():
        skip_or_fail(f"MathJax not found at {vendor} (run make assets)")
    root = tmp_path_factory.mktemp("site")
    (root / "static").symlink_to(REPO_ROOT / "static")
    handler = functools.partial(_Handler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    shutil.rmtree(root / "pages", ignore_errors=True)


def load(browser, server, name: str, fragments: list[str]):
    """Open a page of fragments, wait for MathJax, fire events; return (page, problems)."""
    root, base = server
    (root / "pages").mkdir(exist_ok=True)
    (root / "pages" / f"{name}.html").write_text(page_html(fragments), encoding="utf-8")
    page = browser.new_page()
    problems: list[str] = []
    page.on("dialog", lambda d: (problems.append(f"dialog {d.type}: {d.message}"), d.dismiss()))

    def route(r):
        url = r.request.url
        if url.startswith(base):
            return r.fallback()  # to a route a test added before, else on to the server
        if r.request.is_navigation_request() and r.request.frame == page.main_frame:
            problems.append(f"navigation to {url[:80]}")
        return r.abort()  # off-site loads (payload images) never leave the machine

    page.route("**/*", route)
    page.on("framenavigated", lambda f: f.url.startswith(("javascript:", "data:")) and
            problems.append(f"frame navigated to {f.url[:80]}"))  # fmt: skip
    page.add_init_script(HOOKS)
    page.goto(f"{base}/pages/{name}.html", wait_until="load")
    page.wait_for_function("() => window.readerMath && window.readerMath.typeset")
    page.evaluate("() => window.readerMath.ready")
    # only our scripts and the MathJax components its loader adds (ui/safe, ...)
    for src in page.evaluate(FIRE_EVENTS):
        if not (src or "").removeprefix(base).startswith("/static/"):
            problems.append(f"script element src={src!r}")
    problems += page.evaluate("() => window.__hits")
    return page, problems


@pytest.mark.slow
@pytest.mark.parametrize("name,mode,template", CONTEXTS, ids=[c[0] for c in CONTEXTS])
def test_xss_outputs_run_nothing_in_chromium(browser, server, name, mode, template):
    fragments = [RENDER[mode](template.format(p=p)) for p in payloads()]
    page, problems = load(browser, server, f"xss-{name}", fragments)
    page.close()
    assert problems == []


GOLDEN = r"""Inline $a<b>c \& d$, doubled \\(x_1\\), a price $5 and $10, literal `\(not math\)`
and `$y$`, \$7.

$$\{x\}$$

\begin{align}
a &= b \\ c &= d
\end{align}

- list $\alpha_*$
"""
EVIL_TEX = [
    r"$\href{javascript:alert(1)}{click}$",
    "$\\href{java\nscript:alert(2)}{click}$",
    r"$\class{evil}{x}$ $\cssId{evil}{y}$ $\style{position:fixed;top:0}{z}$",
    r"$\unicode{<img src=x onerror=alert(3)>}$ $\require{html}\href{javascript:alert(4)}{w}$",
]


def test_mathjax_typesets_exactly_the_server_marked_math(browser, server):
    page, problems = load(browser, server, "golden", [renderer.render_markdown(GOLDEN)])
    marked = page.evaluate("() => document.querySelectorAll('.math').length")
    found = page.evaluate(
        "() => Array.from(MathJax.startup.document.math).map(m => m.math)"
    )  # the TeX strings MathJax read, in document order
    assert marked == 5
    assert found == ["a<b>c \\& d", "x_1", "\\{x\\}", "\\begin{align}\na &= b \\\\ c &= d\n\\end{align}",
                     "\\alpha_*"]  # fmt: skip
    assert page.evaluate("() => document.querySelectorAll('mjx-container').length") == 5
    codes = page.evaluate(
        "() => Array.from(document.querySelectorAll('code')).map(c => c.textContent)"
    )
    assert codes == ["\\(not math\\)", "$y$"]
    # notranslate hand-over: math protected, containers released
    assert page.evaluate("() => document.querySelectorAll('.math:not(.notranslate)').length") == 0
    assert (
        page.evaluate("() => document.querySelectorAll('.mathjax_ignore.notranslate').length") == 0
    )
    # a second typeset of the same fragment adds nothing; an appended batch adds its own items
    page.evaluate("() => window.readerMath.typeset(document.querySelectorAll('#content > div'))")
    assert page.evaluate("() => Array.from(MathJax.startup.document.math).length") == 5
    extra = html.escape(renderer.render_markdown("$z^2$ and \\(w\\)"), quote=True)
    page.evaluate(
        """(h) => { const d = document.createElement('div');
        d.className = 'mathjax_ignore tex2jax_ignore notranslate';
        d.innerHTML = new DOMParser().parseFromString(h, 'text/html').documentElement.textContent;
        document.querySelector('#content').append(d);
        return window.readerMath.typeset([d]); }""",
        extra,
    )
    assert page.evaluate("() => document.querySelectorAll('mjx-container').length") == 7
    # replace() forgets the old nodes' math and typesets the new fragment
    page.evaluate(
        """() => { const old = document.querySelector('#content > div:last-child');
        const d = old.cloneNode(false);
        d.innerHTML = '<p><span class="math inline">\\\\(q\\\\)</span></p>';
        return window.readerMath.replace(old, d); }"""
    )
    assert page.evaluate("() => document.querySelectorAll('mjx-container').length") == 6
    assert page.evaluate("() => Array.from(MathJax.startup.document.math).length") == 6
    page.close()
    assert problems == []


def test_mathjax_level_payloads_are_neutralised(browser, server):
    fragments = [renderer.render_markdown(t) for t in EVIL_TEX]
    page, problems = load(browser, server, "evil-tex", fragments)
    bad = page.evaluate(
        """() => {
        const out = [];
        for (const a of document.querySelectorAll('mjx-container a, mjx-container [href]'))
          out.push('link ' + (a.getAttribute('href') || ''));
        if (document.getElementById('evil')) out.push('id evil');
        for (const e of document.querySelectorAll('mjx-container .evil')) out.push('class evil');
        for (const e of document.querySelectorAll('mjx-container [style*="fixed"]'))
          out.push('style fixed');
        for (const e of document.querySelectorAll('mjx-container img')) out.push('img');
        return out;
      }"""
    )
    assert page.evaluate("() => document.querySelectorAll('mjx-container').length") >= 6
    page.close()
    assert [b for b in bad if "javascript" in b or not b.startswith("link")] == []
    assert problems == []
