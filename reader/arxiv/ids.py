"""arXiv identifiers: parsing, normalisation to the canonical bare id, and OAI-PMH set names.

Pure (stdlib only). New-style ids are ``YYMM.NNNN`` (0704-1412) or ``YYMM.NNNNN`` (1501 on);
old-style ids are ``archive[.SC]/YYMMNNN`` and are stored without the subject class, the way
arXiv itself resolves them (``math.GT/0309136`` is ``math/0309136``). See design/arxiv.md §2.
"""

import re

__all__ = [
    "abs_url",
    "pdf_url",
    "with_version",
    "ID_PATTERN",
    "NEW_ID_PATTERN",
    "OLD_ID_PATTERN",
    "VERSION_PATTERN",
    "InvalidArxivId",
    "normalize_id",
    "oai_set_for_category",
]

# Unanchored, group-free pieces for URL converters and other regexes (bare ids, no version).
NEW_ID_PATTERN = r"\d{4}\.\d{4,5}"
OLD_ID_PATTERN = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?/\d{7}"
VERSION_PATTERN = r"v[1-9]\d*"
ID_PATTERN = rf"(?:{NEW_ID_PATTERN}|{OLD_ID_PATTERN})(?:{VERSION_PATTERN})?"

_NEW_RE = re.compile(r"(\d{2})(\d{2})\.(\d{4,5})(?:v(\d+))?")
_OLD_RE = re.compile(r"([a-z]+(?:-[a-z]+)*)(?:\.([a-z]{2}))?/(\d{2})(\d{2})(\d{3})(?:v(\d+))?")
# Prefixes people paste: URLs or paths of abs/pdf/html pages, "arXiv:", OAI identifiers.
_PREFIX_RE = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format|src)/"
    r"|^/?(?:abs|pdf|html)/|^arxiv:|^oai:arxiv\.org:",
    re.IGNORECASE,
)


class InvalidArxivId(ValueError):
    """The text is not an arXiv identifier (message says why)."""


def with_version(bare: str, version: int | None) -> str:
    """``2511.13720v2`` (or the bare id when no version): how arXiv writes a versioned id."""
    return f"{bare}v{version}" if version else bare


def abs_url(bare: str, version: int | None = None) -> str:
    """arXiv's abstract page of a paper (of one version when given)."""
    return f"https://arxiv.org/abs/{with_version(bare, version)}"


def pdf_url(bare: str, version: int | None = None) -> str:
    """arXiv's PDF of a paper (of one version when given); PDFs are never re-hosted here."""
    return f"https://arxiv.org/pdf/{with_version(bare, version)}"


def normalize_id(text: str) -> tuple[str, int | None]:
    """Return (canonical bare id, version or None) for an id, URL or ``arXiv:`` reference."""
    if not isinstance(text, str):
        raise InvalidArxivId(f"arXiv id must be a string, got {type(text).__name__}")
    s = text.strip()
    if ":" in s or "/" in s:
        s = _PREFIX_RE.sub("", s, count=1)
    # URL tails: query string, fragment, trailing slash, ".pdf".
    s = re.split(r"[?#]", s, maxsplit=1)[0].rstrip("/")
    if s.lower().endswith(".pdf"):
        s = s[:-4]
    if not s:
        raise InvalidArxivId(f"empty arXiv id: {text!r}")
    if "/" in s:
        return _normalize_old(s, text)
    return _normalize_new(s, text)


def _version(digits: str | None, text: str) -> int | None:
    if digits is None:
        return None
    v = int(digits)
    if v < 1:
        raise InvalidArxivId(f"arXiv versions start at v1: {text!r}")
    return v


def _normalize_new(s: str, text: str) -> tuple[str, int | None]:
    m = _NEW_RE.fullmatch(s)
    if not m:
        raise InvalidArxivId(
            f"not an arXiv id: {text!r} (expected YYMM.NNNNN[vN] or archive/YYMMNNN[vN])"
        )
    yy, mm, number, version = m.groups()
    yymm = int(yy + mm)
    if not 1 <= int(mm) <= 12 or yymm < 704:
        raise InvalidArxivId(f"no such arXiv month {yy}{mm} in {text!r} (new ids start at 0704)")
    width = 4 if yymm <= 1412 else 5
    # Users type padding variants (1406.02661, 2401.6769): re-pad to the month's width.
    n = int(number)
    if n == 0 or len(str(n)) > width:
        raise InvalidArxivId(f"arXiv ids from {yy}{mm} have {width} digits after the dot: {text!r}")
    return f"{yy}{mm}.{n:0{width}d}", _version(version, text)


def _normalize_old(s: str, text: str) -> tuple[str, int | None]:
    m = _OLD_RE.fullmatch(s.lower())
    if not m:
        raise InvalidArxivId(
            f"not an arXiv id: {text!r} (old-style ids look like hep-th/9901001 or math.GT/0309136)"
        )
    archive, _subject, yy, mm, number, version = m.groups()
    # Old-style ids run from 1991-08 to 2007-03.
    year = 1900 + int(yy) if int(yy) >= 91 else 2000 + int(yy)
    if not 1 <= int(mm) <= 12 or not (199108 <= year * 100 + int(mm) <= 200703):
        raise InvalidArxivId(f"no such old-style arXiv month {yy}{mm} in {text!r}")
    if number == "000":
        raise InvalidArxivId(f"arXiv numbers start at 001: {text!r}")
    return f"{archive}/{yy}{mm}{number}", _version(version, text)


# Archives whose OAI-PMH sets live under the "physics" group (oa/index.md "Sets").
_PHYSICS_ARCHIVES = frozenset(
    "astro-ph cond-mat gr-qc hep-ex hep-lat hep-ph hep-th math-ph nlin nucl-ex nucl-th "
    "physics quant-ph".split()
)


def oai_set_for_category(category: str) -> str:
    """OAI-PMH setSpec for a category or archive: cs.LG -> cs:cs:LG, hep-th -> physics:hep-th."""
    code = category.strip()
    archive, _, sub = code.partition(".")
    if not re.fullmatch(r"[a-z]+(?:-[a-z]+)*", archive) or (
        sub and not re.fullmatch(r"[A-Za-z-]+", sub)
    ):
        raise ValueError(f"not an arXiv category: {category!r}")
    if archive in _PHYSICS_ARCHIVES:
        # Physics sets stop at the archive (physics:astro-ph covers astro-ph.CO).
        return f"physics:{archive}"
    if not sub:
        return archive
    return f"{archive}:{archive}:{sub}"
