"""Titles and abstracts as safe, readable HTML, or as plain text.

Scholarly text carries LaTeX (``$\\mathcal{O}(n^2)$``, ``\\textit{pair-wise}``,
``\\href{url}{text}``, ``Fig.~3``, ``\\eg``), a little HTML from publishers
(``CO<sub>2</sub>``, ``Stephenson <i>et al.</i>``), ``<`` and ``&``. Every character of
the source is escaped; the only markup in the output is what this module writes itself:
``<em>``, ``<strong>``, ``<code>``, ``<sup>``, ``<sub>``, ``<span class="math">`` and
``<a href>`` for http(s) links. No attribute of the source survives. Unknown commands
are shown as their names and unknown tags (``<think>``, ``<script>``) as written, never
dropped.

The forms are those of 60,419 arXiv cs abstracts (2025-26), by the abstracts holding
each: a formula touching a word, ``CD$^2$`` (2,168); ``\\%``, ``\\&``, ``\\_`` (2,664);
``\\textbf`` (1,414), ``\\textit`` (752), ``\\emph`` (512), ``\\href`` (409); a formula
across a line break (687); ties, ``Fig.~3`` (506); accents, ``Fr\\'echet`` (187);
``\\texttt`` (140), ``\\textsc`` (125), ``\\cite`` (90), ``\\eg``/``\\ie`` (84),
``\\footnote`` (81), ``\\textcolor`` (56), ``{\\em …}`` (49).

The commands' tables are ``tex_commands.py``; a formula's TeX is rendered by
``tex_math.py``. This module finds the forms above, renders the text around formulas,
publishers' tags and search snippets, and makes plain text of the result.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from scholarscope.tex_commands import (
    ACCENTS,
    ARGUMENT_STYLES,
    BOLD_FONTS,
    CITATIONS,
    DECLARATIONS,
    FRACTIONS,
    HIDDEN_ARGUMENT,
    PLAIN_FONTS,
    REFERENCES,
    SECOND_ARGUMENT,
    SYMBOLS,
    TEXT_SYMBOLS,
)
from scholarscope.tex_math import MAX_DEPTH, code_point, math_html

# Publishers' HTML (OpenAlex titles, JATS abstracts, whose "jats:" OpenAlex may drop):
# tags that only format or wrap, as the element written for each ("" drops the tag and
# keeps its text). Each is markup only as an
# element closed in the same text, so a paper about tags ("<think>", "<b> alone") keeps
# them as text and the output always nests.
HTML_TAGS = {
    "i": "em", "em": "em", "b": "strong", "strong": "strong", "sub": "sub", "sup": "sup",
    "jats:italic": "em", "jats:bold": "strong", "jats:sub": "sub", "jats:sup": "sup",
    "italic": "em", "bold": "strong", "span": "", "scp": "", "sc": "", "font": "",
    "small": "", "u": "", "tt": "", "p": "", "sec": "", "title": "",
}  # fmt: skip
HTML_PREFIXES = ("mml:", "jats:")  # MathML and JATS wrappers: their text is what reads

# a formula's text: across a line break, never a blank line
_TEX_INLINE = r"(?:[^$\n]|\n(?![ \t]*\n)){1,400}?(?<!\\)"
_INLINE = rf"(?=\S){_TEX_INLINE}(?<=\S)"
_TEXT = re.compile(
    r"(?=[$\\h`'<{~^-])"  # every form below starts with one of these: skip other positions fast
    r"(?:\$\$(?P<display>[^$]{1,2000})\$\$"
    r"|\\\[(?P<bracket>.{1,2000}?)\\\]"
    r"|\\\((?P<paren>.{1,400}?)\\\)"
    # a formula holding TeX may touch a word or a number ("CD$^2$", "$\sim$2x") and have
    # spaces inside its dollars (as MathJax allows); one without may be two prices
    # ("$5 and $10"), so it must not end before a digit or the next formula
    rf"|(?<!\\)\$(?=[^$]{{0,400}}?[\\^_{{])(?P<tex>{_TEX_INLINE})\$"
    rf"|(?<!\\)\$(?P<math>{_INLINE})\$(?![\d\\])"  # "$5 and $10, 1.9$\times$"
    r"|(?<!\\)\$(?P<operator> ?[-+=<>±×∼~≈]{1,2} ?)\$"  # "$<$0.75M", "$-$23.9%"
    r"|<(?P<tag>[A-Za-z][\w:]{0,30})(?:\s[^<>]{0,500})?>"
    r"|(?P<bare>https?://[^\s<>\"'{}\\]+)"
    r"|\\(?P<accent>['\"`^~=.])"
    r"|\\(?P<command>[A-Za-z]+)\*?"
    r"|\\(?P<symbol>.)"
    r"|(?P<group>\{)"
    r"|(?<=\S)(?P<tie>~)(?=\S)"
    # a power written outside $…$ ("10^{-20}", "O(N^2)", "A^3-Bench"); a caret before
    # anything else (a word: "x^abc", XOR) stays
    r"|(?<=[\w)\]}])\^(?P<caret>\{[^{}$\n]{1,40}\}|\d{1,3}(?!\d|\.\d)|[A-Za-z](?!\w))"
    r"|(?P<dash>---|--)"
    r"|(?P<quote>``|''))",
    re.DOTALL,
)
# What every form ``_TEXT`` matches starts with: a text holding none is only escaped,
# and ``_TEXT`` searches from the first one found (searching a title cost 12 µs, 1 µs
# this way; an abstract with LaTeX or a link 39 -> 32 µs).
_STARTS = ("$", "\\", "http", "--", "``", "''", "<", "{", "~", "^")
_JSON_ESCAPE = re.compile(
    r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u([0-9a-f]{4})", re.IGNORECASE
)
_ACCENT_BASE = re.compile(r"\{(\\[ij]|[A-Za-z])\}|(\\[ij](?![A-Za-z])|[A-Za-z])")
_LETTER_ACCENT_BASE = re.compile(r"\{(\\[ij]|[A-Za-z])\}| ([A-Za-z])(?![A-Za-z])")
_OPTIONS = re.compile(r"(?:\s?\[[^\[\]{}]{0,200}\])*")  # \cite[p.~3]{x}
_TIED_NUMBER = re.compile(r"[\d.]+[A-Za-z]")
_MATH_KINDS = ("display", "bracket", "paren", "tex", "math", "operator")
_DECLARATION = re.compile(r"\s*\\(?:color\{[^{}]*\}|(?P<name>[A-Za-z]+)(?![A-Za-z]))\s*", re.DOTALL)
_OPEN, _CLOSE = "\x02", "\x03"  # around matched words, as the store's snippets mark them
_TAG_OR_MARKER = re.compile(r"(<[^>]*>|[\x02\x03])")
_MATH_SPAN = re.compile(
    r"\$\$[^$]{1,2000}\$\$|\\\[.{1,2000}?\\\]|\$(?:[^$\n]|\n(?![ \t]*\n)){1,400}\$"
    r"|\\\(.{1,400}?\\\)",
    re.DOTALL,
)
_SOURCE_TAG = re.compile(r"<[^<>\s]{1,30}(?:\s[^<>]{0,500})?>")


def render_text(text: str | None) -> Markup:
    """Escaped HTML for a title or an abstract, LaTeX and publishers' tags made readable.

    >>> str(render_text("Cost $\\\\mathcal{O}(n^2)$ & <b>fast</b> <script>"))
    'Cost <span class="math">O(n<sup>2</sup>)</span> &amp; <strong>fast</strong> &lt;script&gt;'
    >>> str(render_text("a \\\\textit{pair-wise} manner, i)~the CD$^2$ model"))
    'a <em>pair-wise</em> manner, i) the CD<span class="math"><sup>2</sup></span> model'
    """
    if not text:
        return Markup("")
    return Markup(_text(text, 0))


def render_snippet(parts: Sequence[Mapping[str, Any] | Any] | None) -> Markup:
    """A search snippet (``search.snippet_parts``) rendered like the abstract it comes
    from, its matched words in ``<mark>``. The parts are rendered together, as a match
    may fall inside LaTeX (``\\textit{pair-wise}``, ``$\\alpha$``); a highlight never
    spans a tag, so the markup stays well nested.

    >>> str(render_snippet([{"text": "a \\\\textit{", "match": False},
    ...                     {"text": "pair", "match": True}, {"text": "-wise} b", "match": False}]))
    'a <em><mark>pair</mark>-wise</em> b'
    """
    if not parts:
        return Markup("")
    # parts are dicts, or the read model's SnippetPart (attributes)
    pairs = [
        (p["text"], p["match"]) if isinstance(p, Mapping) else (p.text, p.match) for p in parts
    ]
    text = "".join(f"{_OPEN}{part}{_CLOSE}" if match else str(part) for part, match in pairs)
    # a match inside math highlights the whole formula; a match of a command's name
    # ("alpha" in "\\alpha") starts before its backslash; one inside a tag ("sub" of
    # "<sub>") would hide the tag, and is not shown
    text = _MATH_SPAN.sub(lambda m: _markers_outside(m.group(0), True), text)
    text = text.replace(f"\\{_OPEN}", f"{_OPEN}\\")
    text = _SOURCE_TAG.sub(lambda m: _markers_outside(m.group(0), False), text)
    out: list[str] = []
    marked = False
    for piece in _TAG_OR_MARKER.split(_text(text, 0)):
        if piece in (_OPEN, _CLOSE):
            marked = piece == _OPEN
        elif piece.startswith("<"):  # a tag we wrote: a marker inside it (a URL) is dropped
            markers = [c for c in piece if c in (_OPEN, _CLOSE)]
            marked = markers[-1] == _OPEN if markers else marked
            out.append(piece.replace(_OPEN, "").replace(_CLOSE, ""))
        elif piece:
            out.append(f"<mark>{piece}</mark>" if marked else piece)
    return Markup("".join(out))


def _markers_outside(span: str, highlight: bool) -> str:
    """``span`` without the match markers inside it, highlighted whole (a formula) or not
    at all (a tag); a match running on past it opens again after it."""
    markers = [c for c in span if c in (_OPEN, _CLOSE)]
    if not markers:
        return span
    bare = span.replace(_OPEN, "").replace(_CLOSE, "")
    return (_OPEN + bare + _CLOSE if highlight else bare) + (_OPEN if markers[-1] == _OPEN else "")


def _text(text: str, depth: int) -> str:
    """``text`` as HTML: each form ``_TEXT`` finds rendered, everything else escaped."""
    found = [at for at in (text.find(start) for start in _STARTS) if at >= 0]
    if not found or depth > MAX_DEPTH:  # four texts in five: nothing to render
        return str(escape(text))
    first = min(found)  # the text before it is only escaped
    parts: list[str] = []
    position = 0
    while (match := _TEXT.search(text, max(position, first))) is not None:
        before = text[position : match.start()]
        piece, position = _render_piece(text, match, depth)
        if match.lastgroup == "tag":
            before, piece = _element_spacing(before, piece, text[position : position + 1])
        parts += [escape(before), piece]
    parts.append(escape(text[position:]))
    return "".join(parts)


def _render_piece(text: str, match: re.Match[str], depth: int) -> tuple[str, int]:
    """The HTML for what ``match`` found, and where the text goes on (a command's
    arguments and an element's content end after the match)."""
    kind = match.lastgroup
    value = match.group(kind or 0)
    end = match.end()
    if kind in _MATH_KINDS:
        return f'<span class="math">{math_html(value, 0)}</span>', end
    if kind == "tag":
        return _element(text, match, depth)
    if kind == "bare":
        trimmed = value.rstrip(".,;:!?)]")
        return _link(trimmed, escape(trimmed)) + str(escape(value[len(trimmed) :])), end
    if kind == "accent":  # without a letter after it, the mark itself ("\\~{}" is "~")
        empty = text.startswith("{}", end)
        return _accented(text, end, value) or (str(escape(value)), end + 2 * empty)
    if kind == "command":
        return _command(text, match, depth)
    if kind == "symbol":
        return _symbol(text, end, value)
    if kind == "group":
        return _group(text, match.start(), depth)
    if kind == "tie":  # a tie is a space, but "10~20 ms" is a range, "(~5%)" approximately
        before = text[match.start() - 1]
        ranged = before.isdigit() and text[end].isdigit()  # "LLaMA-2~13B" is tied
        tied = not ranged or _TIED_NUMBER.match(text, end) is not None
        return (" " if tied and before not in "([{~" else "~"), end
    if kind == "caret":
        return f"<sup>{math_html(value.removeprefix('{').removesuffix('}'), 1)}</sup>", end
    if kind == "dash":
        return ("—" if value == "---" else "–"), end
    return ("“" if value == "``" else "”"), end


def _element(text: str, match: re.Match[str], depth: int) -> tuple[str, int]:
    """A publisher's formatting element as ours, its attributes dropped; ``<a href>`` a
    link when http(s); any other tag, or one not closed, shown as written."""
    name = match.group("tag").lower()
    if name == "br":
        return " ", match.end()
    written = HTML_TAGS.get(name, "" if name == "a" or name.startswith(HTML_PREFIXES) else None)
    close = None
    if written is not None and not match.group(0).endswith("/>"):
        close = _closing_tag(text, name, match.end())
    if close is None:
        return "&lt;", match.start() + 1  # the rest of the tag is read as text
    inner = _text(text[match.end() : close.start()], depth + 1)
    if name == "a":
        href = re.search(r"\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", match.group(0), re.I)
        url = html.unescape((href.group(1) or href.group(2)) if href else "")
        return _link(url, inner), close.end()
    return (f"<{written}>{inner}</{written}>" if written else inner), close.end()


def _element_spacing(before: str, element: str, after: str) -> tuple[str, str]:
    """Publishers' spacing around an element: "CO <sub>2</sub>" is CO₂ (a script belongs to
    what it follows), "Permian<i>Converrucosisporites</i>Oppel" three words."""
    if element.startswith(("<sub>", "<sup>")) and re.search(r"\w[ \t]+$", before):
        return before.rstrip(" \t"), element
    if element.startswith(("<em>", "<strong>")):
        inner = re.sub(r"<[^>]*>", "", element)
        before += " " if before[-1:].isalpha() and inner[:1].isalpha() else ""
        element += " " if after.isalpha() and inner[-1:].isalpha() else ""
    return before, element


def _closing_tag(text: str, name: str, start: int) -> re.Match[str] | None:
    """The tag closing an element ``name`` opened before ``start`` (nested ones skipped)."""
    depth = 1
    tags = re.compile(rf"<(/?){re.escape(name)}(?=[\s>/])[^<>]*>", re.IGNORECASE)
    for tag in tags.finditer(text, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag
    return None


def _command(text: str, match: re.Match[str], depth: int) -> tuple[str, int]:
    """A command outside math, with the arguments it takes."""
    name = match.group("command")
    end = match.end()
    if name[0] == "u" and (escaped := _JSON_ESCAPE.match(text, match.start())):
        # "Bird\u2019s": JSON's escape, escaped twice; a surrogate pair is one character
        high, low, single = escaped.groups()
        pair = 0x10000 + (int(high or "0", 16) - 0xD800 << 10) + int(low or "0", 16) - 0xDC00
        code = int(single, 16) if single else pair
        return str(escape(code_point(f"x{code:x}") or escaped.group(0))), escaped.end()
    # \hyperlink{https://…}{text} is an \href written with the wrong command
    web = name == "hyperlink" and re.match(r"\s*https?://", _braced(text, end)[0] or "")
    if name in ("href", "url") or web:
        target, after = _braced(text, end)
        if target is None:  # an argument never closed: the text goes on after the name
            return "", end
        url = re.sub(r"\\([_#%&~$])", r"\1", target)  # \_ in a URL is _
        label, last = _braced(text, after) if name != "url" else (None, after)
        return _link(url, _text(label, depth + 1) if label else str(escape(url))), last
    if name in ARGUMENT_STYLES:
        argument, after = _braced(text, end)
        inner = _text(argument or "", depth + 1)
        tag = ARGUMENT_STYLES[name]
        return (f"<{tag}>{inner}</{tag}>" if tag and inner else inner), after
    if name in SECOND_ARGUMENT:
        first, after = _braced(text, end)
        second, last = _braced(text, after)
        shown = first if name == "replaced" else second
        return _text(shown or "", depth + 1), last
    if name in HIDDEN_ARGUMENT:
        argument, after = _braced(text, end)
        return (" " if name in ("begin", "end") else ""), after
    if name in CITATIONS or name in REFERENCES or name == "footnote":
        options = _OPTIONS.match(text, end)
        after = options.end() if options else end
        argument, after = _braced(text, after)
        if argument is None:
            return "", end
        if name == "footnote":  # a footnote reads as an aside in parentheses
            space = "" if text[: match.start()][-1:].isspace() else " "
            return f"{space}({_text(argument.strip(), depth + 1)})", after
        if name in REFERENCES:
            return str(escape(argument)), after
        keys = ", ".join(key.strip() for key in argument.split(","))
        return f"[{escape(keys)}]", after
    if name == "unicode":
        argument, after = _braced(text, end)
        return str(escape(code_point(argument or "") or name)), after
    if name in ACCENTS:
        argument, after = _braced(text, end, spaces=False)
        if argument is not None and name + argument in SYMBOLS:  # "\b{eta}": a mangled \beta
            return str(escape(SYMBOLS[name + argument])), after
        if accented := _accented(text, end, name):
            return accented
    if name in FRACTIONS or name in PLAIN_FONTS or name in BOLD_FONTS or name == "mathbb":
        # a math command outside $…$ ("(∃\mathbb{R})"): rendered as math
        after = end
        for _ in range(2 if name in FRACTIONS else 1):
            after = _braced(text, after)[1]
        return f'<span class="math">{math_html(text[match.start() : after], 0)}</span>', after
    if name in DECLARATIONS:  # outside a group it would style the rest: the style is dropped
        return "", end
    word = TEXT_SYMBOLS.get(name) or SYMBOLS.get(name)
    if word is not None:
        if word.endswith(".") and text[end : end + 1] == ".":
            word = word[:-1]
        return str(escape(word)), end
    argument, after = _braced(text, end, spaces=False)
    if argument:  # an unknown formatting command (\hl{x}, \rev{x}): its text
        return _text(argument, depth + 1), after
    return str(escape(name)), end  # an unknown macro (\ours, \method): its name


def _symbol(text: str, end: int, char: str) -> tuple[str, int]:
    """A control symbol outside math: ``\\%`` is "%", ``\\,`` a thin space."""
    if char in SYMBOLS:
        return str(escape(SYMBOLS[char])), end
    if char == "@":  # \@ before a period only spaces; "mAP\@0.5" was an escaped "@"
        return ("@" if text[end : end + 1].isdigit() else ""), end
    spaces = {" ": " ", "\n": " ", "\\": " ", ",": "\u2009", ";": " ", ":": " "}
    # "\-" is TeX's soft hyphen, but most abstracts write "zero\-shot" for "zero-shot"
    return str(escape(spaces.get(char, "" if char in "!/" else char))), end


def _group(text: str, start: int, depth: int) -> tuple[str, int]:
    """A braced group outside math. Braces that only group TeX (``{\\em x}``,
    ``{\\'e}``, ``10{,}369``, ``{}``) are dropped; braces around words are the text's
    own (a set ``{2, 4, 8}``, JSON) and stay."""
    end = _matching_brace(text, start)
    if end is None:
        return "{", start + 1
    inner = text[start + 1 : end]
    declaration = _DECLARATION.match(inner)
    name = declaration.group("name") if declaration else None
    if declaration and (name is None or name in DECLARATIONS):
        rest = _text(inner[declaration.end() :], depth + 1)
        tag = DECLARATIONS.get(name or "", "")
        return (f"<{tag}>{rest}</{tag}>" if tag and rest else rest), end + 1
    tex_only = "\\" in inner or len(inner.strip()) <= 1 and not inner.strip().isalnum()
    if tex_only or text[end + 1 : end + 2].isalpha():  # "{B}ias-{L}inked": TeX's grouping
        return _text(inner, depth + 1), end + 1
    return "{" + _text(inner, depth + 1) + "}", end + 1


def _accented(text: str, i: int, mark: str) -> tuple[str, int] | None:
    """The letter at ``i`` with the accent ``mark`` (``\\'e``, ``\\"{o}``, ``\\'{\\i}``,
    ``\\c{c}``, ``\\v s``), or None where no letter follows."""
    found = (_LETTER_ACCENT_BASE if mark.isalpha() else _ACCENT_BASE).match(text, i)
    if found is None:
        return None
    base = found.group(1) or found.group(2)
    base = {"\\i": "ı", "\\j": "ȷ"}.get(base, base)
    return unicodedata.normalize("NFC", base + ACCENTS[mark]), found.end()


def _braced(text: str, i: int, spaces: bool = True) -> tuple[str | None, int]:
    """The content of the braced argument at ``i`` (after spaces, as TeX skips them) and
    where it ends; (None, i) when no balanced group starts there."""
    j = i
    while spaces and j < len(text) and text[j] in " \t\n" and j - i < 3:
        j += 1
    if text[j : j + 1] != "{":
        return None, i
    end = _matching_brace(text, j)
    if end is None:
        return None, i
    return text[j + 1 : end], end + 1


def _matching_brace(text: str, start: int) -> int | None:
    """The index of the brace closing the one at ``start`` (``\\{`` and ``\\}`` skipped)."""
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _link(url: str, label: str) -> str:
    """A link for http(s) URLs only; anything else (javascript:, data:) stays text.
    ``label`` is HTML already."""
    url = url.replace(_OPEN, "").replace(_CLOSE, "")  # a match inside a URL is no part of it
    if not re.match(r"^https?://", url, re.IGNORECASE):
        return label
    return f'<a href="{escape(url)}" rel="nofollow noopener">{label}</a>'


_SUPERSCRIPTS = str.maketrans(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW*′∘⊤",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ*′°ᵀ",
)
_SUBSCRIPTS = str.maketrans(
    "0123456789+-−=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"
)
_PLAIN_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_NOT_SCRIPT = re.compile(r"<(?!/?su[bp]>)[^>]*>")
_SCRIPT = re.compile(r"<(sup|sub)>([^<]*)</\1>")


def plain_text(text: str | None) -> str:
    """The readable text without any markup, for a page title or the terminal: "CO₂",
    "O(n²)", a link's label followed by its address.

    >>> plain_text("Learning $\\\\alpha$-divergences of CO<sub>2</sub> \\\\emph{in situ}")
    'Learning α-divergences of CO₂ in situ'
    """
    rendered = _PLAIN_LINK.sub(_plain_link, str(render_text(text)))
    rendered = _NOT_SCRIPT.sub("", rendered)
    while (scripted := _SCRIPT.sub(_plain_script, rendered)) != rendered:  # innermost first
        rendered = scripted
    return Markup(rendered).striptags()


def _plain_link(match: re.Match[str]) -> str:
    url, label = match.group(1), _NOT_SCRIPT.sub("", match.group(2))
    return label if label in (url, url.split("://", 1)[-1]) else f"{label} ({url})"


def _plain_script(match: re.Match[str]) -> str:
    """Super- and subscripts in Unicode where every character has one ("m⁻¹"), else
    TeX's notation ("mAP_(50:95)"), which a reader of plain text knows."""
    kind, inner = match.groups()
    if not inner.strip():
        return inner
    table = _SUPERSCRIPTS if kind == "sup" else _SUBSCRIPTS
    if all(ord(char) in table for char in inner):
        return inner.translate(table)
    mark = "^" if kind == "sup" else "_"
    return mark + (inner if len(inner) == 1 else f"({inner})")
