"""An answer made of the XSS corpora renders inert through the real pipeline (service -> row).

The model is the loopback server; its "answer" is every payload of ../shared/md-corpora/A/xss
in the renderer's Markdown contexts. What reaches the page is checked with the renderer's
html5lib oracle, plus the FAQ's own stricter rules: http(s) links only, rel nofollow/noopener,
no images.
"""

import pytest

from reader.faq import services
from reader.faq.render import render_answer
from tests.factories import papers_create
from tests.llm_server import answer
from tests.renderer.oracle import parse, problems
from tests.renderer.xss_corpus import CONTEXTS, payloads

pytestmark = [pytest.mark.corpus, pytest.mark.django_db]

MARKDOWN_CONTEXTS = [c for c in CONTEXTS if c[1] == "markdown"]


def _faq_rules(html: str) -> list[str]:
    found = []
    for el in parse(html).iter():
        tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
        if tag == "img":
            found.append("img")
        if tag == "a":
            href = el.get("href")
            if href is not None and not href.lower().startswith(("http://", "https://")):
                found.append(f"href {href!r}")
            if set((el.get("rel") or "").split()) < {"nofollow", "noopener"}:
                found.append(f"rel {el.get('rel')!r}")
    return found


def test_corpus_answers_render_inert_through_the_service(llm_server, llm_settings):
    sources = payloads()
    assert len(sources) > 600
    papers = papers_create(len(MARKDOWN_CONTEXTS))
    script = []
    for _name, _mode, template in MARKDOWN_CONTEXTS:
        # One answer per context, all payloads as separate paragraphs, streamed in pieces.
        text = "\n\n".join(template.format(p=p) for p in sources)
        script.append(answer([text[i : i + 997] for i in range(0, len(text), 997)]))
    llm_settings(llm_server(script), LLM_MAX_TOKENS=100000)
    failures = []
    for paper, (name, _mode, _t) in zip(papers, MARKDOWN_CONTEXTS):
        faq, _ = services.faq_request(paper=paper, lang="en")
        faq = services.faq_generate(faq_id=faq.pk)
        assert faq.status == "done", faq.error
        found = problems(faq.html) + _faq_rules(faq.html)
        if found:
            failures.append((name, found[:5]))
    assert failures == []


def test_faq_rules_can_fail():
    assert _faq_rules('<a href="mailto:a@b.c" rel="nofollow noopener">x</a>')
    assert _faq_rules('<a href="https://x.org">x</a>')
    assert _faq_rules('<img src="https://t.org/p.png">')
    assert not _faq_rules('<a href="https://x.org" rel="noopener noreferrer nofollow">x</a>')
    assert "img" not in render_answer("![x](https://t.org/p.png)")
    assert 'href="mailto' not in render_answer("[m](mailto:a@b.c) <mailto:a@b.c>")
    assert "href" not in render_answer("[rel](/admin/) [rel2](admin)")
    assert 'href="https://x.org"' in render_answer("[ok](https://x.org)")
