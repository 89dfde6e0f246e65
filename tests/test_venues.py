"""Venue, status, pages, figures and DOI from comments and journal-ref, on real text.

Every comment here is copied from the seed feeds or from the arXiv file in
``../shared/data/arxiv-cs/``; the journal-refs come from the Kaggle snapshot.
"""

from __future__ import annotations

import gzip
import json
import random
import string
from pathlib import Path

import pytest

from scholarscope.enrich.venue_table import VENUES
from scholarscope.enrich.venues import VenueInfo, parse_venue

SEED_FEEDS = ("000_", "002_", "004_")


def seed_comment_lines(seeds: Path) -> list[str]:
    """The short lines just before an ``arXiv:`` line in the three seed feeds."""
    found = []
    for prefix in SEED_FEEDS:
        (path,) = seeds.glob(f"{prefix}*.txt")
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, following in zip(lines, lines[1:], strict=False):
            if following.startswith("arXiv:") and not line.startswith("arXiv:") and len(line) < 200:
                found.append(line)
    return found


# (comment, venue, year, status, pages, figures) for every comments line in the seed feeds
SEED_EXPECTED = [
    ("Accepted by NeurIPS 2024", "NeurIPS", 2024, "accepted", None, None),
    (
        "Submited to IEEE Transactions on Information Forensics and Security",
        "TIFS", None, "submitted", None, None,
    ),
    ("ACM MM'24", "ACM MM", 2024, None, None, None),
    ("14 pages", None, None, None, 14, None),
    ("18 pages", None, None, None, 18, None),
    ("8 pages,8 figures", None, None, None, 8, 8),
    ("12 pages, 6 figures. The code for this work will be released soon", None, None, None, 12, 6),
    ("9 figures", None, None, None, None, 9),
    ("ACMMM24, 12 pages, 5 figures", "ACM MM", 2024, None, 12, 5),
    ("Accepted by MICCAI 2024", "MICCAI", 2024, "accepted", None, None),
    (
        "Accepted by International Journal of Computer Vision (IJCV) in Sept 2024",
        "IJCV", 2024, "accepted", None, None,
    ),
    ("11 pages, 5 figures", None, None, None, 11, 5),
    ("Accepted by ACM TOMM", "TOMM", None, "accepted", None, None),
    ("Accepted by IJCB 2024", "IJCB", 2024, "accepted", None, None),
    ("Accepted by IJCB 2024", "IJCB", 2024, "accepted", None, None),
    ("Accepted by BMVC 2024", "BMVC", 2024, "accepted", None, None),
    ("Accepted by ECAI 2024", "ECAI", 2024, "accepted", None, None),
]  # fmt: skip


def test_seed_feeds_have_exactly_these_comment_lines(seeds: Path) -> None:
    assert seed_comment_lines(seeds) == [row[0] for row in SEED_EXPECTED]


@pytest.mark.parametrize(("comment", "venue", "year", "status", "pages", "figures"), SEED_EXPECTED)
def test_every_seed_comment_line(
    comment: str,
    venue: str | None,
    year: int | None,
    status: str | None,
    pages: int | None,
    figures: int | None,
) -> None:
    info = parse_venue(comment)
    assert info == VenueInfo(
        venue=venue, year=year, status=status, workshop=False, presentation=None,
        pages=pages, figures=figures, tables=None, doi=None, original=comment, parsed=True,
    )  # fmt: skip


# Real comments from ../shared/data/arxiv-cs (the precision traps and common forms):
# (comment, venue, year, status, workshop)
REAL_COMMENTS = [
    ("Accepted to CVPR 2025", "CVPR", 2025, "accepted", False),
    ("CVPR2026", "CVPR", 2026, None, False),
    ("AAAI-26", "AAAI", 2026, None, False),
    ("Accepted by ICML25!", "ICML", 2025, "accepted", False),
    ("Accepted by Findings of EMNLP2025", "EMNLP", 2025, "accepted", False),
    ("19 pages, 8 figures, ACL 2026 Findings", "ACL", 2026, "accepted", False),
    ("Accepted to ACL 2025 Findings", "ACL", 2025, "accepted", False),
    ("Accepted in CVPR 2025 Workshop (CVinW)", "CVPR", 2025, "accepted", True),
    ("Accepted to GRAIL-V workshop at CVPR 2026", "CVPR", 2026, "accepted", True),
    ("to be submitted to ABAW-10 workshop of CVPR 2026", "CVPR", 2026, "submitted", True),
    ("CVPRW 2026", "CVPR", 2026, None, True),
    ("7pages, accepted by ICML TTODLer-FM workshop", "ICML", None, "accepted", True),
    ("To appear at NeurIPS 2025 - Datasets and Benchmarks Track", "NeurIPS", 2025, "to appear",
     False),
    ("Published as a conference paper at ICLR 2025", "ICLR", 2025, "published", False),
    ("Under Review (COLM 2026)", "COLM", 2026, "under review", False),
    ("Submitted to Interspeech 2026. Code: https://github.com/changelinglab/PhoneticXeus",
     "INTERSPEECH", 2026, "submitted", False),
    ("Accepted by Robotics: Science and Systems (RSS 2025)", "RSS", 2025, "accepted", False),
    ("SIGGRAPH Asia 2025", "SIGGRAPH Asia", 2025, None, False),
    ("Accepted to ACM Multimedia 2025 (MM'25)", "ACM MM", 2025, "accepted", False),
    ("Accepted by IEEE Transactions on Multimedia (TMM)", "TMM", None, "accepted", False),
    ("Published by IEEE TPAMI 2025", "TPAMI", 2025, "published", False),
    ("Accepted by Pattern Recognition. arXiv admin note: substantial text overlap with "
     "arXiv:2405.11757", "Pattern Recognition", None, "accepted", False),
    ("Accepted to IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR), 2026",
     "CVPR", 2026, "accepted", False),
    ("To appear in the 2025 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)",
     "CVPR", 2025, "to appear", False),
    ("Accepted by the 2025 IEEE International Geoscience and Remote Sensing Symposium "
     "(IGARSS 2025)", "IGARSS", 2025, "accepted", False),
    ("Accepted to Findings of the Association for Computational Linguistics: EMNLP 2025",
     "EMNLP", 2025, "accepted", False),
    ("Accepted in AAAI CONFERENCE ON WEB AND SOCIAL MEDIA (ICWSM 2026)", "ICWSM", 2026,
     "accepted", False),
    # a venue the table does not know keeps its name as written
    ("accepted at IJCNN 2026", "IJCNN", 2026, "accepted", False),
    ("Accepted to IEEE-EMBS International Conference on Biomedical and Health Informatics "
     "(BHI 2025)", "BHI", 2025, "accepted", False),
    ("Accepted at the World Modeling Workshop 2026", "World Modeling Workshop", 2026,
     "accepted", True),
    ("6 pages, 3 figures, 2 algorithms, ETRA26", "ETRA", 2026, None, False),
    ("Submitted to Acta Astronautica", "Acta Astronautica", None, "submitted", False),
    # references to another venue are not this paper's venue
    ("Accepted by TPAMI, extension of CVPR 2024 paper DreamComposer", "TPAMI", None,
     "accepted", False),
    ("Journal extension of NeurIPS 2024. arXiv admin note: substantial text overlap with "
     "arXiv:2410.05982", None, None, None, False),
    ("Extended version of ICML 2025 paper", None, None, None, False),
    ("This is an extended version of a paper accepted to MIPR 2025", None, None, None, False),
    ("A preliminary version appeared in AAMAS '25", None, None, None, False),
    ("Strong accept by NeurIPS2025 Reviewers and AC, but reject by PC. (Rating: 6,5,4,4)",
     None, None, None, False),
    ("Winning solution to the NeurIPS 2024 Erasing the Invisible challenge", None, None,
     None, False),
    ("Submitted to ACL Rolling Review of October", None, None, "submitted", False),
    ("5 pages, 2 figures, 2 tables. Conforms to the ACL Rolling Review (ARR) short paper "
     "track. Code and data available at: https://github.com/CuiNiki/LLMs-Are-Not-Scorers",
     None, None, None, False),
    ("Journal extension of WACV 2024 paper (arXiv:2311.04066). Code is available at "
     "https://github.com/swimmiing/ACL-SSL", None, None, None, False),
    ("Computer Vision and Pattern Recognition (cs.CV); Artificial Intelligence (cs.AI)",
     None, None, None, False),
    # no venue, but a status
    ("Preprint. Under review", None, None, "under review", False),
    ("This work has been submitted to the IEEE for possible publication", None, None,
     "submitted", False),
]  # fmt: skip


@pytest.mark.parametrize(("comment", "venue", "year", "status", "workshop"), REAL_COMMENTS)
def test_real_comments(
    comment: str, venue: str | None, year: int | None, status: str | None, workshop: bool
) -> None:
    info = parse_venue(comment)
    assert (info.venue, info.year, info.status, info.workshop) == (venue, year, status, workshop)
    assert info.original == comment


def test_extras_from_a_real_comment() -> None:
    comment = (
        "Accepted to EMNLP 2025 Main Conference. 22 pages, 3 figures, 13\n  tables. "
        "GitHub: github.com/yuboxie/chime"
    )
    info = parse_venue(comment)
    assert (info.venue, info.year, info.status) == ("EMNLP", 2025, "accepted")
    assert (info.pages, info.figures, info.tables) == (22, 3, 13)
    assert info.original == comment  # verbatim, line break included


def test_presentation_and_doi_from_real_comments() -> None:
    assert parse_venue("AAAI-26 Oral").presentation == "oral"
    assert parse_venue("ICCV 2025 (Highlight)").presentation is None
    info = parse_venue(
        "Accepted at ACL 2026 Findings (Oral). 9 pages, 5 figures, 11 tables, plus appendix"
    )
    assert (info.venue, info.year, info.presentation, info.tables) == ("ACL", 2026, "oral", 11)
    info = parse_venue("This work is published in IEEE Access DOI: 10.1109/ACCESS.2025.3645091")
    assert (info.venue, info.status, info.doi) == (
        "IEEE Access", "published", "10.1109/ACCESS.2025.3645091",
    )  # fmt: skip


def test_counts_written_as_words_and_none() -> None:
    info = parse_venue(
        "Total pages 29 including references, six figures, seven tables.\n"
        "  Submitted to an Elsevier journal"
    )
    assert (info.pages, info.figures, info.tables) == (29, 6, 7)
    assert (info.venue, info.status) == (None, "submitted")
    assert parse_venue("6 pages, no figures").figures == 0


@pytest.mark.parametrize(
    ("journal_ref", "venue", "year"),
    [
        ("Phys.Rev.D76:013009,2007", "Phys.Rev.D", 2007),
        ("J.Phys.A 41, 155303 (2008)", "J.Phys.A", 2008),
        ("Phys. Rev. A 76, 063602 (2007).", "Phys. Rev. A", 2007),
        ("Physical Review Letters 99 (2007) 236803", "Physical Review Letters", 2007),
        ("JCAP0708:010,2007", "JCAP", 2007),
        ("Nature 446, 664 (2007)", "Nature", 2007),
        ("Science 315, 1556 (2007)", "Science", 2007),
        ("J. Phys. A: Math. Theor. 40 (2007) 8265-8288.", "J. Phys. A: Math. Theor.", 2007),
        ("AIP Conference Proceedings -- May 23, 2007 -- Volume 913, pp.\n  62-67",
         "AIP Conference Proceedings", 2007),
        ("Acta Applicandae Mathematicae. vol 113, 1 (2011)", "Acta Applicandae Mathematicae", 2011),
        ("IEEE Electron Device Letters, Vol. 28, Issue 8, pp. 760 - 762,\n  2007",
         "IEEE Electron Device Letters", 2007),
        ("Revised and published in ACM Trans. Comput. Logic 10, Article 22,\n  2009, under the "
         'title "Differential Recursion".', "ACM Trans. Comput. Logic", 2009),
        ("Neural Computation 20:1821-1846 (2008)", "Neural Computation", 2008),
    ],
)  # fmt: skip
def test_journal_refs_from_the_kaggle_snapshot(journal_ref: str, venue: str, year: int) -> None:
    info = parse_venue(None, journal_ref)
    assert (info.venue, info.year, info.status, info.original) == (
        venue, year, "published", journal_ref,
    )  # fmt: skip


def test_journal_ref_wins_and_both_texts_are_kept(shared_data: Path) -> None:
    path = shared_data / "arxiv-kaggle" / "snapshot-head-0704.0001-0704.0200.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    record = next(r for r in records if r["id"] == "0704.0001")
    info = parse_venue(record["comments"], record["journal-ref"])
    assert record["journal-ref"] == "Phys.Rev.D76:013009,2007"
    assert (info.venue, info.year, info.status) == ("Phys.Rev.D", 2007, "published")
    assert (info.pages, info.figures) == (37, 15)
    assert info.original == f"{record['comments']} | {record['journal-ref']}"


def test_a_venue_in_the_table_is_normalised_in_a_journal_ref() -> None:
    # hand-written: the arXiv cs file has no journal-refs and the Kaggle ones are physics
    info = parse_venue("Submitted to NeurIPS 2024", "Proceedings of ICML 2025, PMLR 267")
    assert (info.venue, info.year, info.status) == ("ICML", 2025, "published")


@pytest.mark.parametrize(
    "text", ["Work in progress", "in Arabic language", "28", "UIUC 25 Fall CS 498"]
)
def test_unrecognised_text_is_kept_unparsed(text: str) -> None:
    assert parse_venue(text) == VenueInfo(
        venue=None, year=None, status=None, workshop=False, presentation=None, pages=None,
        figures=None, tables=None, doi=None, original=text, parsed=False,
    )  # fmt: skip


def test_empty_input() -> None:
    for comments, ref in ((None, None), ("", None), ("  \n ", "")):
        info = parse_venue(comments, ref)
        assert (info.original, info.parsed, info.venue) == (None, False, None)


def test_years_outside_1980_to_2030_are_not_years() -> None:
    assert (parse_venue("Accepted by NeurIPS 2035").venue, parse_venue("NeurIPS 2035").year) == (
        "NeurIPS",
        None,
    )
    assert parse_venue("ICML'45").year is None
    assert parse_venue("Accepted at ICML'98").year == 1998


def test_never_raises_on_odd_strings() -> None:
    odd = [
        "(", ")", "((((", "Accepted at (", "(IJCV", "Accepted by", "accepted at the the the",
        "\x00\x01", "’’’", "ACL ACL ACL;;;; || ..", "10.", "10.1234/", "pages pages 0 pages",
        "ÉCCV 2024", "Nature", "Science", "W", "-W", "CVPR'", "CVPR-", "2024", "'24",
        "Submitted to ; rejected", "\u200b\u00a0ICCV\u00a02025", "x" * 5000, "ICML " * 500,
    ]  # fmt: skip
    rng = random.Random(4)
    alphabet = string.printable + "’‘–—éü()@'"
    odd += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(500)]
    for text in odd:
        info = parse_venue(text, text)
        assert info.original is None or text in info.original


def test_alias_names_are_unique() -> None:
    names = [venue.name for venue in VENUES]
    assert len(names) == len(set(names))


def load_real_comments(shared_data: Path) -> list[str]:
    path = shared_data / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line)["comments"] for line in lines if '"comments": "' in line]


@pytest.mark.slow
def test_every_real_comment_parses(shared_data: Path) -> None:
    comments = load_real_comments(shared_data)
    infos = [parse_venue(comment) for comment in comments]
    assert len(comments) == 28745
    assert all(info.original == comment for info, comment in zip(infos, comments, strict=True))
    assert sum(1 for info in infos if info.venue) > 13000


# Issue 17: a workshop keeps its own name beside its host; "X @ VENUE" names a workshop.
# (comment, venue, year, workshop, workshop_name); the first five are the issue's own
# examples, the rest real comments from ../shared/data/arxiv-cs.
WORKSHOP_COMMENTS = [
    ("ICML MemFM 2026 Workshop", "ICML", 2026, True, "MemFM"),
    ("BioNLP Workshop, ACL 2026", "ACL", 2026, True, "BioNLP"),
    ("7th Workshop on Open-Source Arabic Corpora and Processing Tools (OSACT7), co-located "
     "with LREC 2026", "LREC", 2026, True, "OSACT7"),
    ("MemFM @ ICML 2026", "ICML", 2026, True, "MemFM"),
    ("World Model @ ICLR 2026", "ICLR", 2026, True, "World Model"),
    ("Accepted at TrustNLP@NAACL 2025", "NAACL", 2025, True, "TrustNLP"),
    ("Accepted at MisD @ AAAI ICWSM 2025", "ICWSM", 2025, True, "MisD"),
    ("Accepted to W-NUT 2025 @ NAACL", "NAACL", 2025, True, "W-NUT"),
    ("Accepted at DIG-BUGS: Data in Generative Models Workshop @ ICML 2025", "ICML", 2025,
     True, "DIG-BUGS"),
    ("Accepted for publication, Multimodal Learning and Applications Workshop (MULA 2025) @ "
     "IEEE/CVF CVPR 2025, Nashville, TN, USA, June 2025.", "CVPR", 2025, True, "MULA"),
    ("Accepted at 5th Workshop on Scholarly Document Processing @ ACL 2025", "ACL", 2025,
     True, "Scholarly Document Processing"),
    ("Accepted to the C3NLP workshop (Co-located with NAACL 2025)", "NAACL", 2025, True,
     "C3NLP"),
    ("Accepted in CVPR 2025 Workshop (CVinW)", "CVPR", 2025, True, "CVinW"),
    ("Accepted to CVPR 2025 workshop on Harnessing Generative Models for Synthetic Visual "
     "Datasets (SyntaGen)", "CVPR", 2025, True, "SyntaGen"),
    ("Accepted into the Gender Bias in NLP Workshop at ACL 2025 (GeBNLP@ACL2025)", "ACL",
     2025, True, "Gender Bias in NLP"),
    ("Accepted and presented poster at FGVC12 (CVPR 2025 Workshop), Nashville, June 11, 2025",
     "CVPR", 2025, True, "FGVC12"),
    ("This paper has been accepted at AAMAS 2026 Workshop MABS", "AAMAS", 2026, True, "MABS"),
    ("Published as a Bi-Align workshop paper at ICLR 2025", "ICLR", 2025, True, "Bi-Align"),
    ("7pages, accepted by ICML TTODLer-FM workshop", "ICML", None, True, "TTODLer-FM"),
    # a workshop without a name of its own, and "@" after a status word: no workshop name
    ("Accepted to CVPR 2025 workshop", "CVPR", 2025, True, None),
    ("CVPRW 2026", "CVPR", 2026, True, None),
    ("Accepted @ ICC 2025", "ICC", 2025, False, None),
    ("10 pages, 2 figures, under review @ MICCAI", "MICCAI", None, False, None),
    ("Accepted as long paper @RANLP2025", "RANLP", 2025, False, None),
    ("Accepted to appear @ ICWSM 2025. The link to the camera-ready paper will be added soon",
     "ICWSM", 2025, False, None),
]  # fmt: skip


@pytest.mark.parametrize(("comment", "venue", "year", "workshop", "name"), WORKSHOP_COMMENTS)
def test_workshop_names(
    comment: str, venue: str, year: int | None, workshop: bool, name: str | None
) -> None:
    info = parse_venue(comment)
    assert (info.venue, info.year, info.workshop, info.workshop_name) == (
        venue, year, workshop, name,
    )  # fmt: skip


def test_workshop_name_is_dropped_when_the_journal_ref_names_another_venue() -> None:
    info = parse_venue("BioNLP Workshop, ACL 2026", "Phys.Rev.D76:013009,2007")
    assert (info.venue, info.workshop, info.workshop_name) == ("Phys.Rev.D", False, None)


def test_venue_info_can_still_be_built_without_a_workshop_name() -> None:
    info = VenueInfo(
        venue=None, year=None, status=None, workshop=False, presentation=None, pages=None,
        figures=None, tables=None, doi=None, original=None, parsed=False,
    )  # fmt: skip
    assert info.workshop_name is None


# Two-digit years (issue 17), from real comments; page counts stay page counts.
@pytest.mark.parametrize(
    ("comment", "venue", "year", "pages"),
    [
        ("10 pages, 7 figures, SIGGRAPH Conference Papers '25", "SIGGRAPH", 2025, 10),
        ("SIGGRAPH Conference Papers '26", "SIGGRAPH", 2026, None),
        ("CVPR'25. Project page: https://dp-recon.github.io/", "CVPR", 2025, None),
        ("ACM MM'24", "ACM MM", 2024, None),
        ("The paper is accepted by ACM MM' 25", "ACM MM", 2025, None),
        ("Accepted by CIKM' 25", "CIKM", 2025, None),
        ("Genetic and Evolutionary Computation Conference (GECCO' 25)", "GECCO", 2025, None),
        ("The 33rd ACM Multimedia Conference (MM '25)", "ACM MM", 2025, None),
        ("9 pages, 5 figures. In Proceedings of the 32nd ACM International Conference on "
         "Multimedia (MM '24)", "ACM MM", 2024, 9),
        ("Accepted at Thirty-Eighth Annual Conference on Innovative Applications of Artificial "
         "Intelligence (IAAI-26)", "IAAI", 2026, None),
        ("ICML 25 pages", "ICML", None, 25),
    ],
)  # fmt: skip
def test_two_digit_years(comment: str, venue: str, year: int | None, pages: int | None) -> None:
    info = parse_venue(comment)
    assert (info.venue, info.year, info.pages) == (venue, year, pages)


@pytest.mark.parametrize(
    ("comment", "venue", "year"),
    [
        # up to four small words between the status word and the venue
        ("6 pages. Accepted as a full paper to the 3rd International Conference on Foundation "
         "and Large Language Models (IEEE FLLM) 2025", "FLLM", 2025),
        # a "Conference:" label opens the name of a venue the table does not know
        ("Conference: HCI International 2025, 20 pages, 4 figures", "HCI International", 2025),
        # a longer version of a workshop paper is not at that workshop
        ("13 pages, 9 figures, longer version of the paper presented at TAIG ICML 2025",
         None, None),
    ],
)  # fmt: skip
def test_forms_found_on_the_dev_sample(comment: str, venue: str | None, year: int | None) -> None:
    info = parse_venue(comment)
    assert (info.venue, info.year) == (venue, year)
