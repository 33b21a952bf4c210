"""reader.zotero: head tags, COinS KEV, BibTeX, RIS and CSL-JSON, checked through real parsers.

Inputs are tests/reader/fixtures/zotero/papers.json: three real arXiv papers (a new-style id
without a DOI, an old-style id, a collaboration paper with a journal DOI) and one synthetic
paper packed with hard cases (non-ASCII names, $math$, &, %, #, {} in the title, a particle
name, a group author). Golden outputs sit next to it; rewrite them after a deliberate change
with ``ZOTERO_REGEN_GOLDEN=1`` and review the diff.
"""

import datetime as dt
import html
import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl

import bibtexparser
import html5lib
import jsonschema
import pytest
import rispy
from pylatexenc.latex2text import LatexNodes2Text

from reader import zotero

FIXTURES = Path(__file__).parent / "fixtures" / "zotero"
REGEN = os.environ.get("ZOTERO_REGEN_GOLDEN") == "1"


def _load_papers() -> list[dict]:
    papers = json.loads((FIXTURES / "papers.json").read_text(encoding="utf-8"))
    for p in papers:
        p["date"] = dt.date.fromisoformat(p["date"])
        p["updated"] = p["updated"] and dt.date.fromisoformat(p["updated"])
    return papers


PAPERS = _load_papers()
BY_ID = {p["arxiv_id"]: p for p in PAPERS}
HARD = BY_ID["2511.13720"]
HARD_TITLE = (
    "On $\\alpha$-stable laws & 100% {robust} #1 estimators: Müller's test at $O(n^{-1/2})$ rates"
)


def golden(name: str, actual: str) -> str:
    """Expected text of a golden file (written first when ZOTERO_REGEN_GOLDEN=1)."""
    path = FIXTURES / name
    if REGEN:
        path.write_text(actual, encoding="utf-8")
    return path.read_text(encoding="utf-8")


def parse_html(markup: str):
    return html5lib.parse(markup, namespaceHTMLElements=False)


# ---- names, DOI, file names ----


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jörg Müller", ("Müller", "Jörg")),
        ("Y. LeCun", ("LeCun", "Y.")),
        ("Aidan N. Gomez", ("Gomez", "Aidan N.")),
        ("José Ñúñez-García", ("Ñúñez-García", "José")),
        ("Pieter van der Berg", ("van der Berg", "Pieter")),
        ("Martin Luther King Jr.", ("King Jr.", "Martin Luther")),
        ("  Stephen   Blaha ", ("Blaha", "Stephen")),
        ("The ATLAS Collaboration", None),
        ("LIGO Scientific Collaboration", None),
        ("Event Horizon Telescope Consortium", None),
        ("Plato", None),
        ("da Silva", None),
        ("Smith Jr.", None),
        ("张三", None),
        ("Smith, John", None),
        ("A. Author (MIT)", None),
        ("Alice and Bob", None),
        ("", None),
    ],
)
def test_split_name(name, expected):
    assert zotero.split_name(name) == expected


def test_citation_doi_prefers_own_doi_and_falls_back_to_arxiv_datacite():
    assert zotero.citation_doi(BY_ID["1207.7214"]) == "10.1016/j.physletb.2012.08.020"
    assert zotero.citation_doi(BY_ID["1706.03762"]) == "10.48550/arXiv.1706.03762"
    assert zotero.citation_doi(BY_ID["quant-ph/0201082"]) == "10.48550/arXiv.quant-ph/0201082"


def test_export_formats_and_filenames():
    assert zotero.EXPORT_FORMATS == {
        "bib": ("application/x-bibtex", "bib"),
        "ris": ("application/x-research-info-systems", "ris"),
        "csl": ("application/vnd.citationstyles.csl+json", "json"),
    }
    assert zotero.export_filename(["2511.13720"], "bib") == "2511.13720.bib"
    assert zotero.export_filename(["hep-th/9901001"], "ris") == "hep-th_9901001.ris"
    assert zotero.export_filename(["math.GT/0309136"], ".json") == "math.GT_0309136.json"
    ids = ["quant-ph/0201082", "1706.03762", "1207.7214"]
    assert zotero.export_filename(ids, "bib") == "quant-ph_0201082_and_2_more.bib"
    assert zotero.export_filename([], "json") == "citations.json"


def test_export_body_dispatches_and_rejects_unknown_formats():
    assert zotero.export_body("bib", PAPERS) == zotero.to_bibtex(PAPERS)
    assert zotero.export_body("ris", PAPERS) == zotero.to_ris(PAPERS)
    assert json.loads(zotero.export_body("csl", PAPERS)) == zotero.to_csl_json(PAPERS)
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        zotero.export_body("xml", PAPERS)


# ---- paper page <head> ----


def test_meta_pairs_exact_for_hard_paper():
    assert zotero.meta_pairs(HARD) == [
        ("name", "DC.type", "preprint"),
        ("property", "og:type", "article"),
        ("property", "og:title", HARD_TITLE),
        ("name", "citation_title", HARD_TITLE),
        ("name", "citation_author", "Müller, Jörg"),
        ("name", "citation_author", "LeCun, Y."),
        ("name", "citation_author", "Ñúñez-García, José"),
        ("name", "citation_author", "van der Berg, Pieter"),
        ("name", "citation_author", "Żółć, Łukasz"),
        ("name", "citation_author", "Kierkegaard, Søren"),
        ("name", "citation_author", "The Pierre Auger Collaboration"),
        ("name", "citation_publication_date", "2025/11/17"),
        (
            "name",
            "citation_abstract",
            "We study $\\alpha$-stable laws when 50% of the data & the rest are {heavy}-tailed.",
        ),
        ("name", "citation_publisher", "arXiv"),
        ("name", "citation_technical_report_number", "arXiv:2511.13720"),
        ("name", "citation_doi", "10.1103/PhysRevD.112.012345"),
        ("name", "citation_arxiv_id", "2511.13720"),
        ("name", "citation_public_url", "https://arxiv.org/abs/2511.13720"),
        ("name", "citation_pdf_url", "https://arxiv.org/pdf/2511.13720v3"),
        ("name", "citation_language", "en"),
    ]


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p["arxiv_id"])
def test_meta_tags_survive_html_and_follow_the_zotero_rules(paper):
    # Render the triples the way a template would (autoescaped) and read them back.
    tags = "".join(
        f'<meta {attr}="{key}" content="{html.escape(value, quote=True)}">'
        for attr, key, value in zotero.meta_pairs(paper)
    )
    doc = parse_html(f"<!doctype html><html><head>{tags}</head><body></body></html>")
    metas = doc.findall("./head/meta")
    read_back = [
        ("name", m.get("name")) if m.get("name") else ("property", m.get("property")) for m in metas
    ]
    got = [(attr, key, m.get("content")) for (attr, key), m in zip(read_back, metas, strict=True)]
    assert got == zotero.meta_pairs(paper)

    keys = [key for _, key, _ in got]
    values = dict((key, value) for _, key, value in got)
    date_tags = {"citation_date", "citation_publication_date", "citation_cover_date",
                 "citation_online_date", "citation_year"}  # fmt: skip
    assert [k for k in keys if k in date_tags] == ["citation_publication_date"]
    assert values["citation_publication_date"] == paper["date"].strftime("%Y/%m/%d")
    assert "citation_journal_title" not in keys
    assert values["og:type"] == "article" and values["DC.type"] == "preprint"
    assert [v for _, k, v in got if k == "citation_author"] == [
        ", ".join(zotero.split_name(a)) if zotero.split_name(a) else a for a in paper["authors"]
    ]
    assert values["citation_doi"] == zotero.citation_doi(paper)
    assert values["citation_technical_report_number"] == "arXiv:" + paper["arxiv_id"]
    assert values["citation_pdf_url"] == paper["pdf_url"]
    assert values["citation_public_url"] == paper["abs_url"]
    # Open Graph keys use property=, everything else name=.
    assert all((attr == "property") == key.startswith("og:") for attr, key, _ in got)


# ---- COinS ----


def test_coins_kev_fields_exact_for_hard_paper():
    kev = zotero.coins_kev(HARD)
    assert "+" not in kev  # quote, not quote_plus: spaces are %20
    assert parse_qs(kev, strict_parsing=True) == {
        "ctx_ver": ["Z39.88-2004"],
        "rft_val_fmt": ["info:ofi/fmt:kev:mtx:dc"],
        "rft.type": ["preprint"],
        "rft.title": [HARD_TITLE],
        "rft.au": [
            "Jörg Müller",
            "Y. LeCun",
            "José Ñúñez-García",
            "Pieter van der Berg",
            "Łukasz Żółć",
            "Søren Kierkegaard",
            "The Pierre Auger Collaboration",
        ],
        "rft.date": ["2025-11-17"],
        "rft.publisher": ["arXiv"],
        "rft.description": [
            "We study $\\alpha$-stable laws when 50% of the data & the rest are {heavy}-tailed."
        ],
        "rft_id": ["info:doi/10.1103/PhysRevD.112.012345", "https://arxiv.org/abs/2511.13720"],
    }
    assert kev.startswith(
        "ctx_ver=Z39.88-2004&rft_val_fmt=info%3Aofi%2Ffmt%3Akev%3Amtx%3Adc&rft.type=preprint&"
    )


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p["arxiv_id"])
def test_coins_kev_every_field_and_order(paper):
    pairs = parse_qsl(zotero.coins_kev(paper), strict_parsing=True)
    assert pairs == [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rft.type", "preprint"),
        ("rft.title", paper["title"]),
        *[("rft.au", a) for a in paper["authors"]],
        ("rft.date", paper["date"].isoformat()),
        ("rft.publisher", "arXiv"),
        ("rft.description", " ".join(paper["abstract"].split())),
        ("rft_id", "info:doi/" + zotero.citation_doi(paper)),
        ("rft_id", paper["abs_url"]),
    ]


def test_coins_spans_html_escaped_parse_back_to_the_kev():
    spans = "".join(
        f'<span class="Z3988" title="{html.escape(zotero.coins_kev(p), quote=True)}"></span>'
        for p in PAPERS
    )
    assert "&rft" not in spans  # every separator is written &amp;
    doc = parse_html(f"<!doctype html><title>t</title><ul><li>{spans}</li></ul>")
    titles = [s.get("title") for s in doc.iter("span") if s.get("class") == "Z3988"]
    assert titles == [zotero.coins_kev(p) for p in PAPERS]


def test_head_tags_and_coins_spans_golden():
    # The markup the templates are expected to produce, for review and for the browser tests.
    blocks = []
    for p in PAPERS:
        metas = "".join(
            f'  <meta {attr}="{key}" content="{html.escape(value, quote=True)}">\n'
            for attr, key, value in zotero.meta_pairs(p)
        )
        kev = html.escape(zotero.coins_kev(p), quote=True)
        blocks.append(
            f"<!-- {p['arxiv_id']}: paper page head -->\n{metas}"
            f"<!-- {p['arxiv_id']}: listing COinS span -->\n"
            f'<span class="Z3988" title="{kev}"></span>\n'
        )
    text = "\n".join(blocks)
    assert text == golden("head-and-coins.html", text)


# ---- BibTeX ----


def test_bibtex_keys_are_stable_ascii_and_unique():
    assert [zotero.bibtex_key(p) for p in PAPERS] == [
        "vaswani2017attention",
        "blaha2002quantum",
        "atlas2012observation",
        "muller2025stable",
    ]
    twice = zotero.bibtex_keys([HARD, BY_ID["1706.03762"], HARD, HARD])
    assert twice == [
        "muller2025stable",
        "vaswani2017attention",
        "muller2025stableb",
        "muller2025stablec",
    ]
    assert zotero.to_bibtex(PAPERS) == zotero.to_bibtex(PAPERS)


def test_bibtex_golden():
    text = zotero.to_bibtex(PAPERS)
    assert text == golden("papers.bib", text)


def test_bibtex_round_trips_through_bibtexparser():
    library = bibtexparser.parse_string(zotero.to_bibtex(PAPERS))
    assert library.failed_blocks == []
    assert [e.key for e in library.entries] == zotero.bibtex_keys(PAPERS)
    assert {e.entry_type for e in library.entries} == {"misc"}
    decode = LatexNodes2Text().latex_to_text
    for entry, paper in zip(library.entries, PAPERS, strict=True):
        f = {k: v.value for k, v in entry.fields_dict.items()}
        assert list(f) == ["title", "author", "year", "eprint", "archivePrefix",
                           "primaryClass", "doi", "url"]  # fmt: skip
        assert f["year"] == str(paper["date"].year)
        assert f["eprint"] == paper["arxiv_id"]
        assert f["archivePrefix"] == "arXiv"
        assert f["primaryClass"] == paper["primary_category"]
        assert f["doi"] == zotero.citation_doi(paper)
        assert f["url"] == paper["abs_url"]
        # Names decode back to the input, in order, as "Family, Given" or {Group}.
        names = [decode(n).strip() for n in f["author"].split(" and ")]
        assert names == [
            ", ".join(zotero.split_name(a)) if zotero.split_name(a) else a for a in paper["authors"]
        ]
        assert f["title"].isascii() and f["author"].isascii()  # accents as {\"u} macros


def test_bibtex_hard_paper_exact_fields():
    library = bibtexparser.parse_string(zotero.to_bibtex([HARD]))
    fields = {k: v.value for k, v in library.entries[0].fields_dict.items()}
    assert fields["title"] == (
        "On $\\alpha$-stable laws {\\&} 100{\\%} {\\textbraceleft}robust{\\textbraceright} "
        "{\\#}1 estimators: M{\\\"u}ller's test at $O(n^{-1/2})$ rates"
    )
    assert fields["author"] == (
        "M{\\\"u}ller, J{\\\"o}rg and LeCun, Y. and {\\~N}{\\'u}{\\~n}ez-Garc{\\'\\i}a, Jos{\\'e} "
        "and van der Berg, Pieter and {\\.Z}{\\'o}{\\l}{\\'c}, {\\L}ukasz and Kierkegaard, "
        "S{\\o}ren and {The Pierre Auger Collaboration}"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50% & #1_x ~y^2", "50{\\%} {\\&} {\\#}1{\\_}x {\\textasciitilde}y{\\textasciicircum}2"),
        ("{a} \\b", "{\\textbraceleft}a{\\textbraceright} {\\textbackslash}b"),
        ("$\\{x\\}$ and \\(y_1\\)", "$\\{x\\}$ and \\(y_1\\)"),
        ("costs \\$5", "costs \\$5"),
        ("$a}$", "{\\$}a{\\textbraceright}{\\$}"),  # unbalanced math is escaped as text
        ("Erdős–Rényi", "Erd{\\H{o}}s{\\textendash}R{\\'e}nyi"),
        ("张三", "张三"),
    ],
)
def test_latex_escape(text, expected):
    assert zotero.latex_escape(text) == expected


# (pylatexenc's decoder has no \textbraceleft and turns \textasciicircum into U+02C6, so those
# two are checked by exact value above instead.)
@pytest.mark.parametrize("text", ["50% & #1_x ~y", "Erdős–Rényi", "Jörg Żółć Søren Ñúñez-García"])
def test_latex_escape_decodes_back(text):
    assert LatexNodes2Text().latex_to_text(zotero.latex_escape(text)) == text


# ---- RIS ----


def test_ris_golden():
    text = zotero.to_ris(PAPERS)
    assert text == golden("papers.ris", text)


def test_ris_round_trips_through_rispy():
    entries = rispy.loads(zotero.to_ris(PAPERS))
    assert len(entries) == len(PAPERS)
    for entry, paper in zip(entries, PAPERS, strict=True):
        expected = {
            "type_of_reference": "RPRT",
            "title": paper["title"],
            "authors": [
                ", ".join(zotero.split_name(a)) if zotero.split_name(a) else a
                for a in paper["authors"]
            ],
            "year": str(paper["date"].year),
            "date": paper["date"].strftime("%Y/%m/%d"),
            "abstract": " ".join(paper["abstract"].split()),
            "publisher": "arXiv",
            "issn": "arXiv:" + paper["arxiv_id"],
            "type_of_work": "Preprint",
            "doi": zotero.citation_doi(paper),
            "urls": [paper["abs_url"]],
            "file_attachments1": paper["pdf_url"],
            "language": "en",
        }
        if paper["comment"]:
            expected["notes"] = ["Comment: " + paper["comment"]]
        assert entry == expected


def test_ris_has_no_counter_lines_and_one_au_per_author():
    text = zotero.to_ris([HARD])
    lines = text.splitlines()
    assert lines[0] == "TY  - RPRT"
    assert text.endswith("\nLA  - en\nER  - \n")
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", ln) for ln in lines)  # no "1." lines
    assert [ln for ln in lines if ln.startswith("AU  - ")] == [
        "AU  - Müller, Jörg",
        "AU  - LeCun, Y.",
        "AU  - Ñúñez-García, José",
        "AU  - van der Berg, Pieter",
        "AU  - Żółć, Łukasz",
        "AU  - Kierkegaard, Søren",
        "AU  - The Pierre Auger Collaboration",
    ]
    assert "L1  - https://arxiv.org/pdf/2511.13720v3" in lines


# ---- CSL-JSON ----


@pytest.fixture(scope="module")
def csl_validator():
    schema = json.loads((FIXTURES / "csl-data.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_csl_json_validates_against_the_csl_schema(csl_validator):
    items = zotero.to_csl_json(PAPERS)
    assert [e.message for e in csl_validator.iter_errors(items)] == []
    # The validator is live: a wrong type or an unknown key is rejected.
    assert not csl_validator.is_valid([{**items[0], "type": "preprint"}])
    assert not csl_validator.is_valid([{**items[0], "eprint": "1706.03762"}])


def test_csl_json_golden():
    text = zotero.export_body("csl", PAPERS)
    assert text == golden("papers.csl.json", text)


def test_csl_json_exact_for_hard_paper():
    assert zotero.to_csl_json([HARD]) == [
        {
            "id": "muller2025stable",
            "type": "article",
            "title": HARD_TITLE,
            "author": [
                {"family": "Müller", "given": "Jörg"},
                {"family": "LeCun", "given": "Y."},
                {"family": "Ñúñez-García", "given": "José"},
                {"family": "van der Berg", "given": "Pieter"},
                {"family": "Żółć", "given": "Łukasz"},
                {"family": "Kierkegaard", "given": "Søren"},
                {"literal": "The Pierre Auger Collaboration"},
            ],
            "issued": {"date-parts": [[2025, 11, 17]]},
            "abstract": (
                "We study $\\alpha$-stable laws when 50% of the data & the rest are {heavy}-tailed."
            ),
            "DOI": "10.1103/PhysRevD.112.012345",
            "URL": "https://arxiv.org/abs/2511.13720",
            "publisher": "arXiv",
            "number": "arXiv:2511.13720",
            "language": "en",
        }
    ]
