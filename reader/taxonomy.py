"""The arXiv category taxonomy (https://arxiv.org/category_taxonomy) with merged aliases.

Pure data: (code, name) per group. ``ALIASES`` maps the alias code to the canonical one, so
listings for ``math.IT`` and ``cs.IT`` merge.
"""

from dataclasses import dataclass, field

GROUPS: dict[str, list[tuple[str, str]]] = {
    "Computer Science": [
        ("cs.AI", "Artificial Intelligence"),
        ("cs.AR", "Hardware Architecture"),
        ("cs.CC", "Computational Complexity"),
        ("cs.CE", "Computational Engineering, Finance, and Science"),
        ("cs.CG", "Computational Geometry"),
        ("cs.CL", "Computation and Language"),
        ("cs.CR", "Cryptography and Security"),
        ("cs.CV", "Computer Vision and Pattern Recognition"),
        ("cs.CY", "Computers and Society"),
        ("cs.DB", "Databases"),
        ("cs.DC", "Distributed, Parallel, and Cluster Computing"),
        ("cs.DL", "Digital Libraries"),
        ("cs.DM", "Discrete Mathematics"),
        ("cs.DS", "Data Structures and Algorithms"),
        ("cs.ET", "Emerging Technologies"),
        ("cs.FL", "Formal Languages and Automata Theory"),
        ("cs.GL", "General Literature"),
        ("cs.GR", "Graphics"),
        ("cs.GT", "Computer Science and Game Theory"),
        ("cs.HC", "Human-Computer Interaction"),
        ("cs.IR", "Information Retrieval"),
        ("cs.IT", "Information Theory"),
        ("cs.LG", "Machine Learning"),
        ("cs.LO", "Logic in Computer Science"),
        ("cs.MA", "Multiagent Systems"),
        ("cs.MM", "Multimedia"),
        ("cs.MS", "Mathematical Software"),
        ("cs.NE", "Neural and Evolutionary Computing"),
        ("cs.NI", "Networking and Internet Architecture"),
        ("cs.OH", "Other Computer Science"),
        ("cs.OS", "Operating Systems"),
        ("cs.PF", "Performance"),
        ("cs.PL", "Programming Languages"),
        ("cs.RO", "Robotics"),
        ("cs.SC", "Symbolic Computation"),
        ("cs.SD", "Sound"),
        ("cs.SE", "Software Engineering"),
        ("cs.SI", "Social and Information Networks"),
    ],
    "Economics": [
        ("econ.EM", "Econometrics"),
        ("econ.GN", "General Economics"),
        ("econ.TH", "Theoretical Economics"),
    ],
    "Electrical Engineering and Systems Science": [
        ("eess.AS", "Audio and Speech Processing"),
        ("eess.IV", "Image and Video Processing"),
        ("eess.SP", "Signal Processing"),
        ("eess.SY", "Systems and Control"),
    ],
    "Mathematics": [
        ("math.AC", "Commutative Algebra"),
        ("math.AG", "Algebraic Geometry"),
        ("math.AP", "Analysis of PDEs"),
        ("math.AT", "Algebraic Topology"),
        ("math.CA", "Classical Analysis and ODEs"),
        ("math.CO", "Combinatorics"),
        ("math.CT", "Category Theory"),
        ("math.CV", "Complex Variables"),
        ("math.DG", "Differential Geometry"),
        ("math.DS", "Dynamical Systems"),
        ("math.FA", "Functional Analysis"),
        ("math.GM", "General Mathematics"),
        ("math.GN", "General Topology"),
        ("math.GR", "Group Theory"),
        ("math.GT", "Geometric Topology"),
        ("math.HO", "History and Overview"),
        ("math.KT", "K-Theory and Homology"),
        ("math.LO", "Logic"),
        ("math.MG", "Metric Geometry"),
        ("math.NA", "Numerical Analysis"),
        ("math.NT", "Number Theory"),
        ("math.OA", "Operator Algebras"),
        ("math.OC", "Optimization and Control"),
        ("math.PR", "Probability"),
        ("math.QA", "Quantum Algebra"),
        ("math.RA", "Rings and Algebras"),
        ("math.RT", "Representation Theory"),
        ("math.SG", "Symplectic Geometry"),
        ("math.SP", "Spectral Theory"),
        ("math.ST", "Statistics Theory"),
    ],
    "Physics": [
        ("astro-ph", "Astrophysics"),
        ("astro-ph.CO", "Cosmology and Nongalactic Astrophysics"),
        ("astro-ph.EP", "Earth and Planetary Astrophysics"),
        ("astro-ph.GA", "Astrophysics of Galaxies"),
        ("astro-ph.HE", "High Energy Astrophysical Phenomena"),
        ("astro-ph.IM", "Instrumentation and Methods for Astrophysics"),
        ("astro-ph.SR", "Solar and Stellar Astrophysics"),
        ("cond-mat", "Condensed Matter"),
        ("cond-mat.dis-nn", "Disordered Systems and Neural Networks"),
        ("cond-mat.mes-hall", "Mesoscale and Nanoscale Physics"),
        ("cond-mat.mtrl-sci", "Materials Science"),
        ("cond-mat.other", "Other Condensed Matter"),
        ("cond-mat.quant-gas", "Quantum Gases"),
        ("cond-mat.soft", "Soft Condensed Matter"),
        ("cond-mat.stat-mech", "Statistical Mechanics"),
        ("cond-mat.str-el", "Strongly Correlated Electrons"),
        ("cond-mat.supr-con", "Superconductivity"),
        ("gr-qc", "General Relativity and Quantum Cosmology"),
        ("hep-ex", "High Energy Physics - Experiment"),
        ("hep-lat", "High Energy Physics - Lattice"),
        ("hep-ph", "High Energy Physics - Phenomenology"),
        ("hep-th", "High Energy Physics - Theory"),
        ("math-ph", "Mathematical Physics"),
        ("nlin.AO", "Adaptation and Self-Organizing Systems"),
        ("nlin.CD", "Chaotic Dynamics"),
        ("nlin.CG", "Cellular Automata and Lattice Gases"),
        ("nlin.PS", "Pattern Formation and Solitons"),
        ("nlin.SI", "Exactly Solvable and Integrable Systems"),
        ("nucl-ex", "Nuclear Experiment"),
        ("nucl-th", "Nuclear Theory"),
        ("physics.acc-ph", "Accelerator Physics"),
        ("physics.ao-ph", "Atmospheric and Oceanic Physics"),
        ("physics.app-ph", "Applied Physics"),
        ("physics.atm-clus", "Atomic and Molecular Clusters"),
        ("physics.atom-ph", "Atomic Physics"),
        ("physics.bio-ph", "Biological Physics"),
        ("physics.chem-ph", "Chemical Physics"),
        ("physics.class-ph", "Classical Physics"),
        ("physics.comp-ph", "Computational Physics"),
        ("physics.data-an", "Data Analysis, Statistics and Probability"),
        ("physics.ed-ph", "Physics Education"),
        ("physics.flu-dyn", "Fluid Dynamics"),
        ("physics.gen-ph", "General Physics"),
        ("physics.geo-ph", "Geophysics"),
        ("physics.hist-ph", "History and Philosophy of Physics"),
        ("physics.ins-det", "Instrumentation and Detectors"),
        ("physics.med-ph", "Medical Physics"),
        ("physics.optics", "Optics"),
        ("physics.plasm-ph", "Plasma Physics"),
        ("physics.pop-ph", "Popular Physics"),
        ("physics.soc-ph", "Physics and Society"),
        ("physics.space-ph", "Space Physics"),
        ("quant-ph", "Quantum Physics"),
    ],
    "Quantitative Biology": [
        ("q-bio.BM", "Biomolecules"),
        ("q-bio.CB", "Cell Behavior"),
        ("q-bio.GN", "Genomics"),
        ("q-bio.MN", "Molecular Networks"),
        ("q-bio.NC", "Neurons and Cognition"),
        ("q-bio.OT", "Other Quantitative Biology"),
        ("q-bio.PE", "Populations and Evolution"),
        ("q-bio.QM", "Quantitative Methods"),
        ("q-bio.SC", "Subcellular Processes"),
        ("q-bio.TO", "Tissues and Organs"),
    ],
    "Quantitative Finance": [
        ("q-fin.CP", "Computational Finance"),
        ("q-fin.GN", "General Finance"),
        ("q-fin.MF", "Mathematical Finance"),
        ("q-fin.PM", "Portfolio Management"),
        ("q-fin.PR", "Pricing of Securities"),
        ("q-fin.RM", "Risk Management"),
        ("q-fin.ST", "Statistical Finance"),
        ("q-fin.TR", "Trading and Market Microstructure"),
    ],
    "Statistics": [
        ("stat.AP", "Applications"),
        ("stat.CO", "Computation"),
        ("stat.ME", "Methodology"),
        ("stat.ML", "Machine Learning"),
        ("stat.OT", "Other Statistics"),
    ],
}

# alias -> canonical (arXiv lists these pairs as the same category).
ALIASES: dict[str, str] = {
    "cs.NA": "math.NA",
    "cs.SY": "eess.SY",
    "math.IT": "cs.IT",
    "math.MP": "math-ph",
    "q-fin.EC": "econ.GN",
    "stat.TH": "math.ST",
}


def canonical_category(code: str) -> str:
    """Map an alias category code to its canonical code; others pass through unchanged."""
    return ALIASES.get(code, code)


def archive_of(code: str) -> str:
    """The archive part of a category code (``cs`` for ``cs.LG``, ``hep-th`` for ``hep-th``)."""
    return code.split(".", 1)[0]


def all_categories() -> list[tuple[str, str, str]]:
    """Every canonical category as (code, name, group)."""
    return [(code, name, group) for group, items in GROUPS.items() for code, name in items]


# ---- category expressions: Cool Papers' URL grammar ----
# ``cs.AI`` (one), ``cs.AI,cs.CL`` (union) and ``cs.AI+cs.LG-cs.CY`` (union minus). Codes
# themselves contain hyphens (``hep-th``, ``cond-mat.stat-mech``), so an expression is read by
# matching the longest known code at each position rather than by splitting on ``-``.

CATEGORY_CODES: frozenset[str] = frozenset(code for code, _name, _group in all_categories())
ARCHIVES: frozenset[str] = frozenset(archive_of(code) for code in CATEGORY_CODES)
# Longest first, so "cond-mat.stat-mech" wins over "cond-mat" at the same position.
_KNOWN = sorted(CATEGORY_CODES | ARCHIVES | set(ALIASES), key=len, reverse=True)
_KNOWN_LOWER = {code.lower(): code for code in _KNOWN}


@dataclass(frozen=True)
class CategoryExpr:
    """A parsed category expression: included and excluded canonical codes, plus its text."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.text


def _expand(code: str) -> list[str]:
    """Canonical category codes for a code, an alias or a whole archive (``cs``)."""
    code = ALIASES.get(code, code)
    if code in ARCHIVES and "." not in code:
        members = sorted(c for c in CATEGORY_CODES if archive_of(c) == code)
        return members or [code]
    return [code]


def parse_category_expr(text: str) -> CategoryExpr:
    """Parse ``a,b+c-d`` into a CategoryExpr; ValueError names the unknown part."""
    include: list[str] = []
    exclude: list[str] = []
    pos, sign = 0, "+"
    lowered = text.lower()
    while pos < len(text):
        code = next((c for c in _KNOWN if lowered.startswith(c.lower(), pos)), None)
        end = pos + len(code) if code else pos
        if code is None or (end < len(text) and text[end] not in ",+-"):
            raise ValueError(f"unknown category at {text[pos:]!r}")
        (include if sign == "+" else exclude).extend(_expand(_KNOWN_LOWER[code.lower()]))
        if end == len(text):
            break
        sign = "-" if text[end] == "-" else "+"
        pos = end + 1
        if pos == len(text):
            raise ValueError("category expression ends with an operator")
    if not include:
        raise ValueError("no category to include")
    dedup = tuple(dict.fromkeys(c for c in include if c not in exclude))
    if not dedup:
        raise ValueError("every included category is also excluded")
    return CategoryExpr(include=dedup, exclude=tuple(dict.fromkeys(exclude)), text=text)
