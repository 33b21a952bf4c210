"""The search query language, PURE: parse user text, build FTS5 and tsquery expressions.

Query language (documented in the README and on the search page):

* ``word other`` — every word must appear (title, abstract or authors), ranked by BM25;
* ``"exact phrase"`` — the words in this order;
* ``au:hinton``, ``au:"Geoffrey Hinton"`` — authors only; ``ti:`` title only, ``abs:`` abstract;
* ``-word`` — exclude; ``word*`` — prefix; ``a OR b`` — either.

Words are matched case- and accent-insensitively with no stemming (as Cool Papers). User text
never reaches an SQL string: the FTS5 expression is made of quoted word tokens (passed as a
bound parameter) and the PostgreSQL tsquery only of ``\\w`` tokens. The related-papers
keywords (Cool Papers' [REL]) are pure text work too.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

__all__ = [
    "MAX_HITS",
    "Clause",
    "ParsedQuery",
    "QueryError",
    "common_cap",
    "fold",
    "fts_expression",
    "keyword_counts",
    "parse_query",
    "pg_condition",
    "pg_tsquery",
]

MAX_QUERY_CHARS = 400
MAX_CLAUSES = 24
MAX_HITS = 1000  # like Cool Papers: ranking past the first thousand hits helps nobody
RANK_WINDOW = 2000  # ranking looks at the newest this-many matches (rowid order is cheap)
COMMON_SHARE = 0.05  # related papers: words in more than 5% of papers are not keywords
FIELDS = {
    "au": "authors",
    "author": "authors",
    "ti": "title",
    "title": "title",
    "abs": "abstract",
    "abstract": "abstract",
}
FTS_COLUMNS = {"title": "title_plain", "abstract": "abstract_plain", "authors": "authors_text"}
# A stored generated tsvector column with a GIN index (migration 0003_search, PostgreSQL only).
PG_VECTOR = "search_vector"
_TOKEN_RE = re.compile(r'(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"?|([^\s"]+))')
_WORD_RE = re.compile(r"\w+")


class QueryError(ValueError):
    """The query cannot be searched (the message is shown to the reader)."""


@dataclass(frozen=True)
class Clause:
    """One term of a query: words (a phrase if several), field, negation, prefix, OR-joined."""

    words: tuple[str, ...]
    field: str | None = None
    negate: bool = False
    prefix: bool = False
    either: bool = False  # joined to the previous clause with OR instead of AND
    exact: tuple[str, ...] = ()  # the words lower-cased but with their accents (PostgreSQL)


@dataclass
class ParsedQuery:
    """The clauses of a query plus its original text."""

    text: str
    clauses: list[Clause] = field(default_factory=list)

    @property
    def positive(self) -> list[Clause]:
        """Clauses that must (or may, with OR) match."""
        return [c for c in self.clauses if not c.negate]

    def highlight_words(self) -> list[str]:
        """Words worth marking in results (positive clauses only)."""
        return list(dict.fromkeys(w for c in self.positive for w in c.words))

    def author_words(self) -> list[str]:
        """Words of author clauses (used to mark matching author names)."""
        return [w for c in self.positive if c.field in (None, "authors") for w in c.words]


def fold(text: str) -> str:
    """Lower-case and strip accents, as the FTS5 tokenizer does (remove_diacritics 2)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_query(text: str) -> ParsedQuery:
    """Parse the reader's query; QueryError says what is wrong in words."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The query is too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS})."
        )
    parsed = ParsedQuery(text=text)
    either = False
    for m in _TOKEN_RE.finditer(text):
        minus, prefix_field, quoted, bare = m.groups()
        raw = quoted if quoted is not None else bare
        if quoted is None and not minus and not prefix_field and raw in ("OR", "|"):
            either = bool(parsed.clauses)
            continue
        if quoted is None and not minus and not prefix_field and raw == "AND":
            continue
        fld = FIELDS.get(prefix_field.lower()) if prefix_field else None
        if prefix_field and fld is None:
            raw = f"{prefix_field}:{raw}"  # "re:birth" is text, not an unknown field
        exact = tuple(w.lower() for w in _WORD_RE.findall(raw))
        if not exact:
            continue
        prefix = quoted is None and raw.endswith("*") and len(exact) == 1
        words = tuple(fold(w) for w in exact)
        parsed.clauses.append(Clause(words, fld, bool(minus), prefix, either and not minus, exact))
        either = False
    if len(parsed.clauses) > MAX_CLAUSES:
        raise QueryError(f"Too many terms ({len(parsed.clauses)}; the limit is {MAX_CLAUSES}).")
    if not parsed.positive:
        raise QueryError(
            "Type at least one word to search for (a query of only -exclusions "
            "or punctuation matches nothing)."
        )
    return parsed


def _fts_clause(clause: Clause) -> str:
    phrase = '"' + " ".join(clause.words) + '"' + (" *" if clause.prefix else "")
    if clause.field:
        return f"{FTS_COLUMNS[clause.field]} : {phrase}"
    return phrase


def fts_expression(parsed: ParsedQuery) -> str:
    """The FTS5 MATCH expression: quoted tokens only, so no user syntax reaches FTS5."""
    groups: list[list[str]] = []
    for clause in parsed.positive:
        if clause.either and groups:
            groups[-1].append(_fts_clause(clause))
        else:
            groups.append([_fts_clause(clause)])
    expr = " AND ".join("(" + " OR ".join(g) + ")" for g in groups)
    for clause in parsed.clauses:
        if clause.negate:
            expr = f"({expr}) NOT {_fts_clause(clause)}"
    return expr


def _ts_clause(clause: Clause) -> str:
    # The english configuration keeps accents, so PostgreSQL gets the words as typed.
    words = clause.exact or clause.words
    op = " <-> ".join(f"'{w}'" + (":*" if clause.prefix else "") for w in words)
    return f"({op})"


def pg_tsquery(parsed: ParsedQuery) -> str:
    """One tsquery string for every non-author clause (so English stopwords drop out as a whole)."""
    groups: list[list[str]] = []
    negs: list[str] = []
    for clause in parsed.clauses:
        if clause.field == "authors":
            continue
        if clause.negate:
            negs.append("!" + _ts_clause(clause))
        elif clause.either and groups:
            groups[-1].append(_ts_clause(clause))
        else:
            groups.append([_ts_clause(clause)])
    return " & ".join(["(" + " | ".join(g) + ")" for g in groups] + negs) if groups else ""


def pg_condition(parsed: ParsedQuery) -> tuple[str, list]:
    """SQL condition and params for PostgreSQL (GIN index on PG_VECTOR), plus the rank query."""
    sql, params = [], []
    tsquery = pg_tsquery(parsed)
    if tsquery:
        sql.append(f"{PG_VECTOR} @@ to_tsquery('english'::regconfig, %s)")
        params.append(tsquery)
    for clause in parsed.clauses:
        if clause.field == "authors":
            # Names are not English words: a substring match over the names is what readers mean.
            like = "%" + " ".join(clause.words) + "%"
            sql.append(("NOT " if clause.negate else "") + "authors_text ILIKE %s")
            params.append(like)
        elif clause.field and not clause.negate and not clause.either:
            col = FTS_COLUMNS[clause.field]
            sql.append(
                f"to_tsvector('english'::regconfig, coalesce({col}, '')) "
                "@@ to_tsquery('english'::regconfig, %s)"
            )
            params.append(_ts_clause(clause))
    return " AND ".join(sql) or "TRUE", params


# ---- related papers: the paper's top TF-IDF words as an OR query (Cool Papers' [REL]) ----

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having here how however i if in into is it its itself just more most
    much my no nor not now of off on once only or other our out over own paper propose proposed
    same should show shows so some such than that the their them then there these they this those
    through to too under until up use used using very via was we were what when where which while
    who whom why will with within without would yet you your new results method methods approach
    based study work present provide two one three well first second framework model models task
    tasks performance problem problems existing achieve achieves demonstrate via across different
    data large many show significantly several recent recently large""".split()
)
_KEYWORD_RE = re.compile(r"(?<![\\\w])[^\W\d_]{3,}")
_MATH_RE = re.compile(r"\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)


def keyword_counts(title: str, abstract: str) -> Counter:
    """Term frequencies of a paper's words (title counted twice; math and stopwords dropped)."""
    counts: Counter = Counter()
    for text, weight in ((title, 2), (abstract, 1)):
        for word in _KEYWORD_RE.findall(_MATH_RE.sub(" ", text or "")):
            word = fold(word)
            if word not in STOPWORDS:
                counts[word] += weight
    return counts


def common_cap(total: int) -> int:
    """Document count from which a word is too common to be a keyword."""
    return max(50, int(total * COMMON_SHARE))
