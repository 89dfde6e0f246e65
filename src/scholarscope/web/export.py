"""Works lists as CSV and BibTeX (JSON is the page's own twin).

CSV: one row per work, the columns of ``CSV_COLUMNS``; authors joined by "; ". A cell
that starts with ``=``, ``+``, ``-``, ``@`` or a tab gets a leading apostrophe, so a
spreadsheet shows the text instead of running it as a formula.

BibTeX: one ``@misc`` entry per work (a preprint list has no reliable entry type), with
arXiv ``eprint`` fields, DOI, URL, and the venue line as ``note``. Keys are the first
author's family name, the year and the first word of the title, made unique.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any

CSV_COLUMNS = (
    "id", "title", "date", "year", "field", "field_source", "authors", "et_al",
    "affiliation", "venue", "venue_status", "code", "code_url", "citations",
    "citations_source", "novelty", "ai_score", "doi",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def works_csv(works: list[dict[str, Any]]) -> str:
    """The works as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for work in works:
        venue = work.get("venue") or {}
        row = {
            **{k: work.get(k) for k in CSV_COLUMNS},
            "authors": "; ".join(work["authors"]),
            "venue": venue.get("name"),
            "venue_status": venue.get("status"),
        }
        writer.writerow([_cell(row[k]) for k in CSV_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def works_bibtex(works: list[dict[str, Any]]) -> str:
    """The works as BibTeX entries."""
    used: set[str] = set()
    return "\n".join(_entry(work, used) for work in works)


def _entry(work: dict[str, Any], used: set[str]) -> str:
    key = _unique(_cite_key(work), used)
    fields: list[tuple[str, str]] = [("title", work["title"] or work["id"])]
    if work["authors"]:
        names = list(work["authors"]) + (["others"] if work["et_al"] else [])
        fields.append(("author", " and ".join(names)))
    if work["year"]:
        fields.append(("year", str(work["year"])))
    arxiv = next((i[6:] for i in work["ids"] if i.startswith("arxiv:")), None)
    if arxiv:
        fields += [("eprint", arxiv), ("archivePrefix", "arXiv")]
        if work["field_category"]:
            fields.append(("primaryClass", work["field_category"]))
        fields.append(("url", f"https://arxiv.org/abs/{arxiv}"))
    if work["doi"]:
        fields.append(("doi", work["doi"]))
    venue = work.get("venue") or {}
    parts = (venue.get("name"), venue.get("year"), venue.get("status"))
    note = ", ".join(str(part) for part in parts if part)
    if note:
        fields.append(("note", note))
    body = ",\n".join(f"  {name} = {{{_bib_value(value)}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def _cite_key(work: dict[str, Any]) -> str:
    family = work["authors"][0].split()[-1] if work["authors"] else "anon"
    words = [w for w in re.findall(r"[A-Za-z]+", _ascii(work["title"] or "")) if len(w) > 3]
    return f"{_ascii(family).lower()}{work['year'] or ''}{words[0].lower() if words else ''}"


def _unique(key: str, used: set[str]) -> str:
    key = re.sub(r"[^a-z0-9]", "", key) or "work"
    candidate, n = key, 0
    while candidate in used:
        n += 1
        candidate = f"{key}{chr(ord('a') + (n - 1) % 26)}{(n - 1) // 26 or ''}"
    used.add(candidate)
    return candidate


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _bib_value(text: str) -> str:
    """A value BibTeX and LaTeX accept: one line, balanced braces, and ``& % # _``
    escaped outside ``$…$`` math.

    >>> _bib_value("A & B_1 in $x_1$ {unbalanced")
    'A \\\\& B\\\\_1 in $x_1$ unbalanced'
    """
    text = " ".join(text.split())
    if not _balanced(text):
        text = text.replace("{", "").replace("}", "")
    parts = text.split("$")
    for i in range(0, len(parts), 2):  # outside math
        parts[i] = re.sub(r"(?<!\\)([&%#_])", r"\\\1", parts[i])
    return "$".join(parts)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
