"""Personal and group author names as citation formats want them: (family, given) or whole.

The rule (README "Zotero"): the family name is the last word, extended to the left over name
particles - lower-case ones always, capitalised ones ("Van de", "Di", "Le") when only particles
stand between them and the last word - while a given name stays before them; a capitalised
particle before a common Chinese or Vietnamese family name is a given or middle name; a
Vietnamese name written family-first ("Nguyen Van Anh") keeps its first word as the family
name. Group authors ("The ATLAS Collaboration") and anything that does not look like a person
stay whole (``split_name`` returns None).
"""

import re

__all__ = ["clean", "last_first", "split_name"]

# Name particles that belong to the family name ("Ludwig van Beethoven", "Herbert Van de
# Sompel", "Dario Di Nucci"); lower-case ones always do when a given name stays before them.
_PARTICLES = frozenset(
    "van von der den de del della des di da du dos das do le la ter ten zu ibn bin al el".split()
)
# Capitalised, only these count, and only when every word between them and the last word is a
# particle too ("Van de Sompel", "Di Nucci", "Le Gall"). "Bin", "Al", "El", "Do" stay out:
# capitalised, they are as often given or family names (Chinese, Arabic, Korean, Vietnamese).
_CAPITAL_PARTICLES = frozenset(
    "Van Von Der Den De Del Della Des Di Da Du Dos Das La Le Ter Ten Zu".split()
)
# A capitalised particle before one of these family names is a given or middle name: Vietnamese
# "Anh Van Nguyen" (middle name Van), Chinese "Yi Da Xu". Common romanised family names only.
_ASIAN_FAMILY = frozenset(
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly dinh truong lam mai "
    "trinh cao luong ta "
    "zhang wang li liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng "
    "liang xie song tang deng han feng cao peng zeng xiao tian dong pan yuan cai jiang yu ye "
    "cheng wei su lu ding ren yao shen zhong cui tan fan liao shi jin jia xia fu fang zou xiong "
    "bai meng qin qiu hou yin xue yan duan lei long tao mao hao gu gong shao wan qian lai kong "
    "xiang chang wen kang".split()
)
# Vietnamese names written family-first keep the family name first: "Nguyen Van Anh".
_VIETNAMESE_MIDDLE = frozenset({"van", "thi", "văn", "thị"})
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
# Words that mark a group author; such names are kept whole rather than split.
_GROUP_WORDS = frozenset(
    "collaboration collaborations consortium team group project committee initiative network "
    "survey observatory experiment organization organisation association society institute "
    "university laboratory alliance members partnership council foundation others".split()
)
_NOT_A_PERSON = re.compile(r"[\d,;()\[\]&@/:]")


def clean(text: str | None) -> str:
    """Collapse whitespace: every target format here is single-line per field (RIS, KEV)."""
    return " ".join((text or "").split())


def split_name(name: str) -> tuple[str, str] | None:
    """(family, given) for a personal display name, or None when it does not split safely."""
    tokens = clean(name).split(" ")
    if len(tokens) < 2 or _NOT_A_PERSON.search(name):
        return None
    lowered = [t.lower() for t in tokens]
    if lowered[0] == "the" or any(t in _GROUP_WORDS or t in ("and", "et") for t in lowered):
        return None
    if tokens[0] in _PARTICLES or (lowered[-1] in _SUFFIXES and len(tokens) == 2):
        return None  # "da Silva", "Smith Jr.": no given name to split off
    suffix = ""
    if lowered[-1] in _SUFFIXES:
        # "Martin Luther King Jr." -> family "King Jr." (how BibTeX and Zotero both read it)
        suffix, tokens, lowered = " " + tokens[-1], tokens[:-1], lowered[:-1]
    if len(tokens) >= 3 and lowered[0] in _ASIAN_FAMILY and lowered[1] in _VIETNAMESE_MIDDLE:
        if lowered[-1] not in _ASIAN_FAMILY:  # "Nguyen Van Anh": family first
            return tokens[0] + suffix, " ".join(tokens[1:])
    start = _family_start(tokens, lowered)
    return " ".join(tokens[start:]) + suffix, " ".join(tokens[:start])


def _family_start(tokens: list[str], lowered: list[str]) -> int:
    """Index of the family name's first word: the first particle after a given name, else last."""
    n = len(tokens)
    for i in range(1, n - 1):
        if tokens[i] in _PARTICLES:
            return i
        if (
            tokens[i] in _CAPITAL_PARTICLES
            and all(t in _PARTICLES for t in lowered[i : n - 1])
            and lowered[-1] not in _ASIAN_FAMILY
        ):
            return i
    return n - 1


def last_first(name: str) -> str:
    """Return "Family, Given" when the name splits, else the name as given (Highwire, RIS)."""
    parts = split_name(name)
    return f"{parts[0]}, {parts[1]}" if parts else clean(name)
