"""Code availability: the seed pages' Code badges, every seed feed record, and edge cases
taken from the real arXiv file (``../shared/data/arxiv-cs``), quoted with their ids."""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from scholarscope.enrich.code_links import CodeStatus, find_code, link_kind
from scholarscope.ingest import arxiv_feed, profile_page
from scholarscope.records import ParseItem, Work

Parser = Callable[[Iterable[str], str], Iterator[ParseItem]]


def _works(seeds: Path, pattern: str, parse: Parser) -> list[Work]:
    works: list[Work] = []
    for path in sorted(seeds.glob(pattern)):
        with path.open(encoding="utf-8") as lines:
            items = parse(lines, path.name)
            works.extend(item for item in items if isinstance(item, Work))
    return works


# --- the seed profile pages -------------------------------------------------------------


def test_seed_pages_agree_with_the_code_badge(seeds: Path) -> None:
    works = _works(seeds, "00[13]_*.txt", profile_page.parse)
    confusion = Counter((bool(w.code_badge), find_code(w.abstract).state) for w in works)
    assert confusion == {
        (True, "available"): 27,
        (True, "none"): 2,
        (False, "promised"): 3,
        (False, "none"): 68,
    }
    # The page knows more than the text: code in the supplementary material, no link.
    badge_only = {w.title: find_code(w.abstract) for w in works if w.code_badge}
    missed = {title: s.evidence for title, s in badge_only.items() if s.state != "available"}
    assert missed == {
        "Mamba-CL: Optimizing Selective State Space Model in Null Space for Continual "
        "Learning": "Code is available in the supplementary materials.",
        "StPR: Spatiotemporal Preservation and Routing for Exemplar-Free Video "
        "Class-Incremental Learning": "Code is available in the supplementary materials.",
    }


@pytest.mark.parametrize(
    ("title_start", "url"),
    [
        # \href{url}{url}
        (
            "Improving Adversarial Robustness via Decoupled",
            "https://github.com/chenboluo/Adversarial-defense",
        ),
        # \url{ never closed, sentence full stop right after the link
        ("Semi-parametric Makeup Transfer", "https://github.com/AnonymScholar/SpMT"),
        # \emph{url.} : the full stop inside the braces
        ("Federated Face Forgery Detection", "https://github.com/GANG370/PFR-Forgery"),
        # <url>
        ("Diffusion-based Layer-wise Semantic", "https://github.com/xbyym/DLSR"),
        # at~{\color{magenta}{url}}
        (
            "Underwater Camouflaged Object Tracking",
            "https://github.com/983632847/Awesome-Multimodal-Object-Tracking",
        ),
        # "will be available at {\color{magenta}url}": a link given now is available
        (
            "How Far are Modern Trackers",
            "https://github.com/983632847/Awesome-Multimodal-Object-Tracking",
        ),
    ],
)
def test_seed_page_links(seeds: Path, title_start: str, url: str) -> None:
    works = _works(seeds, "00[13]_*.txt", profile_page.parse)
    (work,) = [w for w in works if w.title and w.title.startswith(title_start)]
    status = find_code(work.abstract)
    assert (status.state, status.url, status.urls) == ("available", url, (url,))
    assert work.code_badge is True


def test_seed_page_dataset_page_is_not_code(seeds: Path) -> None:
    works = _works(seeds, "00[13]_*.txt", profile_page.parse)
    (work,) = [w for w in works if w.title and w.title.startswith("The 2nd Anti-UAV Workshop")]
    # "The benchmark dataset and other information can be found at: https://anti-uav.github.io/."
    assert find_code(work.abstract) == CodeStatus("none", None, ("https://anti-uav.github.io",))
    assert work.code_badge is False


# --- the seed feeds ---------------------------------------------------------------------

FEED_DECISIONS = {
    "arxiv:2409.19252": ("none", None),
    "arxiv:2409.14432": ("none", None),
    "arxiv:2409.09291": ("none", None),
    "arxiv:2409.08598": ("promised", None),  # The code will be publicly available.
    "arxiv:2409.04714": ("available", "https://github.com/O937-blip/SimIR"),  # will be released at
    "arxiv:2409.02438": ("none", None),
    "arxiv:2408.14135": ("none", None),
    "arxiv:2408.10694": ("none", None),
    "arxiv:2408.07476": ("available", "https://github.com/LearningHx/TAD-SR"),  # TAD-SR, 18 pages
    "arxiv:2408.05743": ("none", None),
    "arxiv:2410.09865": ("promised", None),  # Our code will be made publicly available.
    "arxiv:2409.14461": ("none", None),
    "arxiv:2409.12040": ("available", "https://github.com/XieYiping66/SFDA-rPPG"),
    "arxiv:2409.09724": ("none", None),
    "arxiv:2409.05393": ("none", None),
    "arxiv:2408.08338": ("promised", None),  # comments: "... will be released soon"
    "arxiv:2408.05502": ("available", "https://github.com/Tiger-SN/GEM"),  # a bare link
    "arxiv:2408.04604": ("available", "https://github.com/M-3LAB/Group3AD"),
    "arxiv:2407.13426": ("available", "https://github.com/x-xc/WiNet"),
    "arxiv:2406.20078": ("none", None),
    "arxiv:2409.03501": ("available", "https://github.com/RizhaoCai/FAS_Aug"),
    "arxiv:2408.12141": ("none", None),
    "arxiv:2408.11424": ("available", "https://github.com/xxtars/EMO-LLaMA"),
    "arxiv:2408.10883": ("available", "https://github.com/SuXinqi/DAAD"),  # will be available at
    "arxiv:2408.07675": ("promised", None),  # The codes will be released soon.
    "arxiv:2408.02769": ("available", "https://github.com/linuxsino/ARR"),
    "arxiv:2407.20141": ("none", None),
    "arxiv:2407.19981": ("none", None),
    "arxiv:2407.14746": ("promised", None),
    "arxiv:2407.08243": ("promised", None),
}


def test_every_seed_feed_record(seeds: Path) -> None:
    works = _works(seeds, "00[024]_*.txt", arxiv_feed.parse)
    decisions = {}
    for work in works:
        status = find_code(work.abstract, work.comments)
        decisions[work.ids[0]] = (status.state, status.url)
        assert status.urls == ((status.url,) if status.url else ())
    assert decisions == FEED_DECISIONS


def test_feed_promise_evidence_from_the_comments_line(seeds: Path) -> None:
    works = _works(seeds, "002_*.txt", arxiv_feed.parse)
    (work,) = [w for w in works if w.ids[0] == "arxiv:2408.08338"]
    assert work.comments == "12 pages, 6 figures. The code for this work will be released soon"
    assert find_code(work.abstract, work.comments).evidence == (
        "The code for this work will be released soon"
    )


# --- edge cases from the arXiv file (real text, id in the comment) ----------------------


@pytest.mark.parametrize(
    ("text", "state", "url"),
    [
        # 2505.05446: the host broken by a line wrap
        (
            "Our code and models are released at https://github.\ncom/Euphoria16/DocMark.",
            "available",
            "https://github.com/Euphoria16/DocMark",
        ),
        # 2504.13131: a hyphen at the wrap belongs to the repository name
        (
            "The project is\npublicly available at https://github.com/lixinustc/KVQE-\n"
            "ChallengeCVPR-NTIRE2025.",
            "available",
            "https://github.com/lixinustc/KVQE-ChallengeCVPR-NTIRE2025",
        ),
        # 2506.05154: a space after the owner
        (
            "Our code are\navailable at https://github.com/lcy80366872/ knowledgeable-r1.",
            "available",
            "https://github.com/lcy80366872/knowledgeable-r1",
        ),
        # 2506.03619: a space inside the owner's name
        (
            "The code and dataset are available at\nhttps://github.com/CyberAgentA ILab/YokaiEval.",
            "available",
            "https://github.com/CyberAgentAILab/YokaiEval",
        ),
        # 2506.02393: an English word after the wrap is not the repository
        (
            "Our code will be available at https://github.com/yongxianLiu/\nsoon.",
            "available",
            "https://github.com/yongxianLiu",
        ),
        # 2503.13477: the wrap right after the scheme; an anonymised review mirror
        (
            "Code: https://\nanonymous.4open.science/r/Bone-Loss-Keypoint-Detection-Code. "
            "Dataset:\nhttps://bit.ly/4hJ3aE7.",
            "available",
            "https://anonymous.4open.science/r/Bone-Loss-Keypoint-Detection-Code",
        ),
        # 2503.17057: LaTeX-escaped underscores
        (
            "Our codes are publicly\navailable on https://github.com/13204942/SSL\\_Cervical\\_Segmentation.",
            "available",
            "https://github.com/13204942/SSL_Cervical_Segmentation",
        ),
        # 2503.18382: link in parentheses, glued to a word
        (
            "Code and models are publicly available at\nPaddleOCR(https://github.com/PaddlePaddle/"
            "PaddleOCR) and\nPaddleX(https://github.com/PaddlePaddle/PaddleX).",
            "available",
            "https://github.com/PaddlePaddle/PaddleOCR",
        ),
        # 2503.12460: no scheme
        (
            "Code will be at github.com/Xu3XiWang/CAD-GD.",
            "available",
            "https://github.com/Xu3XiWang/CAD-GD",
        ),
        # 2503.11787: www., and 2503.13440: http
        (
            "open-source and\navailable at https://www.github.com/sremedios/eclare.",
            "available",
            "https://github.com/sremedios/eclare",
        ),
        (
            "Code and models are released at http://github.com/hustvl/MaTVLM.",
            "available",
            "https://github.com/hustvl/MaTVLM",
        ),
        # 2503.12559: .git and a full stop
        (
            "Our code is available at\nhttps://github.com/SCZwangxiao/video-FlexReduc.git.",
            "available",
            "https://github.com/SCZwangxiao/video-FlexReduc",
        ),
        # 2506.11175: an organisation's page is a code-host link
        (
            "The Code is released at\nhttps://github.com/ChenHuyoo .",
            "available",
            "https://github.com/ChenHuyoo",
        ),
        # 2505.11121: a self-hosted GitLab
        (
            "The code of this work is publicly available at\n"
            "https://git.tu-berlin.de/rsim/redundacy-aware-rs-vlm.",
            "available",
            "https://git.tu-berlin.de/rsim/redundacy-aware-rs-vlm",
        ),
        # 2604.19758: a Hugging Face dataset whose sentence says the code is there
        (
            "Dataset and code are open-source at https://huggingface.co/datasets/olivenet/thermoqa",
            "available",
            "https://huggingface.co/datasets/olivenet/thermoqa",
        ),
        # 2503.13740: "www.github.com" with no repository is no link
        (
            "The source code will\nbe made publicly available at www.github.com.",
            "promised",
            None,
        ),
        # 2505.22046: "https://github.com/" and nothing after it
        (
            "The code, the CHV\ndataset, and the evaluation metrics will be available at "
            "https://github.com/\n--.",
            "promised",
            None,
        ),
        # promises (2503.14736, 2505.15294, 2508.11354), and offers on request that are none
        # (2503.22120, 2604.17828)
        ("We will release the code and pre-trained models upon acceptance.", "promised", None),
        (
            "The code will\nbe made open-source following the acceptance of the paper.",
            "promised",
            None,
        ),
        (
            "The code\nis available at: [link to be added after the paper is accepted]",
            "promised",
            None,
        ),
        ("Code will be made\navailable upon request.", "none", None),
        ("Code available from corresponding author upon request", "none", None),
        # 2604.20623: a dataset link alone is not code
        (
            "The dataset is available at https://huggingface.co/datasets/google/RSRCC.",
            "none",
            None,
        ),
        # 2504.03238: "software containers" is the topic, not released software
        (
            "containing 3364 large-scale RGB images of\nbenign and compromised software "
            "containers at\nhttps://huggingface.co/datasets/k3ylabs/cosoco-image-dataset.",
            "none",
            None,
        ),
        # 2503.15265: a project page alone is not code
        ("Project page:\nhttps://zhaorw02.github.io/DeepMesh/", "none", None),
        # 2603.16733: "code" as a research topic
        (
            "We believe the release of the IQuest-Coder-V1 series, including the complete "
            "white-box chain of checkpoints from pre-training bases to the final thinking and "
            "instruction models, will advance research in autonomous code intelligence and "
            "real-world agentic systems.",
            "none",
            None,
        ),
    ],
)
def test_real_edge_cases(text: str, state: str, url: str | None) -> None:
    status = find_code(text)
    assert (status.state, status.url) == (state, url)


def test_href_with_the_url_twice_gives_one_link() -> None:
    # 2503.12418
    text = (
        "Code is available at\n\\href{https://github.com/xielaobanyy/causal-imt}"
        "{https://github.com/xielaobanyy/causal-imt}."
    )
    assert find_code(text) == CodeStatus(
        "available",
        "https://github.com/xielaobanyy/causal-imt",
        ("https://github.com/xielaobanyy/causal-imt",),
        "Code is available at \\href{https://github.com/xielaobanyy/causal-imt}"
        "{https://github.com/xielaobanyy/causal-imt}.",
    )


def test_code_host_first_other_links_kept_in_order() -> None:
    # 2503.21694 comments
    status = find_code(
        None,
        "Accepted to CVPR 2025.\n  Code:https://github.com/theEricMa/TriplaneTurbo.\n"
        "  Demo:https://huggingface.co/spaces/ZhiyuanthePony/TriplaneTurbo",
    )
    assert status.url == "https://github.com/theEricMa/TriplaneTurbo"
    assert status.urls == (
        "https://github.com/theEricMa/TriplaneTurbo",
        "https://huggingface.co/spaces/ZhiyuanthePony/TriplaneTurbo",
    )


def test_git_host_before_hugging_face() -> None:
    # 2510.06961 comments
    status = find_code(
        None,
        "Submitted to ICASSP 2026; Leaderboard:\n  https://huggingface.co/spaces/hf-audio/"
        "open_asr_leaderboard; Code:\n  https://github.com/huggingface/open_asr_leaderboard",
    )
    assert status.url == "https://github.com/huggingface/open_asr_leaderboard"
    assert status.urls == (
        "https://huggingface.co/spaces/hf-audio/open_asr_leaderboard",
        "https://github.com/huggingface/open_asr_leaderboard",
    )


def test_page_link_is_code_when_another_sentence_says_so() -> None:
    # 2503.13836: the claim in the abstract, the page in the comments
    status = find_code(
        "demonstrates practical\nversatility. Code\nis available at project page.",
        "CVPR 2025; Project page\n  https://seokhyeonhong.github.io/projects/salad/",
    )
    assert (status.state, status.url) == (
        "available",
        "https://seokhyeonhong.github.io/projects/salad",
    )


def test_promise_keeps_the_project_page() -> None:
    # 2503.13217: the scheme broken by a wrap
    status = find_code(
        "Our policy, example data, and training\ncode will be publicly available upon "
        "publication. Project page: https:\n//selen-suyue.github.io/DspNet/."
    )
    assert status == CodeStatus(
        "promised",
        None,
        ("https://selen-suyue.github.io/DspNet",),
        "Our policy, example data, and training code will be publicly available upon publication.",
    )


def test_known_limit_someone_elses_repository_counts() -> None:
    # 2507.09950: the link is to a dataset the authors used, not to their code. The text
    # gives no reliable sign of whose repository it is, so it counts (see the module).
    status = find_code(
        "We have used the dataset\nDeepFashion-MultiModal (https://github.com/yumingj/"
        "DeepFashion-MultiModal) to\nevaluate these models in the attribution tasks of "
        "fashion products."
    )
    assert status.url == "https://github.com/yumingj/DeepFashion-MultiModal"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/a/b", "code"),
        ("https://huggingface.co/Owkin-Bioptimus/CytoSyn", "code"),
        ("https://huggingface.co/spaces/nvidia/lotus-vlm-bias-leaderboard", "code"),
        ("https://huggingface.co/datasets/google/RSRCC", "data"),
        ("https://huggingface.co/papers/2504.00001", None),
        ("https://anonymous.4open.science/r/DebateCV-6781", "code"),
        ("https://pypi.org/project/geomprompt", "code"),
        ("https://gitlab.com/prophet.ai.inc/drone-based-riverbed-inspection", "code"),
        ("https://zju3dv.github.io/murre", "page"),
        ("https://doi.org/10.5281/zenodo.15065601", "page"),
        ("https://doi.org/10.1145/3664647.3680919", None),
        ("https://www.youtube.com/watch?v=wSGHpAscp0Y", None),
        ("https://github.com/topics/llm", None),
    ],
)
def test_link_kind(url: str, kind: str | None) -> None:
    assert link_kind(url) == kind


# --- bad input --------------------------------------------------------------------------


def test_nothing_to_read() -> None:
    none = CodeStatus("none", None, (), None)
    assert find_code() == none
    assert find_code(None, "") == none
    assert find_code("   \n ", None) == none


def test_odd_input_never_raises() -> None:
    pieces = [
        "https://",
        "http:",
        "//",
        "www.",
        "github.com/",
        "github.",
        "com/",
        "/",
        "-",
        "_",
        ".",
        " ",
        "\n",
        "{",
        "}",
        "\\href{",
        "\\url{",
        "(",
        ")",
        "a",
        "Code",
        "will be",
        "released",
        "soon",
        "huggingface.co/datasets/",
        "x.github.io",
        "\\_",
        "%",
        "~",
        "é",
    ]
    rng = random.Random(7)
    states: Counter[str] = Counter()
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        states[find_code(text, text[::-1], None).state] += 1
    assert sum(states.values()) == 3000
    assert find_code(42, b"bytes") == CodeStatus("none")  # type: ignore[arg-type]


@pytest.mark.slow
def test_whole_arxiv_file(shared_data: Path) -> None:
    path = shared_data / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
    states: Counter[str] = Counter()
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            states[find_code(record["abstract"], record["comments"]).state] += 1
    assert states == {"available": 10662, "promised": 1462, "none": 48295}


# Issue 17: link forms found on the real abstracts of ../shared/data/arxiv-cs.
@pytest.mark.parametrize(
    ("text", "state", "url"),
    [
        # glued to the word before (2506.23270)
        ("The code is available atgithub.com/xmed-lab/TAM.", "available",
         "https://github.com/xmed-lab/TAM"),
        # a LaTeX dot inside the host (2507.16472, 2510.14143)
        ("Our code can be available on\nhttps://github$.$com/VanLinLin/DenseSR", "available",
         "https://github.com/VanLinLin/DenseSR"),
        ("cubic is openly available at\nhttps://github$.$com/alxndrkalinin/cubic", "available",
         "https://github.com/alxndrkalinin/cubic"),
        # an anonymised project page (/w/) is a page: available only when code is said there
        ("Code and demos are available at https://anonymous.4open.science/w/FunCineForge.",
         "available", "https://anonymous.4open.science/w/FunCineForge"),
        ("Audio samples are available at https://anonymous.4open.science/w/HiStyle-2517/.",
         "none", None),
        # placeholders give no repository (2510.06386, 2504.19443, 2512.21842)
        ("Code will be released upon publication at\nhttps://github.com/xxxx.", "promised",
         None),
        ("Our code is available at\nhttps://github.com/anonymized-link.", "none", None),
        ("and codes are open-sourced at https://github.com/XXX.", "none", None),
        # a user name that only begins like a placeholder is a real account
        ("Code: https://github.com/AnonymScholar/SpMT", "available",
         "https://github.com/AnonymScholar/SpMT"),
        # Code Ocean capsules are code
        ("Code: https://codeocean.com/capsule/1234567/tree", "available",
         "https://codeocean.com/capsule/1234567/tree"),
        # a repository link split by a space after the owner (2602.19004)
        ("Code is available at https://github.com/bbvisual/ MoBind. 8 pages", "available",
         "https://github.com/bbvisual/MoBind"),
    ],
)  # fmt: skip
def test_link_forms_from_issue_17(text: str, state: str, url: str | None) -> None:
    status = find_code(text)
    assert (status.state, status.url) == (state, url)
