"""Code availability from the text of a work: repository links and promises of code.

``find_code(abstract, comments, ...)`` reads free text and says whether code is
``available`` (a link to it is given), ``promised`` ("code will be released", no link) or
``none``. The Code badge shows ``available``.

    >>> status = find_code("Codes are available at https://github.com/LearningHx/TAD-SR.")
    >>> status.state, status.url
    ('available', 'https://github.com/LearningHx/TAD-SR')

Decisions (each one is tested on real text):

- **Code hosts** count whatever the repository holds (code, a dataset, an "awesome"
  list): GitHub (users and organisations too: ``github.com/ClawGym``), GitLab and
  self-hosted ``git.*`` / ``gitlab.*`` servers, Bitbucket, Codeberg, Gitee, SourceForge,
  PyPI projects, Code Ocean capsules, Hugging Face models, spaces and collections, and
  anonymised review mirrors (``anonymous.4open.science/r/...``: a browsable copy of the
  code, given now; its ``/w/...`` pages are project pages). A template link
  (``github.com/xxxx``, ``github.com/anonymized-link``) gives no repository.
  This is what the seed profile pages badge: their "dataset and codes are available at
  https://github.com/..." papers carry the Code badge.
- **Data and pages are kept, but are not code on their own.** Hugging Face *dataset*
  links, project pages (``*.github.io``, ``sites.google.com``, a lab's site), Zenodo and
  OSF records go into ``urls``; such a link makes the work ``available`` only when its
  own sentence says code is there ("Code and models: https://x.github.io"), or another
  sentence says the code is on the project page. A project page alone ("Project page:
  https://x.github.io") is not a Code badge: the seed page shows none for "The benchmark
  dataset ... can be found at: https://anti-uav.github.io/". Links that are never
  project links (DOIs of papers, arXiv, YouTube, OpenReview, ...) are dropped.
- **A link given now is available**, even in the future tense: "The source code and
  models will be released at https://github.com/O937-blip/SimIR." is ``available``:
  the repository exists and is the place to watch. Without a link, "code will be
  released / made publicly available / open-sourced" is ``promised``; "available upon
  request" is not a promise of public code and stays ``none``.
- **Code without a link** ("Code is available in the supplementary materials") is
  ``none``, with that sentence kept as ``evidence`` so a reader sees why.
- **Broken links are mended** before they are read: LaTeX escapes (``\\_``, a ``$.$`` dot
  in a host), a host glued to the word before ("atgithub.com/x/y"), ``\\url{}``,
  ``\\href{url}{text}`` and ``{\\color{..}url}`` wrappers (the URL stops at a brace), and
  a link split by a line wrap or a stray space: after ``https://``, inside the host
  (``https://github.\\ncom/x/y``), after a hyphen (``KVQE-\\nChallenge``) and where a
  repository link still lacks its repository (``github.com/owner/\\nrepo``), unless the
  next word is an ordinary English word ("github.com/yongxianLiu/\\nsoon" stays a user
  link). Trailing punctuation, ``.git`` and a final ``/`` are cut; a scheme is added
  (``github.com/x/y`` -> ``https://github.com/x/y``); a deep link (``.../tree/main/x``)
  is kept as written.
- **Known limit:** a code-host link to someone else's work ("we used the dataset X
  (https://github.com/...)") counts too; the text rarely says whose code it is.

``url`` is the first code-host link, else the page or data link the decision rests on;
``urls`` holds every code, data and project link in order of appearance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

AVAILABLE = "available"
PROMISED = "promised"
NONE = "none"

MAX_EVIDENCE_CHARS = 300
MAX_JOINS = 3  # pieces glued onto one broken link

_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@&+=%]"
_KNOWN_HOSTS = (
    r"github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|gitee\.com|huggingface\.co"
    r"|hf\.co|sourceforge\.net|anonymous\.4open\.science|pypi\.org|codeocean\.com"
)
_URL = re.compile(
    rf"(?:https?://|www\.){_URL_CHARS}+"
    rf"|(?<![\w.@/-])(?:[\w-]+\.)*(?:{_KNOWN_HOSTS})/{_URL_CHARS}*"
    rf"|(?<![\w.@/-])[\w-]+\.git(?:hub|lab)\.io\b{_URL_CHARS}*"
    # glued to the word before: "The code is available atgithub.com/xmed-lab/TAM"
    rf"|(?<=[a-z])(?:github\.com|gitlab\.com|gitee\.com)/[\w.-]+/[\w.-]+{_URL_CHARS}*",
    re.IGNORECASE,
)
# Cheap tests (substrings of the lower-cased text) that a text may hold a link or speak
# of code, so the regexes run on few texts.
_LINK_HINTS = (
    "http",
    "www.",
    "github",
    "gitlab",
    "bitbucket",
    "codeberg",
    "gitee",
    "hugging",
    "hf.co",
    "sourceforge",
    "4open",
    "pypi.org",
    "codeocean",
)
_CODE_HINTS = ("code", "implementation", "software", "toolkit", "toolbox")
_GAP = re.compile(r"[ \t]*\n?[ \t]*")  # one line wrap or a stray space
_TOKEN = re.compile(rf"[A-Za-z0-9]{_URL_CHARS}*")
_TRAILING = ".:?#&=~@"

# Repairs made to the whole text before links are read.
_LATEX_ESCAPE = re.compile(r"\\([_%#&~])")
# a dot written as LaTeX inside a host: "https://github$.$com/x/y", "github{.}com"
_LATEX_DOT = re.compile(r"(?<=[A-Za-z])(?:\$\.\$|\{\.\})(?=[A-Za-z])")
# a link left as a template ("github.com/xxxx", "github.com/anonymized-link",
# "github.com/[your-repo-link]"): the repository is not given
_PLACEHOLDER = re.compile(
    r"^(?:x+|anonymous|anonymi[sz]ed(?:[-_]\w+)?|your[-_][\w-]*|username|placeholder|tbd|todo)$",
    re.IGNORECASE,
)
_BROKEN_SCHEME = re.compile(r"\b(https?)\s*:\s*//\s*(?=[A-Za-z0-9])", re.IGNORECASE)
_BROKEN_HOST = re.compile(
    r"\b(github|gitlab|huggingface|bitbucket|codeberg|gitee)\s*\.\s*(com|co|org)/"
)

# Words that end a sentence after a link rather than continue it: "github.com/x/ soon".
_ENGLISH = frozenset(
    "a an and or for to the with in on at upon after once soon which where as from under "
    "via by is are will was were we our including along together respectively containing "
    "if when this that these those it its also please see more details here there".split()
)

_CODE_HOSTS = frozenset(
    {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitee.com", "git.sr.ht"}
)
_GITHUB_NOT_OWNERS = frozenset(
    "about apps collections features marketplace orgs search settings sponsors topics".split()
)
_HF_HOSTS = frozenset({"huggingface.co", "hf.co"})
_HF_NOT_CODE = frozenset("papers docs blog learn join login pricing tasks posts models".split())
_NOT_PROJECT_HOSTS = frozenset(
    {
        "arxiv.org",
        "openreview.net",
        "aclanthology.org",
        "ieeexplore.ieee.org",
        "dl.acm.org",
        "doi.acm.org",
        "link.springer.com",
        "creativecommons.org",
        "youtube.com",
        "youtu.be",
        "twitter.com",
        "x.com",
        "en.wikipedia.org",
    }
)

_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z\\$(\[])|\n\s*\n")

# "code" as the thing released, not "code generation" or "latent codes" as a topic.
_CODE = (
    r"(?:\b(?:source[- ]?)?codes?\b(?![- ](?:generation|completion|LLMs?|models?|language"
    r"|review|search|summari[sz]ation|repair|editing|reasoning|snippets?|agents?|tasks?"
    r"|benchmarks?|of\s+conduct))"
    r"|\bcode[- ]?base\b|\bimplementations?\b|\btool(?:kit|box)\b"
    r"|\bsoftware\b(?![- ](?:containers?|engineering|development|systems?|vulnerabilit|defects?"
    r"|bugs?|testing|products?|industry|architectures?|supply|maintenance|quality|ecosystems?)))"
)
_CODE_WORD = re.compile(_CODE, re.IGNORECASE)
_RELEASED = (
    r"(?:released|available|open(?:[- ]?(?:sourced?|released))?|public|shared|published"
    r"|accessible|provided|uploaded|added|made\s+(?:\w+\s+)?(?:available|public|open))"
)
_PROMISE = re.compile(
    # "The code will be (made) (publicly) available", "codes would be released"
    rf"{_CODE}[^.;]{{0,120}}?\b(?:will|shall|would|is going to|are going to)\b"
    rf"(?:\s+\w+){{0,3}}?\s+(?:be\s+)?(?:\w+\s+){{0,2}}?{_RELEASED}\b"
    # "code (is) to be released"
    rf"|{_CODE}[^.;]{{0,80}}?\bto be\s+(?:\w+\s+)?{_RELEASED}\b"
    # "we will release / open-source / make publicly available our code"
    r"|\bwe\s+(?:will|shall|would|plan to|intend to|are going to|aim to|commit to)"
    r"\s+(?:\w+\s+){0,2}?(?:release|open[- ]?source|share|publish|provide|make|upload)\b"
    rf"[^.;]{{0,160}}?{_CODE}"
    # "JaWildText ... will be released with evaluation code"
    rf"|\bwill be\s+(?:\w+\s+)?released\s+(?:along\s+|together\s+)?with\b[^.;]{{0,40}}?{_CODE}"
    # "code: coming soon", "code available upon acceptance"
    rf"|{_CODE}[^.;]{{0,60}}?\b(?:coming soon|soon|forthcoming"
    r"|(?:upon|after)\s+(?:the\s+)?(?:acceptance|publication|review))\b",
    re.IGNORECASE,
)
_CODE_ON_PAGE = re.compile(
    rf"{_CODE}[^.;]{{0,80}}?\b(?:on|at|in|via|from)\s+(?:(?:our|the)\s+)?(?:project\s+)?"
    r"(?:page|website|homepage|webpage|site)\b",
    re.IGNORECASE,
)
# Right after a promise: "code will be made available (from the authors) upon request".
_ON_REQUEST = re.compile(
    r"\s*(?:\w+\s+){0,4}?(?:upon|on|by)\s+(?:reasonable\s+)?request\b", re.IGNORECASE
)
_CODE_CLAIM = re.compile(
    rf"{_CODE}[^.;]{{0,80}}?\b(?:available|released|provided|included|supplementary|attached)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CodeStatus:
    """What the text says about code.

    ``state`` is ``available``, ``promised`` or ``none``; ``url`` the best repository
    link when available (the first code-host link, else the first page its sentence
    calls code); ``urls`` every code, data and project link found, cleaned, in order,
    without duplicates; ``evidence`` the sentence the decision rests on.
    """

    state: str
    url: str | None = None
    urls: tuple[str, ...] = ()
    evidence: str | None = None


@dataclass(frozen=True)
class _Link:
    url: str
    kind: str  # "code", "data" or "page"
    sentence: str
    offset: int  # where the link starts in its sentence


def find_code(*texts: str | None) -> CodeStatus:
    """Read an abstract, comments and any other text of one work; never raises.

    >>> find_code("Code and models: https://github.com/foo/\\nbar.", None).url
    'https://github.com/foo/bar'
    >>> find_code("The codes will be released soon.").state
    'promised'
    >>> find_code(None, "")
    CodeStatus(state='none', url=None, urls=(), evidence=None)
    """
    links: list[_Link] = []
    sentences: list[str] = []  # only from texts that mention code at all
    for text in texts:
        if not isinstance(text, str):
            continue
        lowered = text.lower()
        has_link = any(hint in lowered for hint in _LINK_HINTS)
        if not has_link and not any(hint in lowered for hint in _CODE_HINTS):
            continue  # most abstracts: nothing to read, skip the costly steps
        text = _repair(text) if has_link else text
        text_sentences = _split_sentences(text)
        sentences.extend(sentence for _, _, sentence in text_sentences)
        for start, url in _find_urls(text) if has_link else []:
            kind = link_kind(url)
            if kind is not None:
                links.append(_Link(url, kind, *_sentence_at(text_sentences, start)))

    urls = tuple(_unique(link.url for link in links))
    best = _best_link(links, sentences)
    if best is not None:
        link, evidence = best
        return CodeStatus(AVAILABLE, link.url, urls, evidence)
    for sentence in sentences:
        promise = _PROMISE.search(sentence)
        if promise and not _ON_REQUEST.match(sentence, promise.end()):
            return CodeStatus(PROMISED, None, urls, _evidence(sentence, promise.start()))
    for sentence in sentences:
        claim = _CODE_CLAIM.search(sentence)
        if claim:
            return CodeStatus(NONE, None, urls, _evidence(sentence, claim.start()))
    return CodeStatus(NONE, None, urls, None)


def _best_link(links: list[_Link], sentences: list[str]) -> tuple[_Link, str] | None:
    """The link that makes the work ``available``, with the evidence for it.

    The first code-host link (a git host before Hugging Face: "Leaderboard: <HF space>;
    Code: <GitHub>" gives the GitHub link); else the first page or data link whose own
    sentence says it holds code; else the first page when another sentence says the code
    is on the project page ("Code is available at project page." ... "Project page: ...").
    """
    code_links = [link for link in links if link.kind == "code"]
    if code_links:
        # sorted() is stable: git hosts first, each group in order of appearance.
        link = sorted(code_links, key=lambda link: _split(link.url)[0] in _HF_HOSTS)[0]
        return link, _evidence(link.sentence, link.offset)
    for link in links:
        if _CODE_WORD.search(link.sentence):
            return link, _evidence(link.sentence, link.offset)
    pages = [link for link in links if link.kind == "page"]
    for sentence in sentences if pages else []:
        claim = _CODE_ON_PAGE.search(sentence)
        if claim:
            link = pages[0]
            claim_evidence = _evidence(sentence, claim.start())
            return link, f"{claim_evidence} {_evidence(link.sentence, link.offset)}"
    return None


def _repair(text: str) -> str:
    """Undo LaTeX escapes and the breaks that stop a link from being read whole."""
    text = _LATEX_ESCAPE.sub(r"\1", text)
    text = _LATEX_DOT.sub(".", text)
    text = _BROKEN_SCHEME.sub(r"\1://", text)
    return _BROKEN_HOST.sub(r"\1.\2/", text)


def _find_urls(text: str) -> list[tuple[int, str]]:
    """``(offset, cleaned url)`` for every link in the text, broken ones mended."""
    found = []
    for match in _URL.finditer(text):
        raw, end = match.group(), match.end()
        for _ in range(MAX_JOINS):
            gap = _GAP.match(text, end)
            if gap is None or gap.end() == end:
                break
            token = _TOKEN.match(text, gap.end())
            if token is None or not _continues(raw, token.group()):
                break
            raw, end = raw + token.group(), token.end()
        url = _clean(raw)
        if url is not None:
            found.append((match.start(), url))
    return found


def _continues(raw: str, token: str) -> bool:
    """Is ``token``, after a line wrap or space, the rest of the link ``raw``?"""
    word = token.rstrip(_TRAILING + "/").lower()
    if word in _ENGLISH or word.split("/")[0] in _ENGLISH:
        return False
    if raw.endswith(("-", "_", "://")):
        return True
    host, segments = _split(raw)
    if "/" not in _strip_scheme(raw) and raw.endswith("."):
        return re.match(r"(?:com|org|io|co|net)\b", token) is not None  # "github.\ncom/x"
    if not _is_code_host(host):
        return False
    wanted = 3 if host in _HF_HOSTS and segments[:1] in (["datasets"], ["spaces"]) else 2
    if raw.endswith("/"):
        return len(segments) < wanted
    # "github.com/CyberAgentA ILab/YokaiEval": an owner cut in two by a space.
    return len(segments) == 1 and re.fullmatch(r"[\w.-]+/[\w.-]+[./]?", token) is not None


def _clean(raw: str) -> str | None:
    """``https://host/path`` without trailing punctuation, ``.git`` or ``/``."""
    url = raw.rstrip(_TRAILING)
    later_scheme = re.search(r"https?://", url[1:])
    if later_scheme:  # "https://github.com/a/bhttps://..." : two links run together
        url = url[: later_scheme.start() + 1].rstrip(_TRAILING)
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "https://" + url
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    host = host.lower()
    if "." not in host:
        return None
    if host.startswith("www.") and _is_code_host(host[4:]):
        host = host[4:]
    if _is_code_host(host):
        scheme = "https"
        path = path.rstrip("/")
        if path.lower().endswith(".git"):
            path = path[:-4]
    path = path.rstrip("/")
    return f"{scheme.lower()}://{host}" + (f"/{path}" if path else "")


def link_kind(url: str) -> str | None:
    """What a cleaned link points at: ``code`` (a code host), ``data`` (a Hugging Face
    dataset), ``page`` (a project page or archive) or None (never a project link).

    >>> link_kind("https://huggingface.co/datasets/google/RSRCC"), link_kind("https://arxiv.org/abs/1")
    ('data', None)
    """
    host, segments = _split(url)
    first = segments[0].lower() if segments else ""
    if host in _HF_HOSTS:
        if first == "datasets" and len(segments) > 1:
            return "data"
        if first in _HF_NOT_CODE or not segments:
            return None
        return "code" if first not in ("spaces", "collections") or len(segments) > 1 else None
    # "https://github.com/xxxx", "github.com/owner/xx": no repository given yet (a repository
    # may well be called "your-next-token-prediction-dataset", so only x's count there)
    if _PLACEHOLDER.search(first) or any(re.fullmatch(r"x+", s, re.I) for s in segments[1:2]):
        return None
    if host == "github.com":
        valid_owner = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", first)
        return "code" if valid_owner and first not in _GITHUB_NOT_OWNERS else None
    if host == "anonymous.4open.science":
        if first == "w" and len(segments) > 1:
            return "page"  # an anonymised project page, not the code
        return "code" if first == "r" and len(segments) > 1 else None
    if host == "codeocean.com":
        return "code" if first == "capsule" and len(segments) > 1 else None
    if host == "pypi.org":
        return "code" if first == "project" and len(segments) > 1 else None
    if host == "sourceforge.net":
        return "code" if first in ("projects", "p") and len(segments) > 1 else None
    if _is_code_host(host):
        return "code" if segments else None
    if host in ("doi.org", "dx.doi.org"):
        return "page" if "zenodo" in url.lower() else None  # Zenodo archives, not papers
    if host in _NOT_PROJECT_HOSTS or host.removeprefix("www.") in _NOT_PROJECT_HOSTS:
        return None
    return "page"


def _is_code_host(host: str) -> bool:
    if host in _CODE_HOSTS or host in _HF_HOSTS or host == "gist.github.com":
        return True
    if host in ("anonymous.4open.science", "pypi.org", "sourceforge.net", "codeocean.com"):
        return True
    # Self-hosted GitLab and friends: git.tu-berlin.de, gitlab.inria.fr.
    return host.startswith(("git.", "gitlab.")) and host.count(".") >= 2


def _strip_scheme(url: str) -> str:
    return re.sub(r"^https?://", "", url, flags=re.IGNORECASE)


def _split(url: str) -> tuple[str, list[str]]:
    """``'https://github.com/a/b'`` -> ``('github.com', ['a', 'b'])``."""
    host, _, path = _strip_scheme(url).partition("/")
    host = host.lower()
    if host.startswith("www.") and _is_code_host(host[4:]):
        host = host[4:]
    return host, [segment for segment in path.split("/") if segment]


def _split_sentences(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, sentence)`` spans; a link never holds a sentence end (no spaces)."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.end(), text[start : match.end()]))
        start = match.end()
    spans.append((start, len(text), text[start:]))
    return spans


def _sentence_at(spans: list[tuple[int, int, str]], offset: int) -> tuple[str, int]:
    """The sentence holding ``offset``, and the offset within it."""
    for start, end, sentence in spans:
        if start <= offset < end:
            return sentence, offset - start
    return "", 0


def _evidence(sentence: str, anchor: int) -> str:
    """The sentence on one line; a long one is cut to ``MAX_EVIDENCE_CHARS`` around
    ``anchor`` (the link or the promise), marked with "…"."""
    start = max(0, anchor - MAX_EVIDENCE_CHARS * 2 // 3)
    end = start + MAX_EVIDENCE_CHARS
    text = " ".join(sentence[start:end].split())
    if start > 0:
        text = "…" + text
    if end < len(sentence.rstrip()):
        text += "…"
    return text


def _unique(urls: Iterable[str]) -> list[str]:
    """First spelling of each link; repository paths compare case-insensitively."""
    seen: set[str] = set()
    result = []
    for url in urls:
        key = url.lower()
        if key not in seen:
            seen.add(key)
            result.append(url)
    return result


__all__ = ["AVAILABLE", "NONE", "PROMISED", "CodeStatus", "find_code", "link_kind"]
