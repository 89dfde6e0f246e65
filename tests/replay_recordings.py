"""Recordings of the real APIs built from the data in ../shared, for ``ReplayServer``
(``replay_server.py``): arXiv's recorded API answers, OpenAlex's endpoints served from
the author files (with OpenAlex's cursor paging), Semantic Scholar's from its recorded
author and paper."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from replay_server import Ask, Recording, Recordings
from scholarscope.records import fold_text

ARXIV_API = "https://export.arxiv.org"
ATOM = "application/atom+xml; charset=UTF-8"
# a request that leaves these out matches a recording that spells them: start and
# max_results are the arXiv API's documented defaults; sortBy/sortOrder are the values every
# recording in ../shared was made with (for id_list look-ups arXiv ignores the order anyway)
ARXIV_DEFAULTS = {
    "start": "0",
    "max_results": "10",
    "sortBy": "relevance",
    "sortOrder": "descending",
}


def arxiv_recordings(folder: Path) -> Recordings:
    """The recorded arXiv API answers in ``folder`` (../shared/data/arxiv-api/*.json), at
    their real path and query: ``GET /api/query?id_list=…&start=…&max_results=…``."""
    recordings = Recordings()
    recordings.default_params("/api/query", ARXIV_DEFAULTS)
    for path in sorted(folder.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        recordings.add(replace(Recording.from_json(raw), headers={"Content-Type": ATOM}))
    return recordings


OPENALEX_API = "https://api.openalex.org"
_OPENALEX_ID = "https://openalex.org/"
_OPENALEX_KINDS = {"W": "works", "A": "authors", "S": "sources", "I": "institutions",
                   "T": "topics", "C": "concepts", "F": "funders", "P": "publishers"}  # fmt: skip
_OPENALEX_ENTITY = (
    r"/(works|authors|sources|institutions|topics|concepts|funders|publishers|keywords)/(.+)"
)
_AUTHOR_FILTER = re.compile(r"(?:authorships\.)?author\.id:(?:https://openalex\.org/)?([Aa]\d+)")


def _openalex_key(entity: str, ident: str) -> str:
    ident = ident.removeprefix(_OPENALEX_ID)
    return f"{entity}/{ident if entity == 'keywords' else ident.upper()}"


def _openalex_error(url: str, message: str) -> Recording:
    return Recording(url, 400, {}, {"error": "Invalid query parameters error.", "message": message})


def _openalex_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"replay:{offset}".encode()).decode()


def _openalex_offset(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    head, _, number = text.partition(":")
    return int(number) if head == "replay" and number.isdigit() else None


def _name_words(names: list[Any]) -> list[set[str]]:
    """The folded words of each of a person's names (the non-text ones skipped)."""
    return [set(fold_text(name).split()) for name in names if isinstance(name, str)]


def _names_match(query: str, names: list[set[str]]) -> bool:
    """A stand-in for a source's name search: one of the names holds every folded word of
    the query ("raymond enay" finds "Raymond Énay", "stephenson" finds "Michael H.
    Stephenson"); an empty query finds nobody."""
    wanted = set(fold_text(query).split())
    return bool(wanted) and any(wanted <= words for words in names)


def _openalex_select(obj: dict[str, Any], select: str | None) -> dict[str, Any]:
    if not select:
        return obj
    return {name: obj[name] for name in select.split(",") if name in obj}


def openalex_recordings(authors: Path, entities: Path | None = None) -> Recordings:
    """OpenAlex built from ``authors`` (../shared/data/openalex-authors: one
    ``{"details", "works"}`` file per author) and, if given, the single entities in
    ``entities`` (../shared/data/openalex-fixtures). Serves:

    - ``GET /{authors|works|sources|institutions|topics|concepts|funders|publishers}/{id}``,
      the id short (``A5040147688``) or full (``https://openalex.org/A5040147688``), an
      author also by ``orcid:…``, a work by ``doi:…``; ``select=`` honoured. Of two
      snapshots of one entity the newer ``updated_date`` is served.
    - ``GET /works?filter=author.id:{id}`` (or ``authorships.author.id``), ``per-page`` (or
      ``per_page``; 1-200, default 25), cursor paging (``cursor=*``, then ``next_cursor``) or
      ``page=``; ``select=``. As the real API does (openalex-fixtures/openalexPro pages), the
      page holding the last works still carries a ``next_cursor``; the page after it has no
      results and ``next_cursor: null``.
    - ``GET /authors?search={name}`` and ``GET /authors?filter=…`` (``orcid:{orcid}``, bare
      or as a URL, and ``display_name.search:{name}``, comma-joined filters all applying),
      ``per-page`` (1-200, default 25), ``page=``, ``select=``: OpenAlex's results page
      ``{"meta": {"count", …}, "results", "group_by"}`` over every author loaded. The
      search is a stand-in for OpenAlex's: an author is found when their
      ``display_name`` or one of their ``display_name_alternatives`` holds every folded
      word of the query; results come by ``works_count`` descending (then id), a proxy
      for the ``relevance_score`` order the replay cannot compute, which it leaves out.
    """
    objects: dict[str, dict[str, Any]] = {}
    aliases: dict[str, str] = {}
    works_of: dict[str, list[dict[str, Any]]] = {}

    def keep(obj: Any) -> None:
        ident = obj.get("id") if isinstance(obj, dict) else None
        if not isinstance(ident, str) or not ident.startswith(_OPENALEX_ID):
            return
        rest = ident.removeprefix(_OPENALEX_ID)
        entity = rest.partition("/")[0] if "/" in rest else _OPENALEX_KINDS.get(rest[:1].upper())
        if entity is None:
            return
        key = _openalex_key(entity, rest.partition("/")[2] if "/" in rest else rest)
        current = objects.get(key)
        if current is None or str(obj.get("updated_date", "")) > str(
            current.get("updated_date", "")
        ):
            objects[key] = obj
        # the external ids OpenAlex also answers to, compared in lower case
        if entity == "authors" and obj.get("orcid"):
            orcid = str(obj["orcid"]).removeprefix("https://orcid.org/")
            for form in (f"orcid:{orcid}", f"https://orcid.org/{orcid}"):
                aliases[f"authors/{form}".lower()] = key
        if entity == "works" and obj.get("doi"):
            doi = str(obj["doi"]).removeprefix("https://doi.org/")
            for form in (f"doi:{doi}", f"https://doi.org/{doi}"):
                aliases[f"works/{form}".lower()] = key

    for path in sorted(authors.glob("*.json")):
        profile = json.loads(path.read_text(encoding="utf-8"))
        keep(profile["details"])
        works_of[_openalex_key("authors", profile["details"]["id"])] = profile["works"]
        for work in profile["works"]:
            keep(work)
    for path in sorted(entities.rglob("*.json")) if entities is not None else ():
        try:
            keep(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue  # some openalexPro "*.json" files hold several objects, one a line

    def entity(ask: Ask, match: re.Match[str]) -> Recording | None:
        if set(ask.params) - {"select"}:
            return None
        kind, ident = match.groups()
        key = _openalex_key(kind, ident)
        obj = objects.get(aliases.get(f"{kind}/{ident}".lower(), key))
        if obj is None:
            return None
        return Recording(
            OPENALEX_API + ask.url, 200, {}, _openalex_select(obj, ask.params.get("select"))
        )

    def works(ask: Ask, match: re.Match[str]) -> Recording | None:
        params, url = ask.params, OPENALEX_API + ask.url
        if set(params) - {"filter", "per-page", "per_page", "cursor", "page", "select"}:
            return None
        wanted = _AUTHOR_FILTER.fullmatch(params.get("filter", ""))
        listed = works_of.get(_openalex_key("authors", wanted.group(1))) if wanted else None
        if listed is None:
            return None
        size = params.get("per-page", params.get("per_page", "25"))
        if not size.isdigit() or not 1 <= int(size) <= 200:
            return _openalex_error(url, f"per-page is {size!r}; it must be between 1 and 200")
        per_page = int(size)
        meta: dict[str, Any] = {"count": len(listed), "db_response_time_ms": 0}
        if "cursor" in params:
            if "page" in params:
                return _openalex_error(url, "cursor and page cannot be used together")
            offset = 0 if params["cursor"] == "*" else _openalex_offset(params["cursor"])
            if offset is None:
                return _openalex_error(url, f"invalid cursor {params['cursor']!r}")
            results = listed[offset : offset + per_page]
            next_cursor = _openalex_cursor(offset + per_page) if results else None
            meta |= {"page": None, "per_page": per_page, "next_cursor": next_cursor}
        else:
            page = params.get("page", "1")
            if not page.isdigit() or int(page) < 1 or int(page) * per_page > 10_000:
                return _openalex_error(url, f"page {page!r} is out of range")
            offset = (int(page) - 1) * per_page
            results = listed[offset : offset + per_page]
            meta |= {"page": int(page), "per_page": per_page}
        meta["groups_count"] = None
        selected = [_openalex_select(w, params.get("select")) for w in results]
        return Recording(url, 200, {}, {"meta": meta, "results": selected, "group_by": []})

    def author_list(ask: Ask, match: re.Match[str]) -> Recording | None:
        params, url = ask.params, OPENALEX_API + ask.url
        if set(params) - {"search", "filter", "per-page", "per_page", "page", "select"}:
            return None
        if "search" not in params and "filter" not in params:
            return None  # every author in OpenAlex: not what the replay can answer
        found = [obj for key, obj in objects.items() if key.startswith("authors/")]
        if "search" in params:
            found = [a for a in found if _names_match(params["search"], _openalex_names(a))]
        for clause in params.get("filter", "").split(",") if "filter" in params else ():
            name, _, value = clause.partition(":")
            if name == "orcid":
                orcid = value.removeprefix("https://orcid.org/").lower()
                found = [a for a in found if str(a.get("orcid")).lower().endswith("/" + orcid)]
            elif name == "display_name.search":
                found = [a for a in found if _names_match(value, _openalex_names(a))]
            else:
                return None
        found.sort(key=lambda a: (-int(a.get("works_count") or 0), str(a["id"])))
        size = params.get("per-page", params.get("per_page", "25"))
        if not size.isdigit() or not 1 <= int(size) <= 200:
            return _openalex_error(url, f"per-page is {size!r}; it must be between 1 and 200")
        page = params.get("page", "1")
        if not page.isdigit() or int(page) < 1 or int(page) * int(size) > 10_000:
            return _openalex_error(url, f"page {page!r} is out of range")
        offset = (int(page) - 1) * int(size)
        meta = {"count": len(found), "db_response_time_ms": 0, "page": int(page),
                "per_page": int(size), "groups_count": None}  # fmt: skip
        results = [_openalex_select(a, params.get("select"))
                   for a in found[offset : offset + int(size)]]  # fmt: skip
        return Recording(url, 200, {}, {"meta": meta, "results": results, "group_by": []})

    recordings = Recordings()
    recordings.route(_OPENALEX_ENTITY, entity)
    recordings.route("/works", works)
    recordings.route("/authors", author_list)
    return recordings


def _openalex_names(author: dict[str, Any]) -> list[set[str]]:
    alternatives = author.get("display_name_alternatives")
    return _name_words([author.get("display_name"), *(alternatives or [])])


S2_API = "https://api.semanticscholar.org"
_S2_ID_KEY = {"author": "authorId", "paper": "paperId"}
_S2_DEFAULT_FIELDS = {"author": "authorId,name", "paper": "paperId,title"}
_S2_NESTED = {"papers": "paper", "citations": "paper", "references": "paper", "authors": "author"}
# externalIds names -> the id prefixes /paper/{id} accepts (compared in lower case)
_S2_PREFIXES = {"DOI": "doi", "ArXiv": "arxiv", "CorpusId": "corpusid", "MAG": "mag",
                "ACL": "acl", "PubMed": "pmid", "PubMedCentral": "pmcid"}  # fmt: skip


def _s2_select(obj: dict[str, Any], kind: str, fields: str | None) -> dict[str, Any]:
    """``obj`` as S2 answers ``fields=``: the id always, then each field asked for; a
    dotted field (``papers.title``) selects inside a list of papers or authors. A field the
    recording lacks is left out."""
    wanted: dict[str, list[str]] = {}
    for name in (fields or _S2_DEFAULT_FIELDS[kind]).split(","):
        head, _, rest = name.strip().partition(".")
        wanted.setdefault(head, []).extend([rest] if rest else [])
    id_key = _S2_ID_KEY[kind]
    out = {id_key: obj.get(id_key)}
    for name, inner in wanted.items():
        if name not in obj or name == id_key:
            continue
        value = obj[name]
        nested = _S2_NESTED.get(name)
        if nested is not None and isinstance(value, list):
            value = [_s2_select(item, nested, ",".join(inner) or None)
                     for item in value if isinstance(item, dict)]  # fmt: skip
        out[name] = value
    return out


def _s2_error(url: str, message: str) -> Recording:
    return Recording(url, 400, {}, {"error": message})


def semantic_scholar_recordings(folder: Path) -> Recordings:
    """Semantic Scholar's Graph API built from ``folder`` (../shared/data/semantic-scholar:
    ``Author.json``, ``Paper.json``). Serves, ``fields=`` honoured (default: the id and
    name/title, as S2 does):

    - ``GET /graph/v1/author/{authorId}``
    - ``GET /graph/v1/author/{authorId}/papers?offset=&limit=`` (limit 1-1000, default 100):
      ``{"offset", "next", "data"}``, ``next`` absent on the last page as S2 documents
    - ``GET /graph/v1/paper/{id}``: the sha ``paperId`` or ``DOI:``, ``ARXIV:``,
      ``CorpusId:``, ``MAG:``, ``ACL:``, ``PMID:``, ``PMCID:``; Paper.json and every paper of
      Author.json (Paper.json wins where both hold one).
    - ``GET /graph/v1/author/search?query=…&offset=&limit=`` (limit 1-1000, default 100):
      ``{"total", "offset", "next", "data"}`` over the authors loaded (Author.json's), as
      S2 documents it, ``next`` absent on the last page. The search is a stand-in for
      S2's: an author is found when their name, one of their ``aliases`` or one of their
      DBLP names (``externalIds.DBLP``) holds every folded word of the query ("alan
      turing" finds "A. Turing" through the DBLP name "Alan M. Turing"); results come by
      ``paperCount`` descending (then id), a proxy for S2's relevance order.
    """
    author = json.loads((folder / "Author.json").read_text(encoding="utf-8"))
    paper = json.loads((folder / "Paper.json").read_text(encoding="utf-8"))
    authors = {author["authorId"]: author}
    papers: dict[str, dict[str, Any]] = {p["paperId"]: p for p in author["papers"]}
    papers[paper["paperId"]] = paper
    paper_ids = {pid.lower(): pid for pid in papers}
    for pid, obj in papers.items():
        for name, value in (obj.get("externalIds") or {}).items():
            if name in _S2_PREFIXES and value is not None:
                paper_ids[f"{_S2_PREFIXES[name]}:{str(value).lower()}"] = pid

    def author_details(ask: Ask, match: re.Match[str]) -> Recording | None:
        found = authors.get(match.group(1))
        if found is None or set(ask.params) - {"fields"}:
            return None
        return Recording(
            S2_API + ask.url, 200, {}, _s2_select(found, "author", ask.params.get("fields"))
        )

    def author_papers(ask: Ask, match: re.Match[str]) -> Recording | None:
        found = authors.get(match.group(1))
        if found is None or set(ask.params) - {"fields", "offset", "limit"}:
            return None
        url = S2_API + ask.url
        offset, limit = ask.params.get("offset", "0"), ask.params.get("limit", "100")
        if not offset.isdigit():
            return _s2_error(url, f"Invalid offset: {offset}")
        if not limit.isdigit() or not 1 <= int(limit) <= 1000:
            return _s2_error(url, f"Invalid limit {limit}: it must be between 1 and 1000")
        start, stop = int(offset), int(offset) + int(limit)
        rows = found["papers"][start:stop]
        body: dict[str, Any] = {"offset": start}
        if stop < len(found["papers"]):
            body["next"] = stop
        body["data"] = [_s2_select(p, "paper", ask.params.get("fields")) for p in rows]
        return Recording(url, 200, {}, body)

    def paper_details(ask: Ask, match: re.Match[str]) -> Recording | None:
        pid = paper_ids.get(match.group(1).lower())
        if pid is None or set(ask.params) - {"fields"}:
            return None
        return Recording(
            S2_API + ask.url, 200, {}, _s2_select(papers[pid], "paper", ask.params.get("fields"))
        )

    def author_search(ask: Ask, match: re.Match[str]) -> Recording | None:
        if set(ask.params) - {"query", "fields", "offset", "limit"}:
            return None
        url = S2_API + ask.url
        if "query" not in ask.params:
            return _s2_error(url, "Missing required parameter: 'query'")
        offset, limit = ask.params.get("offset", "0"), ask.params.get("limit", "100")
        if not offset.isdigit():
            return _s2_error(url, f"Invalid offset: {offset}")
        if not limit.isdigit() or not 1 <= int(limit) <= 1000:
            return _s2_error(url, f"Invalid limit {limit}: it must be between 1 and 1000")
        found = [a for a in authors.values() if _names_match(ask.params["query"], _s2_names(a))]
        found.sort(key=lambda a: (-int(a.get("paperCount") or 0), str(a["authorId"])))
        start, stop = int(offset), int(offset) + int(limit)
        body: dict[str, Any] = {"total": len(found), "offset": start}
        if stop < len(found):
            body["next"] = stop
        body["data"] = [_s2_select(a, "author", ask.params.get("fields"))
                        for a in found[start:stop]]  # fmt: skip
        return Recording(url, 200, {}, body)

    recordings = Recordings()
    recordings.route(r"/graph/v1/author/search", author_search)
    recordings.route(r"/graph/v1/author/([^/]+)", author_details)
    recordings.route(r"/graph/v1/author/([^/]+)/papers", author_papers)
    recordings.route(r"/graph/v1/paper/(.+)", paper_details)
    return recordings


def _s2_names(author: dict[str, Any]) -> list[set[str]]:
    external = author.get("externalIds") or {}
    dblp = external.get("DBLP") if isinstance(external, dict) else None
    dblp_names = dblp if isinstance(dblp, list) else [dblp]
    return _name_words([author.get("name"), *(author.get("aliases") or []), *dblp_names])
