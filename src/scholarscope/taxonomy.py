"""Fields as keys in named taxonomies: what a field is, what it is called, how it is shown.

A field key is ``<taxonomy>:<code>``:

- ``arxiv:cs.CV``, ``arxiv:math.CV``, ``arxiv:hep-ph``: an arXiv category;
- ``openalex:fields/19``: an OpenAlex field (the level above subfields and topics; its
  26 fields are Scopus's ASJC subject areas), as a work's ``primary_topic`` states it;
- ``s2:Geology``: a Semantic Scholar field of study.

The **badge** is only how a key is shown in little room: ``CV`` for ``arxiv:cs.CV`` (the
seed pages' style), ``math.CV`` for ``arxiv:math.CV`` (a math category never takes a CS
badge), a short word for OpenAlex and S2 fields. The **name** is the human one: "Computer
Vision and Pattern Recognition", "Earth and Planetary Sciences". Pages and JSON show
``CV — Computer Vision and Pattern Recognition``; facets, filters, cohorts and
leaderboards use the key.
"""

from __future__ import annotations

from collections.abc import Iterable

ARXIV_NAMES = {
    "cs.AI": "Artificial Intelligence", "cs.AR": "Hardware Architecture",
    "cs.CC": "Computational Complexity", "cs.CE": "Computational Engineering, Finance, and Science",
    "cs.CG": "Computational Geometry", "cs.CL": "Computation and Language",
    "cs.CR": "Cryptography and Security", "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CY": "Computers and Society", "cs.DB": "Databases",
    "cs.DC": "Distributed, Parallel, and Cluster Computing", "cs.DL": "Digital Libraries",
    "cs.DM": "Discrete Mathematics", "cs.DS": "Data Structures and Algorithms",
    "cs.ET": "Emerging Technologies", "cs.FL": "Formal Languages and Automata Theory",
    "cs.GL": "General Literature", "cs.GR": "Graphics",
    "cs.GT": "Computer Science and Game Theory", "cs.HC": "Human-Computer Interaction",
    "cs.IR": "Information Retrieval", "cs.IT": "Information Theory",
    "cs.LG": "Machine Learning", "cs.LO": "Logic in Computer Science",
    "cs.MA": "Multiagent Systems", "cs.MM": "Multimedia", "cs.MS": "Mathematical Software",
    "cs.NA": "Numerical Analysis", "cs.NE": "Neural and Evolutionary Computing",
    "cs.NI": "Networking and Internet Architecture", "cs.OH": "Other Computer Science",
    "cs.OS": "Operating Systems", "cs.PF": "Performance",
    "cs.PL": "Programming Languages", "cs.RO": "Robotics",
    "cs.SC": "Symbolic Computation", "cs.SD": "Sound", "cs.SE": "Software Engineering",
    "cs.SI": "Social and Information Networks", "cs.SY": "Systems and Control",
    "eess.AS": "Audio and Speech Processing", "eess.IV": "Image and Video Processing",
    "eess.SP": "Signal Processing", "eess.SY": "Systems and Control",
    "stat.AP": "Applications (Statistics)", "stat.CO": "Computation (Statistics)",
    "stat.ME": "Methodology (Statistics)", "stat.ML": "Machine Learning (Statistics)",
    "stat.OT": "Other Statistics", "stat.TH": "Statistics Theory",
    "math.AC": "Commutative Algebra", "math.AG": "Algebraic Geometry",
    "math.AP": "Analysis of PDEs", "math.AT": "Algebraic Topology",
    "math.CA": "Classical Analysis and ODEs", "math.CO": "Combinatorics",
    "math.CT": "Category Theory", "math.CV": "Complex Variables",
    "math.DG": "Differential Geometry", "math.DS": "Dynamical Systems",
    "math.FA": "Functional Analysis", "math.GM": "General Mathematics",
    "math.GN": "General Topology", "math.GR": "Group Theory", "math.GT": "Geometric Topology",
    "math.HO": "History and Overview", "math.IT": "Information Theory (Mathematics)",
    "math.KT": "K-Theory and Homology", "math.LO": "Logic", "math.MG": "Metric Geometry",
    "math.MP": "Mathematical Physics", "math.NA": "Numerical Analysis (Mathematics)",
    "math.NT": "Number Theory", "math.OA": "Operator Algebras",
    "math.OC": "Optimization and Control", "math.PR": "Probability",
    "math.QA": "Quantum Algebra", "math.RA": "Rings and Algebras",
    "math.RT": "Representation Theory", "math.SG": "Symplectic Geometry",
    "math.SP": "Spectral Theory", "math.ST": "Statistics Theory (Mathematics)",
    "q-bio.BM": "Biomolecules", "q-bio.GN": "Genomics", "q-bio.NC": "Neurons and Cognition",
    "q-bio.QM": "Quantitative Methods", "q-fin.CP": "Computational Finance",
    "q-fin.ST": "Statistical Finance", "econ.EM": "Econometrics",
    "econ.GN": "General Economics", "econ.TH": "Theoretical Economics",
    "astro-ph": "Astrophysics", "astro-ph.CO": "Cosmology and Nongalactic Astrophysics",
    "astro-ph.EP": "Earth and Planetary Astrophysics", "astro-ph.GA": "Astrophysics of Galaxies",
    "astro-ph.HE": "High Energy Astrophysical Phenomena",
    "astro-ph.IM": "Instrumentation and Methods for Astrophysics",
    "astro-ph.SR": "Solar and Stellar Astrophysics",
    "cond-mat.mes-hall": "Mesoscale and Nanoscale Physics",
    "cond-mat.mtrl-sci": "Materials Science", "cond-mat.stat-mech": "Statistical Mechanics",
    "cond-mat.str-el": "Strongly Correlated Electrons", "cond-mat.supr-con": "Superconductivity",
    "cond-mat.soft": "Soft Condensed Matter",
    "cond-mat.dis-nn": "Disordered Systems and Neural Networks",
    "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment",
    "hep-lat": "High Energy Physics - Lattice", "hep-ph": "High Energy Physics - Phenomenology",
    "hep-th": "High Energy Physics - Theory", "math-ph": "Mathematical Physics",
    "nucl-ex": "Nuclear Experiment", "nucl-th": "Nuclear Theory",
    "quant-ph": "Quantum Physics", "nlin.CD": "Chaotic Dynamics",
    "physics.optics": "Optics", "physics.comp-ph": "Computational Physics",
    "physics.soc-ph": "Physics and Society",
    "physics.data-an": "Data Analysis, Statistics and Probability",
    "physics.med-ph": "Medical Physics", "physics.ao-ph": "Atmospheric and Oceanic Physics",
    "physics.geo-ph": "Geophysics", "physics.bio-ph": "Biological Physics",
}  # fmt: skip

# OpenAlex's 26 fields (ids 11-36), with the short words badges use.
OPENALEX_FIELDS = {
    11: ("Agricultural and Biological Sciences", "Agri/Bio"),
    12: ("Arts and Humanities", "Arts"),
    13: ("Biochemistry, Genetics and Molecular Biology", "Biochem"),
    14: ("Business, Management and Accounting", "Business"),
    15: ("Chemical Engineering", "ChemEng"),
    16: ("Chemistry", "Chem"),
    17: ("Computer Science", "CS"),
    18: ("Decision Sciences", "Decision"),
    19: ("Earth and Planetary Sciences", "Earth"),
    20: ("Economics, Econometrics and Finance", "Econ"),
    21: ("Energy", "Energy"),
    22: ("Engineering", "Eng"),
    23: ("Environmental Science", "Env"),
    24: ("Immunology and Microbiology", "Immuno"),
    25: ("Materials Science", "Materials"),
    26: ("Mathematics", "Math"),
    27: ("Medicine", "Med"),
    28: ("Neuroscience", "Neuro"),
    29: ("Nursing", "Nursing"),
    30: ("Pharmacology, Toxicology and Pharmaceutics", "Pharma"),
    31: ("Physics and Astronomy", "Physics"),
    32: ("Psychology", "Psych"),
    33: ("Social Sciences", "Social"),
    34: ("Veterinary", "Vet"),
    35: ("Dentistry", "Dent"),
    36: ("Health Professions", "Health"),
}
TAXONOMY_NAMES = {
    "arxiv": "arXiv categories",
    "openalex": "OpenAlex fields",
    "s2": "Semantic Scholar fields of study",
}
# The seed pages' badges are the codes of CS-side categories: a bare badge means the
# first of these archives that has it (CV -> cs.CV, IV -> eess.IV, ML -> stat.ML).
BADGE_ARCHIVES = ("cs", "eess", "stat", "q-bio", "q-fin", "econ", "math")
# Categories a computer-science classifier may predict (its domain).
CS_ARCHIVES = ("cs", "eess")


def taxonomy_of(key: str) -> str:
    """``'arxiv:cs.CV'`` -> ``'arxiv'``."""
    return key.split(":", 1)[0]


def arxiv_key(category: str) -> str:
    """The key of an arXiv category.

    >>> arxiv_key("cs.CV")
    'arxiv:cs.CV'
    """
    return f"arxiv:{category}"


def openalex_key(field_id: int) -> str:
    """The key of an OpenAlex field by its id.

    >>> openalex_key(19)
    'openalex:fields/19'
    """
    return f"openalex:fields/{field_id}"


def field_name(key: str | None) -> str | None:
    """The human name of a field key (the code itself when we have no name for it).

    >>> field_name("arxiv:math.CV"), field_name("openalex:fields/19"), field_name("s2:Geology")
    ('Complex Variables', 'Earth and Planetary Sciences', 'Geology')
    """
    if not key:
        return None
    taxonomy, _, code = key.partition(":")
    if taxonomy == "arxiv":
        return ARXIV_NAMES.get(code, code)
    if taxonomy == "openalex":
        field_id = _openalex_id(code)
        return OPENALEX_FIELDS[field_id][0] if field_id in OPENALEX_FIELDS else code
    return code


def field_badge(key: str | None) -> str | None:
    """How a field key is shown in little room: the seed pages' two letters for a CS-side
    arXiv category, the whole category otherwise (so math.CV never reads CV).

    >>> field_badge("arxiv:cs.CV"), field_badge("arxiv:eess.IV"), field_badge("arxiv:math.CV")
    ('CV', 'IV', 'math.CV')
    >>> field_badge("openalex:fields/19"), field_badge("s2:Geology")
    ('Earth', 'Geology')
    """
    if not key:
        return None
    taxonomy, _, code = key.partition(":")
    if taxonomy == "arxiv":
        archive, dot, rest = code.partition(".")
        return rest if dot and archive in CS_ARCHIVES else code
    if taxonomy == "openalex":
        field_id = _openalex_id(code)
        return OPENALEX_FIELDS[field_id][1] if field_id in OPENALEX_FIELDS else code
    return code


def field_label(key: str | None) -> str | None:
    """``CV — Computer Vision and Pattern Recognition``: badge and name, as pages show a
    field (the name alone when they are the same).

    >>> field_label("arxiv:cs.LG"), field_label("s2:Geology")
    ('LG — Machine Learning', 'Geology')
    """
    if not key:
        return None
    badge, name = field_badge(key), field_name(key)
    return name if badge == name else f"{badge} — {name}"


def in_cs_domain(key: str) -> bool:
    """Is a field key inside the domain of the CS classifier?

    >>> in_cs_domain("arxiv:cs.CV"), in_cs_domain("arxiv:math.PR")
    (True, False)
    >>> in_cs_domain("openalex:fields/17"), in_cs_domain("s2:Geology")
    (True, False)
    """
    taxonomy, _, code = key.partition(":")
    if taxonomy == "arxiv":
        return code.split(".", 1)[0] in CS_ARCHIVES
    if taxonomy == "openalex":
        return _openalex_id(code) == 17
    return code == "Computer Science"


def badge_key(badge: str) -> str | None:
    """The arXiv key a profile page's bare badge stands for (``BADGE_ARCHIVES`` order).

    >>> badge_key("CV"), badge_key("IV"), badge_key("ML"), badge_key("XYZ")
    ('arxiv:cs.CV', 'arxiv:eess.IV', 'arxiv:stat.ML', None)
    """
    for archive in BADGE_ARCHIVES:
        category = f"{archive}.{badge}"
        if category in ARXIV_NAMES:
            return arxiv_key(category)
    return None


def resolve_field_code(code: str, known: Iterable[str]) -> list[str]:
    """The keys a user's field code may mean, among the ``known`` keys: a key itself, an
    arXiv category without its scheme (``cs.CV``), or a badge (``CV``, ``Earth``). One
    key: that one; several: the caller lists them and asks; none: nothing matches.

    >>> known = ["arxiv:cs.CV", "arxiv:math.CV", "openalex:fields/19"]
    >>> resolve_field_code("CV", known), resolve_field_code("cs.CV", known)
    (['arxiv:cs.CV', 'arxiv:math.CV'], ['arxiv:cs.CV'])
    >>> resolve_field_code("Earth", known), resolve_field_code("arxiv:math.CV", known)
    (['openalex:fields/19'], ['arxiv:math.CV'])
    """
    known = sorted(set(known))
    code = code.strip()
    if code in known:
        return [code]
    if ":" not in code and arxiv_key(code) in known:
        return [arxiv_key(code)]
    lowered = code.lower()
    return [k for k in known if (field_badge(k) or "").lower() == lowered or
            k.rsplit(".", 1)[-1].lower() == lowered]  # fmt: skip


def _openalex_id(code: str) -> int | None:
    number = code.rsplit("/", 1)[-1]
    return int(number) if number.isdigit() else None


def chosen_field(code: str | None, known: Iterable[str]) -> str | None:
    """The field key a user's ``code`` means among the ``known`` (stored) fields: a key,
    a category (cs.CV) or a badge (CV) naming one of them; a code naming none is kept
    as given (it matches nothing); None stays None. A code naming several is a
    ValueError that lists them.

    >>> chosen_field("CV", ["arxiv:cs.CV", "arxiv:cs.LG"])
    'arxiv:cs.CV'
    >>> chosen_field("CV", ["arxiv:cs.CV", "arxiv:math.CV"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: the field 'CV' may mean arxiv:cs.CV (...), arxiv:math.CV (...): give ...
    """
    if code is None:
        return None
    keys = resolve_field_code(code, known)
    if len(keys) > 1:
        raise ValueError(
            f"the field {code!r} may mean "
            + ", ".join(f"{k} ({field_name(k)})" for k in keys)
            + ": give one of those keys"
        )
    return keys[0] if keys else code
