r"""BibTeX in: the shapes Zotero, Google Scholar, ACM and ScienceDirect export, merged
with the same papers from the seed documents and OpenAlex, and what a bad entry does.

The files under tests/data/bibtex are hand-written in each exporter's shape (there is no
BibTeX file in ../shared) with real papers' metadata: papers of the seed feeds and
profile page (arXiv 2409.19252, the ACM MM'24 paper of DOI 10.1145/3664647.3680609,
Shiming Ge's Sel-CL and "Robust Weight Perturbation"), of the OpenAlex bundles (Science
10.1126/science.1169659, Geobios 10.1016/S0016-6995(87)80071-2) and two others.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scholarscope import export
from scholarscope.cli import cli
from scholarscope.ingest import FORMATS, bibtex, detect_format, load_path
from scholarscope.ingest.files import decode_head, read_head
from scholarscope.pipeline import ingest_paths
from scholarscope.pipeline.prepared_record import prepare_record
from scholarscope.records import ParseItem, Rejected, Repaired, Work
from scholarscope.store import open_store

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "tests" / "data" / "bibtex"
EXAMPLES = PROJECT / "examples"


def parse(text: str, origin: str = "refs.bib") -> list[ParseItem]:
    return list(bibtex.parse(text.splitlines(), origin))


def works(items: list[ParseItem]) -> list[Work]:
    return [item for item in items if isinstance(item, Work)]


def problems(items: list[ParseItem]) -> list[tuple[str, int | None, str]]:
    return [
        (type(item).__name__, item.line, item.reason)
        for item in items
        if isinstance(item, Rejected | Repaired)
    ]


def names(work: Work) -> list[str]:
    return [authorship.author.name for authorship in work.authors]


# --- the exporters' shapes ------------------------------------------------------------


def test_zotero_export() -> None:
    items = list(load_path(DATA / "zotero.bib", "zotero.bib"))
    assert problems(items) == []
    preprint, article = works(items)
    # an arXiv preprint as Zotero saves it: @misc, the arXiv DataCite DOI, "arXiv:… [cs]"
    assert preprint.ids == ("doi:10.48550/arxiv.2205.14826", "arxiv:2205.14826")
    assert preprint.origin == "zotero.bib:2"
    assert preprint.title == "Robust Weight Perturbation for Adversarial Training"
    assert (preprint.date, preprint.date_text, preprint.year) == ("2022-05", "may 2022", 2022)
    assert preprint.venue is None  # the publisher "arXiv" is no venue
    assert names(preprint)[4] == "Shiming Ge" and len(preprint.authors) == 7
    assert preprint.abstract is not None
    assert preprint.abstract.startswith("Overfitting widely exists in adversarial robust")
    assert ("keyword", "Computer Science - Machine Learning") in preprint.extra
    assert ("note", "arXiv:2205.14826 [cs]") in preprint.extra
    # a journal article: UTF-8 names, "Le Hérissé" a two-word surname
    assert article.ids == ("doi:10.1126/science.1169659",)
    assert article.title == "Origin and Radiation of the Earliest Vascular Land Plants"
    assert (article.date, article.year, article.venue) == ("2009-04", 2009, "Science")
    assert names(article)[:3] == ["Philippe Steemans", "Alain Le Hérissé", "John Melvin"]
    assert names(article)[-1] == "Charles H. Wellman"
    assert article.extra == (
        ("type", "article"),
        ("bibtex_key", "steemans_origin_2009"),
        ("volume", "324"),
        ("number", "5925"),
        ("pages", "353"),
        ("url", "https://www.science.org/doi/10.1126/science.1169659"),
        ("keyword", "Gondwana"),
        ("keyword", "Ordovician"),
        ("keyword", "Vascular plant"),
    )


def test_google_scholar_export() -> None:
    items = list(load_path(DATA / "google_scholar.bib", "gs.bib"))
    assert problems(items) == []
    selcl, preprint, attention = works(items)
    # no id at all: keyed by the title and year it is matched on
    assert selcl.ids == ("title:selective supervised contrastive learning with noisy labels|2022",)
    assert selcl.ids[0] == prepare_record(selcl).title_key
    assert selcl.title == "Selective-supervised contrastive learning with noisy labels"
    assert names(selcl) == ["Shikun Li", "Xiaobo Xia", "Shiming Ge", "Tongliang Liu"]
    assert selcl.venue == (
        "Proceedings of the IEEE/CVF conference on computer vision and pattern recognition"
    )
    assert (selcl.date, selcl.year, selcl.origin) == ("2022", 2022, "gs.bib:1")
    assert ("pages", "316–325") in selcl.extra
    # an arXiv preprint: the id from the "journal", which is no venue
    assert preprint.ids == ("arxiv:2409.19252",)
    assert preprint.venue is None and preprint.origin == "gs.bib:9"
    assert preprint.title == (
        "Beyond Euclidean: Dual-Space Representation Learning for Weakly Supervised Video "
        "Violence Detection"
    )
    # {\L}ukasz
    assert names(attention)[6] == "Łukasz Kaiser"
    assert attention.venue == "Advances in neural information processing systems"
    assert ("volume", "30") in attention.extra


def test_acm_export() -> None:
    items = list(load_path(DATA / "acm.bib", "acm.bib"))
    assert problems(items) == []
    irstd, recommendation = works(items)
    assert irstd.ids == ("doi:10.1145/3664647.3680609",)
    assert irstd.venue == "Proceedings of the 32nd ACM International Conference on Multimedia"
    assert names(irstd) == [
        "Mingjin Zhang", "Chi Zhang", "Qiming Zhang", "Yunsong Li", "Xinbo Gao", "Jing Zhang",
    ]  # fmt: skip
    assert irstd.abstract is not None and irstd.abstract.endswith("O937-blip/SimIR.")
    assert recommendation.extra == (
        ("type", "inproceedings"),
        ("bibtex_key", "10.1145/3664647.3680626"),
        ("pages", "7551–7560"),
        ("numpages", "10"),
        ("publisher", "Association for Computing Machinery"),
        ("address", "New York, NY, USA"),
        ("series", "MM '24"),
        ("url", "https://doi.org/10.1145/3664647.3680626"),
    )


def test_sciencedirect_export_with_latex_accents_and_a_doi_url() -> None:
    (work,) = works(list(load_path(DATA / "sciencedirect.bib", "sd.bib")))
    assert work.ids == ("doi:10.1016/s0016-6995(87)80071-2",)
    assert work.title == (
        "Le Jurassique d'arabie saoudite centrale: Nouvelles données sur la "
        "lithostratigraphie, les paléoenvironnements, les faunes d'Ammonites, les âges et "
        "les corrélations"
    )
    assert names(work)[:2] == ["Raymond Énay", "Yves-Marie Le Nindre"]
    assert (work.year, work.venue) == (1987, "Geobios")


def test_arxiv_export_states_the_primary_category() -> None:
    (work,) = works(
        parse(
            "@misc{leng2024beyond,\n"
            "      title={Beyond Euclidean: Dual-Space Representation Learning for Weakly "
            "Supervised Video Violence Detection},\n"
            "      author={Jiaxu Leng and Zhanjie Wu and Mingpi Tan and Yiran Liu and Ji Gan "
            "and Haosheng Chen and Xinbo Gao},\n"
            "      year={2024},\n      eprint={2409.19252},\n      archivePrefix={arXiv},\n"
            "      primaryClass={cs.CV},\n      url={https://arxiv.org/abs/2409.19252},\n}"
        )
    )
    assert work.ids == ("arxiv:2409.19252",)
    assert (work.primary_category, work.categories) == ("cs.CV", ("cs.CV",))
    assert names(work)[0] == "Jiaxu Leng" and names(work)[-1] == "Xinbo Gao"


def test_our_own_export_reads_back() -> None:
    # scholarscope export writes every TeX special as a character to print: it comes
    # back as that character, and safe math as it was
    title = r"A & B_1 in $x_1$ \input{/etc/passwd} 100% {Müller}"
    written = export.works_bibtex(
        [
            {
                "id": "work:1", "title": title, "authors": ["Shiming Ge", "Zhao Luo"],
                "et_al": True, "year": 2024, "ids": ["arxiv:2409.19252"],
                "field_category": "cs.CV", "doi": "10.1145/3664647.3680609",
                "venue": {"name": "NeurIPS", "year": 2024, "status": "accepted"},
            }
        ]
    )  # fmt: skip
    (work,) = works(parse(written))
    assert work.title == title
    assert work.ids == ("doi:10.1145/3664647.3680609", "arxiv:2409.19252")
    assert (names(work), work.et_al, work.primary_category) == (
        ["Shiming Ge", "Zhao Luo"],
        True,
        "cs.CV",
    )
    assert ("note", "NeurIPS, 2024, accepted") in work.extra


# --- detection ------------------------------------------------------------------------


def test_only_bibtex_claims_the_bib_files() -> None:
    for path in sorted(DATA.glob("*.bib")):
        head = decode_head(read_head(path))
        assert [name for name, m in FORMATS.items() if m.looks_like(head)] == ["bibtex"]


def test_bibtex_claims_no_other_real_file(shared_data: Path, seeds: Path) -> None:
    paths = [p for folder in (shared_data, seeds, EXAMPLES) for p in folder.rglob("*")]
    files = [path for path in paths if path.is_file()]
    assert len(files) > 100
    claimed = [p for p in files if bibtex.looks_like(decode_head(read_head(p)))]
    assert claimed == []


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("\n@article{smith_title_2020,\n\ttitle = {T},", "bibtex"),  # Zotero: a blank line
        ("% This file was created with JabRef 2.10.\n% Encoding: UTF8\n\n@Article{k,", "bibtex"),
        ("\ufeff@STRING{ieee = {IEEE}}\n", "bibtex"),
        ("@comment{x}\n", "bibtex"),
        ("@inproceedings(key,\n", "bibtex"),
        ("Some notes first\n@article{k,\n", None),  # free text first: not claimed
        ("@ge2024 said hello {to all}", None),  # no entry key and comma
    ],
)
def test_detection_by_the_first_block(head: str, expected: str | None) -> None:
    assert detect_format(head) == expected


# --- merged like any other source -----------------------------------------------------


def test_bib_files_merge_into_the_seed_works(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "ingest", str(EXAMPLES)]).exit_code == 0
    store = open_store(db)
    before = store.counts()["work"]
    seed_keys = store.find_work_keys(
        [
            "arxiv:2409.19252",
            "doi:10.1145/3664647.3680609",
            "title:selective supervised contrastive learning with noisy labels|2022",
            "title:robust weight perturbation for adversarial training|2022",
        ]
    )
    assert len(seed_keys) == 4
    files = [DATA / name for name in ("google_scholar.bib", "zotero.bib", "acm.bib")]
    result = runner.invoke(cli, ["--db", db, "ingest", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{files[0]}: read 3, new 1, merged 2, unchanged 0, rejected 0",
        f"{files[1]}: read 2, new 1, merged 1, unchanged 0, rejected 0",
        f"{files[2]}: read 2, new 1, merged 1, unchanged 0, rejected 0",
    ]
    assert store.counts()["work"] == before + 3
    # the preprint joined the feed record by its arXiv id, the ACM paper by its DOI, the
    # two profile-page papers (no id there) by title and year
    after = store.find_work_keys(
        [*seed_keys, "doi:10.48550/arxiv.2205.14826", "title:attention is all you need|2017"]
    )
    assert {key: after[key] for key in seed_keys} == seed_keys
    assert (
        after["doi:10.48550/arxiv.2205.14826"]
        == seed_keys["title:robust weight perturbation for adversarial training|2022"]
    )
    records = store.work_records(list(seed_keys.values()))
    sources = {work_id: sorted(w.source for _, _, w in found) for work_id, found in records.items()}
    assert sources == {
        seed_keys["arxiv:2409.19252"]: ["arxiv_feed", "bibtex"],
        seed_keys["doi:10.1145/3664647.3680609"]: ["arxiv_feed", "bibtex"],
        seed_keys["title:selective supervised contrastive learning with noisy labels|2022"]: [
            "bibtex",
            "profile_page",
        ],
        seed_keys["title:robust weight perturbation for adversarial training|2022"]: [
            "bibtex",
            "profile_page",
        ],
    }
    # the unknown paper is a new work, after every seed work
    assert after["title:attention is all you need|2017"] > max(seed_keys.values())
    again = runner.invoke(cli, ["--db", db, "ingest", str(files[0])])
    assert again.output.strip().endswith("read 3, new 0, merged 0, unchanged 3, rejected 0")


def test_bib_entries_merge_with_openalex_by_doi(tmp_path: Path, shared_data: Path) -> None:
    store = open_store(str(tmp_path / "x.db"))
    bundles = [
        shared_data / "openalex-authors" / f"{a}.json" for a in ("A5084630459", "A5103799444")
    ]
    ingest_paths(store, bundles)
    reports = ingest_paths(store, [DATA / "sciencedirect.bib", DATA / "zotero.bib"])
    assert [(r.read, r.new, r.merged) for r in reports] == [(1, 0, 1), (2, 1, 1)]
    keys = store.find_work_keys(
        ["openalex:W1968584894", "doi:10.1016/s0016-6995(87)80071-2", "openalex:W2048864911"]
    )
    assert keys["openalex:W1968584894"] == keys["doi:10.1016/s0016-6995(87)80071-2"]
    records = store.work_records([keys["openalex:W2048864911"]])[keys["openalex:W2048864911"]]
    assert sorted(w.source for _, _, w in records) == ["bibtex", "openalex"]


# --- what BibTeX itself allows ----------------------------------------------------------


def test_string_macros_concatenation_comments_and_month_macros() -> None:
    items = parse(
        "% a comment line\n"
        '@STRING{ MM = "Proceedings of the 32nd ACM International Conference" }\n'
        "@string(conf = {ACM MM})\n"
        "@comment{ exported by hand, {nested} braces }\n"
        "Text between entries is a comment too.\n"
        "@inproceedings{a1,\n"
        '  title = "Unleashing the Power of Generic Segmentation Model",\n'
        '  booktitle = MM # " on Multimedia (" # conf # ")",\n'
        '  month = oct # "~28",\n'
        "  year = 2024,\n"
        "  doi = {10.1145/3664647.3680609}\n"
        "}\n"
    )
    (work,) = works(items)
    assert problems(items) == []
    assert work.venue == (
        "Proceedings of the 32nd ACM International Conference on Multimedia (ACM MM)"
    )
    assert (work.date, work.date_text, work.origin) == ("2024-10-28", "oct~28 2024", "refs.bib:6")


def test_crossref_takes_the_proceedings_fields() -> None:
    items = parse(
        "@inproceedings{paper, author = {Li, Shikun and others}, crossref = {cvpr22},\n"
        "  title = {Selective-Supervised Contrastive Learning with Noisy Labels},\n"
        "  pages={316--325}}\n"
        "@inproceedings{orphan, title = {A paper whose proceedings are missing}, year = 2022,\n"
        "  crossref = {nowhere}, doi = {10.1000/x}}\n"
        "@proceedings{cvpr22, title = {Proceedings of the IEEE/CVF Conference on Computer Vision\n"
        "  and Pattern Recognition}, year = {2022}, doi = {10.1109/CVPR52688.2022},\n"
        "  publisher = {IEEE}}\n"
    )
    paper, orphan = works(items)  # the proceedings only named by crossref: no work
    assert paper.venue == (
        "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition"
    )
    assert (paper.year, paper.et_al, names(paper)) == (2022, True, ["Shikun Li"])
    assert paper.ids[0].startswith("title:")  # the volume's DOI is not the paper's
    assert ("publisher", "IEEE") in paper.extra
    assert problems(items) == [
        ("Repaired", 4, "entry orphan: crossref 'nowhere' names no entry in this file")
    ]
    assert orphan.ids == ("doi:10.1000/x",)


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        (r"M{\"u}ller, J{\"o}rg and M\"uller, Hans", ["Jörg Müller", "Hans Müller"]),
        ("Müller, Jörg and Ludwig van Beethoven", ["Jörg Müller", "Ludwig van Beethoven"]),
        ("van der Berg, Jan and King, Jr, Martin", ["Jan van der Berg", "Martin King Jr"]),
        ("{Open Science Collaboration} and Doe, Jane", ["Open Science Collaboration", "Jane Doe"]),
        (r"{\'E}nay, Raymond and Fran\c{c}ois Ch{\^a}teau", ["Raymond Énay", "François Château"]),
        ("Ge, Shiming AND Luo, Zhao and others", ["Shiming Ge", "Zhao Luo"]),
    ],
)
def test_author_forms(author: str, expected: list[str]) -> None:
    (work,) = works(parse(f"@article{{k, title={{A title long enough to key}}, year=2020,\n"
                          f"author = {{{author}}}}}"))  # fmt: skip
    assert names(work) == expected
    assert [a.position for a in work.authors] == list(range(1, len(expected) + 1))
    assert work.et_al == (True if "others" in author else None)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (r"{BERT}: Pre-training of {Deep} Transformers", "BERT: Pre-training of Deep Transformers"),
        (
            r"The {$\mathcal{O}(n^2)$} bound for $k$-means",
            r"The $\mathcal{O}(n^2)$ bound for $k$-means",
        ),
        (
            r"Learning \emph{in situ} with \textit{E.~coli}",
            r"Learning \emph{in situ} with \textit{E. coli}",
        ),
        (r"Na{\"\i}ve caf\'e --- 10\% \& {\aa}ngstr{\"o}m", "Naïve café — 10% & ångström"),
        (r"``Quoted'' \textendash{} x", "“Quoted” – x"),
        ("Plain   title\n   over two lines", "Plain title over two lines"),
        ("{", None),
    ],
)
def test_tex_text(raw: str, text: str | None) -> None:
    assert bibtex.tex_text(raw) == text


# --- bad entries ----------------------------------------------------------------------

GOOD = "@article{good, title = {Attention is all you need}, year = {2017}, doi={10.1000/a}}\n"


def test_a_malformed_entry_is_rejected_with_its_line_and_the_others_load() -> None:
    items = parse(
        GOOD
        + "@article{broken,\n  title={Missing brace,\n  author={Doe, Jane},\n  year={2020}\n}\n\n"
        + "@article{nocomma\n  title={No comma after the key},\n  year={2020}\n}\n"
        + GOOD.replace("good", "after").replace("10.1000/a", "10.1000/b")
    )
    assert [w.ids for w in works(items)] == [("doi:10.1000/a",), ("doi:10.1000/b",)]
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert [(r.line, r.record) for r in rejected] == [(2, "broken"), (8, "nocomma")]
    assert rejected[0].reason == (
        "malformed entry, not loaded: Unexpected block start: `@article`. "
        "Was still looking for field-value closing `,` or `}`"
    )
    assert rejected[1].reason == (
        "malformed entry, not loaded: Expected comma after entry key, but found ="
    )
    assert rejected[0].message() == (
        "refs.bib:2: record broken: malformed entry, not loaded: Unexpected block start: "
        "`@article`. Was still looking for field-value closing `,` or `}`"
    )


def test_a_file_that_ends_inside_an_entry() -> None:
    items = parse(GOOD + "@article{cut, title = {A download that stopp")
    assert len(works(items)) == 1
    assert problems(items) == [
        ("Rejected", 2, "malformed entry, not loaded: Unexpectedly reached end of file.")
    ]


def test_an_entry_without_a_title_or_a_key_is_rejected(tmp_path: Path) -> None:
    items = parse(
        "@article{untitled, author = {Doe, Jane}, year = 2020, doi = {10.1000/x}}\n"
        "@misc{blank, title = {{}}, year = 2020}\n"
        "@misc{undated, title = {A paper that has no id and no year}}\n"
        "@misc{short, title = {Preface}, year = 2020}\n" + GOOD
    )
    assert problems(items) == [
        ("Rejected", 1, "entry has no title"),
        ("Rejected", 2, "entry has no title"),
        (
            "Rejected",
            3,
            "no DOI, arXiv or PubMed id, and no year to tell this paper from another of the "
            "same title",
        ),
        (
            "Rejected",
            4,
            "no DOI, arXiv or PubMed id, and a title too short to tell this paper from "
            "another of the same title",
        ),
    ]
    assert [item.record for item in items if isinstance(item, Rejected)] == [
        "untitled", "blank", "undated", "short",
    ]  # fmt: skip
    path = tmp_path / "refs.bib"
    path.write_text("".join(line + "\n" for line in [GOOD.strip()] * 2), encoding="utf-8")
    (report,) = ingest_paths(open_store(str(tmp_path / "x.db")), [path])
    # a key used twice: both entries load (the same DOI: one record, read twice)
    assert (report.read, report.new, report.rejected) == (2, 1, 0)


def test_repairs_are_reported_and_the_entry_loads() -> None:
    items = parse(
        "@article{k, title = {Attention is all you need}, journal = nips, year = {in press},\n"
        " doi = {n/a}, url = {https://doi.org/10.1000/ignored}, pmid = {28123}}\n"
        "@article{m, title = {Attention is all you need}, year = 2017, month = {Smarch},\n"
        " eprint = {1706.03762}, date = {June 2017}}\n"
    )
    first, second = works(items)
    assert problems(items) == [
        ("Repaired", 1, "entry k: string macro 'nips' is not defined; kept as its name"),
        ("Repaired", 1, "entry k: year 'in press' is not a year; stored without a date"),
        ("Repaired", 1, "entry k: DOI 'n/a' is not a DOI; left out"),
        ("Repaired", 3, "entry m: date 'June 2017' is not an ISO date; left out"),
        ("Repaired", 3, "entry m: month 'Smarch' is not a month; stored with the year only"),
    ]
    # a doi field, even a wrong one, is where the DOI is: none is taken from the URL
    assert (first.ids, first.venue, first.date, first.date_text, first.year) == (
        ("pmid:28123",),
        "nips",
        None,
        "in press",
        None,
    )
    assert (second.ids, second.date, second.date_text) == (
        ("arxiv:1706.03762",),
        "2017",
        "Smarch 2017",
    )


def test_a_day_that_is_no_calendar_day_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(GOOD + GOOD.replace("good", "leap").replace("}\n", ", month = feb # {~30}}\n"))
    items = list(load_path(path, "refs.bib"))
    assert problems(items) == [
        ("Repaired", 2, "entry leap: 'feb~30 2017' is no calendar day; stored with the year only")
    ]
    assert [(w.date, w.date_text) for w in works(items)] == [
        ("2017", "2017"),
        ("2017", "feb~30 2017"),
    ]


IEEE = (  # IEEE Xplore's shape (its key is the document number; this one stands in)
    "@INPROCEEDINGS{li_cvpr_2022,\n"
    "  author={Li, Shikun and Xia, Xiaobo and Ge, Shiming and Liu, Tongliang},\n"
    "  booktitle={2022 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},\n"
    "  title={Selective-Supervised Contrastive Learning with Noisy Labels}, \n"
    "  year={2022},\n  volume={},\n  number={},\n  pages={316-325},\n"
    "  keywords={Training;Representation learning},\n"
    "  doi={10.1109/CVPR52688.2022.00041}}\n"
)


@pytest.mark.parametrize("ieee_first", [True, False])
def test_two_exports_of_one_paper_are_one_work(tmp_path: Path, ieee_first: bool) -> None:
    (ieee,) = works(parse(IEEE))
    assert (ieee.ids, ieee.venue) == (
        ("doi:10.1109/cvpr52688.2022.00041",),
        "2022 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)",
    )
    assert ("keyword", "Representation learning") in ieee.extra
    assert ("volume", "") not in ieee.extra and ("pages", "316-325") in ieee.extra
    (tmp_path / "ieee.bib").write_text(IEEE, encoding="utf-8")
    files = [tmp_path / "ieee.bib", DATA / "google_scholar.bib"]
    store = open_store(str(tmp_path / "x.db"))
    reports = ingest_paths(store, files if ieee_first else files[::-1])
    expected = [(1, 1, 0), (3, 2, 1)] if ieee_first else [(3, 3, 0), (1, 0, 1)]
    assert [(r.read, r.new, r.merged) for r in reports] == expected
    keys = ["doi:10.1109/cvpr52688.2022.00041", "title:selective supervised contrastive "
            "learning with noisy labels|2022"]  # fmt: skip
    found = store.find_work_keys(keys)
    assert len(found) == 2 and len(set(found.values())) == 1
