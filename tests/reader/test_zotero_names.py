"""How display names split into (family, given) for Zotero, on real author strings from the samples.

Every name below occurs in ../shared/arxiv-samples (asserted), so the table is real data, not
invented cases. The rule (reader/zotero.py, README "Zotero"): the family name is the last word,
extended to the left over name particles — lower-case ones always, capitalised ones ("Van de",
"Di", "Le") when only particles stand between them and the last word — while a given name
stays before them; a capitalised particle before a common Chinese or Vietnamese family name is
a given or middle name; a Vietnamese name written family-first ("Nguyen Van Anh") keeps its
first word as the family name. Authors that are only punctuation are dropped everywhere.
"""

import pytest

from reader import zotero
from reader.arxiv import parse_any
from reader.arxiv.base import is_author_name, split_authors
from tests.conftest import SHARED_DIR, shared_path
from tests.reader.arxiv_samples import API, SAMPLES, names

pytestmark = pytest.mark.corpus

# (display name as arXiv gives it, expected (family, given))
REAL_NAMES = [
    ("Dario Di Nucci", ("Di Nucci", "Dario")),
    ("Giuseppe Di Battista", ("Di Battista", "Giuseppe")),
    ("Giordano Da Lozzo", ("Da Lozzo", "Giordano")),
    ("A. Del Maestro", ("Del Maestro", "A.")),
    ("Adrian Del Maestro", ("Del Maestro", "Adrian")),
    ("Yohann De Castro", ("De Castro", "Yohann")),
    ("Pascale Le Gall", ("Le Gall", "Pascale")),
    ("Andre de Gouvea", ("de Gouvea", "Andre")),
    ("Sean van der Merwe", ("van der Merwe", "Sean")),
    ("Willem-Jan van den Heuvel", ("van den Heuvel", "Willem-Jan")),
    ("Vânia de Oliveira Neves", ("de Oliveira Neves", "Vânia")),
    ("Suddhasvatta Das", ("Das", "Suddhasvatta")),
    ("Wei Le", ("Le", "Wei")),
    ("Al-Ameen Mohammed Ali Mohammed", ("Mohammed", "Al-Ameen Mohammed Ali")),
    ("Hong Zhu", ("Zhu", "Hong")),
    ("Chenyi Zhang", ("Zhang", "Chenyi")),
    ("Fan Zhang", ("Zhang", "Fan")),
    ("Yunpeng Ma", ("Ma", "Yunpeng")),
    ("Conghui He", ("He", "Conghui")),
    ("Chuang Xu", ("Xu", "Chuang")),
    ("H. Vicky Zhao", ("Zhao", "H. Vicky")),
    ("In Kyung Kim", ("Kim", "In Kyung")),
    ("Wing Lam", ("Lam", "Wing")),
    ("Hitoshi Murayama", ("Murayama", "Hitoshi")),
    ("Christopher M. Poskitt", ("Poskitt", "Christopher M.")),
    ("Andrew T. A. Wood", ("Wood", "Andrew T. A.")),
    ("Clément L. Canonne", ("Canonne", "Clément L.")),
    ("Betül Karagöz", ("Karagöz", "Betül")),
    ("Islam T. Elgendy", ("Elgendy", "Islam T.")),
    ("Ashwin Kallingal Joshy", ("Joshy", "Ashwin Kallingal")),
    ("Shaker Mahmud Khandaker", ("Khandaker", "Shaker Mahmud")),
    ("Damian A. Tamburri", ("Tamburri", "Damian A.")),
    ("Elaine J Weyuker", ("Weyuker", "Elaine J")),
    ("Thomas J Ostrand", ("Ostrand", "Thomas J")),
    ("Bestoun S. Ahmed", ("Ahmed", "Bestoun S.")),
    ("Yury Polyanskiy", ("Polyanskiy", "Yury")),
    ("Giorgi Merabishvili", ("Merabishvili", "Giorgi")),
    ("Demetris Trihinas", ("Trihinas", "Demetris")),
    ("Umang Mathur", ("Mathur", "Umang")),
    ("Gordon Fraser", ("Fraser", "Gordon")),
    ("Fedelucio Narducci", ("Narducci", "Fedelucio")),
    ("Ian Affleck", ("Affleck", "Ian")),
    ("G. Gervais", ("Gervais", "G.")),
    ("Balwinder Singh", ("Singh", "Balwinder")),
]

# Names the issue names that are not in the samples: the particle and the Asian-name rules.
RULE_NAMES = [
    ("Herbert Van de Sompel", ("Van de Sompel", "Herbert")),
    ("Ludwig van Beethoven", ("van Beethoven", "Ludwig")),
    ("Anh Van Nguyen", ("Nguyen", "Anh Van")),
    ("Nguyen Van Anh", ("Nguyen", "Van Anh")),
    ("Tran Thi Huong", ("Tran", "Thi Huong")),
    ("Yi Da Xu", ("Xu", "Yi Da")),
    ("Le Song", ("Song", "Le")),
    ("Pierre De La Fontaine", ("De La Fontaine", "Pierre")),
    ("Jean Van Something Else", ("Else", "Jean Van Something")),
]


def corpus_author_names() -> set[str]:
    """Every author display name the parsers read from the shared samples."""
    found: set[str] = set()
    root = SHARED_DIR / SAMPLES
    paths = [p for p in root.rglob("*") if p.is_file() and p.suffix in (".xml", ".html")]
    for path in paths:
        try:
            result = parse_any(path.read_bytes())
        except Exception:  # error documents and bodies of failed queries have no entries
            continue
        for entry in result.entries:
            found.update(names(entry))
    return found


@pytest.fixture(scope="module")
def corpus_names() -> set[str]:
    shared_path(API)  # skips (fails in CI) when the samples are absent
    return corpus_author_names()


def test_table_has_forty_real_names(corpus_names):
    missing = [n for n, _ in REAL_NAMES if n not in corpus_names]
    assert missing == []
    assert len(REAL_NAMES) >= 40


@pytest.mark.parametrize(("name", "expected"), REAL_NAMES + RULE_NAMES, ids=lambda v: str(v))
def test_split(name, expected):
    assert zotero.split_name(name) == expected


def test_every_corpus_name_splits_or_stays_whole(corpus_names):
    """No corpus name loses a word: family + given rebuild the name (or it stays whole)."""
    for name in corpus_names:
        parts = zotero.split_name(name)
        if parts is None:
            continue
        family, given = parts
        assert sorted((given + " " + family).split()) == sorted(name.split()), name


@pytest.mark.parametrize("junk", [":", " : ", ",", "-", "…", "()", ""])
def test_punctuation_only_authors_are_dropped_at_the_parser(junk):
    text = (
        f"Ada Lovelace, {junk}, Charles Babbage"
        if junk.strip()
        else "Ada Lovelace, Charles Babbage"
    )
    assert [a["name"] for a in split_authors(text)] == ["Ada Lovelace", "Charles Babbage"]
    assert not is_author_name(junk)


def test_the_samples_hold_no_punctuation_only_author(corpus_names):
    assert all(is_author_name(n) for n in corpus_names)


JUNK_AUTHORS = [
    {"name": "Ada Lovelace", "affiliation": None},
    {"name": ":", "affiliation": None},
    {"name": "  ", "affiliation": None},
    {"name": "Herbert Van de Sompel", "affiliation": None},
]


@pytest.mark.django_db
def test_stored_punctuation_authors_never_reach_a_page_or_a_file(client):
    """A row stored before the parser fix (a lone ':') shows and exports only real names."""
    from tests.factories import papers_create

    (paper,) = papers_create(1, authors=JUNK_AUTHORS)
    pid = paper.arxiv_id
    page = client.get(f"/arxiv/{pid}").content.decode()
    assert 'content="Lovelace, Ada"' in page and 'content="Van de Sompel, Herbert"' in page
    assert page.count('name="citation_author"') == 2
    bib = client.get(f"/arxiv/{pid}.bib").content.decode()
    assert "author = {Lovelace, Ada and Van de Sompel, Herbert}" in bib
    ris = client.get(f"/arxiv/{pid}.ris").content.decode()
    assert [ln for ln in ris.splitlines() if ln.startswith("AU")] == [
        "AU  - Lovelace, Ada",
        "AU  - Van de Sompel, Herbert",
    ]
    csl = client.get(f"/arxiv/{pid}.json").json()[0]["author"]
    assert csl == [
        {"family": "Lovelace", "given": "Ada"},
        {"family": "Van de Sompel", "given": "Herbert"},
    ]
    rdf = client.get(f"/unapi?id={pid}&format=rdf_zotero").content.decode()
    assert "<foaf:surname>Van de Sompel</foaf:surname>" in rdf
    assert rdf.count("<foaf:Person>") == 2
    listing = client.get("/arxiv/cs.LG?date=2025-11-21").content.decode()
    assert "rft.au=%3A" not in listing and ">:</a>" not in listing and ">:<" not in page
