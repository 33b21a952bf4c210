"""Golden test: every sample abstract and title renders byte-identically to the stored digests.

The digests in golden_digests.json were produced once by the renderer of commit 8e7f478 (before
the abstract renderer was made faster), so any change to the output of render_tex_text,
render_tex_title or tex_plain_text on real arXiv text fails here. Only sha256 digests are
stored, never the third-party text. Regenerate (only for an intended output change, with a
RENDERER_VERSION bump) with: .venv/bin/python -m tests.renderer.test_golden --write
"""

import hashlib
import json
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

import renderer
from tests.conftest import SHARED_DIR, shared_path

DIGESTS = Path(__file__).with_name("golden_digests.json")
SAMPLES = "arxiv-samples"
FIELDS = ("abstract", "summary", "title")

pytestmark = pytest.mark.corpus


def sample_texts() -> dict[str, tuple[str, str]]:
    """(kind, text) per key "file#n:field" for every abstract and title in the samples."""
    root = shared_path(SAMPLES)
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(root.rglob("*.xml")):
        rel = str(path.relative_to(SHARED_DIR))
        try:
            elements = list(ElementTree.parse(path).iter())
        except ElementTree.ParseError:
            continue  # error pages and excerpts that are not XML carry no abstracts
        n = 0
        for el in elements:
            tag = el.tag.rsplit("}", 1)[-1]
            if tag in FIELDS and el.text and el.text.strip():
                kind = "title" if tag == "title" else "abstract"
                out[f"{rel}#{n}:{tag}"] = (kind, el.text)
                n += 1
    for path in sorted(root.rglob("*.jsonl")):
        rel = str(path.relative_to(SHARED_DIR))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            for field in ("abstract", "title"):
                if row.get(field):
                    out[f"{rel}#{n}:{field}"] = (field, row[field])
    return out


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def digests(kind: str, text: str) -> dict[str, str]:
    """sha256 of every rendering the site stores for one abstract or title."""
    if kind == "title":
        html = renderer.render_tex_title(text)
        # What the render workers store for a title: both renderings from one scan.
        assert renderer.render_tex_title_and_plain(text) == (html, renderer.tex_plain_text(text))
    else:
        html = renderer.render_tex_text(text)
        # What the render workers store: both renderings from one scan, the same bytes.
        assert renderer.render_tex_text_and_plain(text) == (html, renderer.tex_plain_text(text))
    return {"html": _sha(html), "plain": _sha(renderer.tex_plain_text(text))}


def _expected() -> dict[str, dict[str, str]]:
    return json.loads(DIGESTS.read_text(encoding="utf-8"))


def test_golden_covers_every_sample():
    texts = sample_texts()
    expected = _expected()
    assert sum(kind == "abstract" for kind, _ in texts.values()) >= 200
    assert set(texts) == set(expected), "sample set changed: regenerate only from the old renderer"


def test_every_sample_renders_byte_identically():
    expected = _expected()
    changed = [
        key
        for key, (kind, text) in sample_texts().items()
        if key in expected and digests(kind, text) != expected[key]
    ]
    assert changed == [], f"{len(changed)} renderings differ from the golden output: {changed[:5]}"


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    rows = {key: digests(kind, text) for key, (kind, text) in sorted(sample_texts().items())}
    DIGESTS.write_text(json.dumps(rows, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} digests to {DIGESTS}")
