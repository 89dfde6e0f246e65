r"""Works lists as CSV and BibTeX (JSON is the page's own twin).

CSV: one row per work, the columns of ``CSV_COLUMNS``; authors joined by "; ". A cell
that starts with ``=``, ``+``, ``-``, ``@`` or a tab gets a leading apostrophe, so a
spreadsheet shows the text instead of running it as a formula.

BibTeX: one ``@misc`` entry per work (a preprint list has no reliable entry type), with
arXiv ``eprint`` fields, DOI, URL, and the venue line as ``note``. Keys are the first
author's family name, the year and the first word of the title, made unique.

Every value is text from a source, compiled by whoever uses the file: a title holding
``\input{/etc/passwd}`` or ``\immediate\write18{id}`` must not read a file or run a
program there. So every TeX special character (backslash, braces, ``$ & % # _ ~ ^``)
is written as a character to print, except in two forms that only typeset: ``$…$``
math whose every command is a known math symbol or font (``MATH_COMMANDS``), kept (in
braces, which keep BibTeX styles from changing its case), and ``\textit{…}``-style
emphasis around plain text.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any

from scholarscope.tex_commands import BOLD_FONTS, FRACTIONS, IGNORED, PLAIN_FONTS, SYMBOLS

CSV_COLUMNS = (
    "id", "title", "date", "year", "field", "field_source", "authors", "et_al",
    "affiliation", "venue", "venue_status", "code", "code_url", "citations",
    "citations_source", "novelty", "ai_score", "doi",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Commands a formula may hold and stay a formula: those the pages render (mathtext.py)
# and a few more of arXiv titles; each only typesets. Control symbols \, \; \{ … too.
# Nothing here reads or writes a file, defines a command or changes a character's
# meaning (\input, \write18, \def, \catcode, \csname are not here).
MATH_COMMANDS = frozenset(
    {name for name in SYMBOLS if name.isalpha()}
    | PLAIN_FONTS
    | BOLD_FONTS
    | IGNORED
    | FRACTIONS
    | {"sqrt", "mathbb"}
    | {"mathtt", "texttt", "textit", "textsc", "textnormal", "bf", "rm", "it", "tt", "sf",
       "cal", "log", "exp", "sin", "cos", "tan", "max", "min", "arg", "lim", "det",
       "oslash", "nrightarrow", "Leftarrow", "longrightarrow", "bot", "vdots", "ddots"}
    | set(",;:! {}|%&#_")
)  # fmt: skip
# What replaces each TeX special character in text: the character, printed.
_PRINTED = {
    "\\": r"{\textbackslash}", "{": r"{\textbraceleft}", "}": r"{\textbraceright}",
    "$": r"\$", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
    "~": r"{\textasciitilde}", "^": r"{\textasciicircum}",
}  # fmt: skip
_MATH = re.compile(r"(?<!\\)\$([^$]{1,400})\$")
# In a formula: a command (a trailing backslash gives ""), or a character it must not hold.
_MATH_TOKEN = re.compile(r"\\([A-Za-z]+|.?)|[%#&]", re.DOTALL)
_TEXT_TOKEN = re.compile(
    r"\\(?P<style>textit|emph|textbf|texttt|textsc|underline)\{(?P<inner>[^{}\\]*)\}"
    r"|\\(?P<escaped>[&%#_$])"  # a special already written as a character: as it is
    r"|(?P<special>[\\{}$&%#_~^])"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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
    r"""A value BibTeX and LaTeX accept and that only typesets: one line, every TeX
    special printed as itself, except safe ``$…$`` math and emphasis.

    >>> print(_bib_value("A & B_1 in $x_1$ \\input{/etc/passwd}"))
    A \& B\_1 in {$x_1$} {\textbackslash}input{\textbraceleft}/etc/passwd{\textbraceright}
    """
    text = " ".join(_CONTROL.sub(" ", text).split())
    parts: list[str] = []
    position = 0
    for math in _MATH.finditer(text):
        parts.append(_bib_text(text[position : math.start()]))
        formula = math.group(0)
        parts.append("{" + formula + "}" if _safe_math(math.group(1)) else _bib_text(formula))
        position = math.end()
    parts.append(_bib_text(text[position:]))
    return "".join(parts)


def _bib_text(text: str) -> str:
    """Text outside math: every TeX special printed, emphasis of plain text kept."""

    def replace(token: re.Match[str]) -> str:
        if token.group("style"):
            return f"\\{token.group('style')}{{{_bib_text(token.group('inner'))}}}"
        if token.group("escaped"):
            return token.group(0)
        return _PRINTED[token.group("special")]

    return _TEXT_TOKEN.sub(replace, text)


def _safe_math(source: str) -> bool:
    """Whether a formula only typesets: known commands, balanced braces, no comment
    (``%``), parameter (``#``) or alignment (``&``) character, and no ``^^`` (TeX reads
    ``^^5c`` as a backslash, so ``^^5cinput`` is ``\\input``)."""
    if "^^" in source or not _balanced(source):
        return False
    return all(token.group(1) in MATH_COMMANDS for token in _MATH_TOKEN.finditer(source))


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
