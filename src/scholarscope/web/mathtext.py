"""Titles and abstracts as safe, readable HTML.

Scholarly text carries LaTeX (``$\\mathcal{O}(n^2)$``, ``\\textit{pair-wise}``,
``\\href{url}{text}``), ``<`` and ``&``, and sometimes HTML. Every character of the source
is escaped; the only markup in the output is what this module writes itself: ``<em>``,
``<strong>``, ``<code>``, ``<sup>``, ``<sub>``, ``<span class="math">`` and
``<a href>`` for http(s) links. Unknown commands are shown as their names, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

from scholarscope.models import SnippetPart

MAX_DEPTH = 8  # nested braces followed in math; deeper text is shown as written

SYMBOLS = {
    # Greek
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ",
    "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ",
    "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ",
    "Psi": "Ψ", "Omega": "Ω",
    # relations, operators, arrows
    "times": "×", "cdot": "·", "pm": "±", "mp": "∓", "div": "÷", "leq": "≤", "le": "≤",
    "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼",
    "simeq": "≃", "equiv": "≡", "propto": "∝", "ll": "≪", "gg": "≫", "in": "∈",
    "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩",
    "infty": "∞", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫",
    "forall": "∀", "exists": "∃", "neg": "¬", "wedge": "∧", "vee": "∨",
    "rightarrow": "→", "to": "→", "leftarrow": "←", "Rightarrow": "⇒",
    "leftrightarrow": "↔", "mapsto": "↦", "uparrow": "↑", "downarrow": "↓",
    "ldots": "…", "cdots": "⋯", "dots": "…", "circ": "∘", "star": "⋆", "ast": "∗",
    "prime": "′", "degree": "°", "langle": "⟨", "rangle": "⟩", "lvert": "|",
    "rvert": "|", "vert": "|", "Vert": "‖", "mid": "∣", "emptyset": "∅",
    "checkmark": "✓", "dagger": "†", "ell": "ℓ", "hbar": "ℏ", "top": "⊤",
    "textasciitilde": "~", "textbackslash": "\\", "S": "§", "%": "%", "&": "&",
    "_": "_", "#": "#", "$": "$", "{": "{", "}": "}",
}  # fmt: skip
DOUBLE_STRUCK = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
PLAIN_FONTS = {"mathrm", "text", "textrm", "operatorname", "mathsf", "mathcal", "mathit",
               "mathscr", "mathfrak", "textsf", "mbox", "hat", "tilde", "bar", "vec",
               "widehat", "widetilde", "overline", "underline", "dot"}  # fmt: skip
BOLD_FONTS = {"mathbf", "boldsymbol", "bm", "textbf"}
IGNORED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
           "displaystyle", "textstyle", "limits", "nolimits", "quad", "qquad"}  # fmt: skip
FRACTIONS = {"frac", "dfrac", "tfrac"}

_TEXT = re.compile(
    r"(?=[$\\h`'-])"  # every form below starts with one of these: skip other positions fast
    r"(?:\$\$(?P<display>[^$]{1,2000})\$\$"
    r"|(?<![\\\w])\$(?P<math>(?=\S)[^$\n]{1,400}?(?<=\S))\$(?!\d)"
    r"|\\\((?P<paren>.{1,400}?)\\\)"
    r"|\\href\{(?P<href>[^{}\s]*)\}\{(?P<label>[^{}]*)\}"
    r"|\\url\{(?P<url>[^{}\s]*)\}"
    r"|\\(?P<style>textit|emph|textbf|texttt|textsc|textrm|textsf|text|underline)"
    r"\{(?P<styled>[^{}]*)\}"
    r"|(?P<bare>https?://[^\s<>\"'{}\\]+)"
    r"|\\(?P<command>[A-Za-z]+|[%&_#${}])"
    r"|(?P<dash>---|--)"
    r"|(?P<quote>``|''))",
    re.DOTALL,
)
# What every form ``_TEXT`` matches starts with: a text holding none is only escaped,
# and ``_TEXT`` searches from the first one found (searching a title cost 12 µs, 1 µs
# this way; an abstract with LaTeX or a link 39 -> 32 µs).
_STARTS = ("$", "\\", "http", "--", "``", "''")
_STYLE_TAGS = {"textit": "em", "emph": "em", "textbf": "strong", "texttt": "code"}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_OPEN, _CLOSE = "\x02", "\x03"  # around matched words, as the store's snippets mark them
_TAG_OR_MARKER = re.compile(r"(<[^>]*>|[\x02\x03])")
_MATH_SPAN = re.compile(r"\$\$[^$]{1,2000}\$\$|\$[^$\n]{1,400}\$|\\\(.{1,400}?\\\)", re.DOTALL)


def render_text(text: str | None) -> Markup:
    """Escaped HTML for a title or an abstract, LaTeX made readable.

    >>> str(render_text("Cost $\\\\mathcal{O}(n^2)$ & <b>fast</b>"))
    'Cost <span class="math">O(n<sup>2</sup>)</span> &amp; &lt;b&gt;fast&lt;/b&gt;'
    >>> str(render_text("a \\\\textit{pair-wise} manner"))
    'a <em>pair-wise</em> manner'
    """
    if not text:
        return Markup("")
    found = [at for at in (text.find(start) for start in _STARTS) if at >= 0]
    if not found:  # four texts in five: nothing to render
        return escape(text)
    position = min(found)  # the text before it is only escaped
    parts: list[str] = [escape(text[:position])]
    for match in _TEXT.finditer(text, position):
        parts.append(escape(text[position : match.start()]))
        parts.append(_render_piece(match))
        position = match.end()
    parts.append(escape(text[position:]))
    return Markup("".join(parts))


def render_snippet(parts: Sequence[SnippetPart] | None) -> Markup:
    """A search snippet (``search.snippet_parts``) rendered like the abstract it comes
    from, its matched words in ``<mark>``. The parts are rendered together, as a match
    may fall inside LaTeX (``\\textit{pair-wise}``, ``$\\alpha$``); a highlight never
    spans a tag, so the markup stays well nested.

    >>> str(render_snippet([SnippetPart(text="a \\\\textit{", match=False),
    ...     SnippetPart(text="pair", match=True), SnippetPart(text="-wise} b", match=False)]))
    'a <em><mark>pair</mark>-wise</em> b'
    """
    if not parts:
        return Markup("")
    text = "".join(f"{_OPEN}{part.text}{_CLOSE}" if part.match else part.text for part in parts)
    # a match inside math highlights the whole formula; a match of a command's name
    # ("alpha" in "\\alpha") starts before its backslash
    text = _MATH_SPAN.sub(_mark_whole, text).replace(f"\\{_OPEN}", f"{_OPEN}\\")
    out: list[str] = []
    marked = False
    for piece in _TAG_OR_MARKER.split(str(render_text(text))):
        if piece in (_OPEN, _CLOSE):
            marked = piece == _OPEN
        elif piece.startswith("<"):  # a tag we wrote: a marker inside it (a URL) is dropped
            markers = [c for c in piece if c in (_OPEN, _CLOSE)]
            marked = markers[-1] == _OPEN if markers else marked
            out.append(piece.replace(_OPEN, "").replace(_CLOSE, ""))
        elif piece:
            out.append(f"<mark>{piece}</mark>" if marked else piece)
    return Markup("".join(out))


def _mark_whole(match: re.Match[str]) -> str:
    span = match.group(0)
    markers = [c for c in span if c in (_OPEN, _CLOSE)]
    if not markers:
        return span
    bare = span.replace(_OPEN, "").replace(_CLOSE, "")
    return _OPEN + bare + _CLOSE + (_OPEN if markers[-1] == _OPEN else "")


def plain_text(text: str | None) -> str:
    """The readable text without any markup (for a page title or a tooltip).

    >>> plain_text("Learning $\\\\alpha$-divergences")
    'Learning α-divergences'
    """
    return render_text(text).striptags()


def _render_piece(match: re.Match[str]) -> str:
    groups = match.groupdict()
    for name in ("display", "math", "paren"):
        if groups[name] is not None:
            return f'<span class="math">{_math(groups[name], 0)}</span>'
    if groups["href"] is not None:
        return _link(groups["href"], groups["label"] or groups["href"])
    if groups["url"] is not None:
        return _link(groups["url"], groups["url"])
    if groups["style"] is not None:
        tag = _STYLE_TAGS.get(groups["style"])
        inner = escape(groups["styled"])
        return f"<{tag}>{inner}</{tag}>" if tag else str(inner)
    if groups["bare"] is not None:
        url = groups["bare"]
        trimmed = url.rstrip(".,;:!?)]")
        return _link(trimmed, trimmed) + str(escape(url[len(trimmed) :]))
    if groups["command"] is not None:
        name = groups["command"]
        return str(escape(SYMBOLS.get(name, "\\" + name)))
    if groups["dash"] is not None:
        return "—" if groups["dash"] == "---" else "–"
    return "“" if groups["quote"] == "``" else "”"


def _link(url: str, label: str) -> str:
    """A link for http(s) URLs only; anything else (javascript:, data:) stays text."""
    if not re.match(r"^https?://", url, re.IGNORECASE):
        return str(escape(label))
    return f'<a href="{escape(url)}" rel="nofollow noopener">{escape(label)}</a>'


def _math(source: str, depth: int) -> str:
    """Math as text: symbols for commands, <sup>/<sub> for ^ and _, braces dropped."""
    if depth > MAX_DEPTH:
        return str(escape(source))
    out: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            command = _COMMAND.match(source, i)
            assert command is not None  # a backslash always starts a command here
            name = command.group(1)
            i = command.end()
            if name in FRACTIONS:
                top, i = _argument(source, i)
                bottom, i = _argument(source, i)
                out.append(f"{_math(top, depth + 1)}/{_math(bottom, depth + 1)}")
            elif name == "sqrt":
                inner, i = _argument(source, i)
                out.append(f"√({_math(inner, depth + 1)})")
            elif name == "mathbb":
                inner, i = _argument(source, i)
                out.append("".join(DOUBLE_STRUCK.get(c, str(escape(c))) for c in inner))
            elif name in BOLD_FONTS:
                inner, i = _argument(source, i)
                out.append(f"<strong>{_math(inner, depth + 1)}</strong>")
            elif name in PLAIN_FONTS:
                inner, i = _argument(source, i)
                out.append(_math(inner, depth + 1))
            elif name in IGNORED or name == "!":
                continue
            elif name in (",", ";", ":", " "):
                out.append("\u2009")
            else:
                out.append(str(escape(SYMBOLS.get(name, name))))
        elif char in "^_":
            inner, i = _argument(source, i + 1)
            tag = "sup" if char == "^" else "sub"
            out.append(f"<{tag}>{_math(inner, depth + 1)}</{tag}>")
        elif char == "{":
            inner, i = _argument(source, i)
            out.append(_math(inner, depth + 1))
        elif char == "}":
            i += 1
        else:
            out.append(str(escape(char)))
            i += 1
    return "".join(out)


def _argument(source: str, i: int) -> tuple[str, int]:
    """The argument starting at ``i``: a braced group, a command, or one character."""
    while i < len(source) and source[i] == " ":
        i += 1
    if i >= len(source):
        return "", i
    if source[i] == "{":
        depth = 0
        for end in range(i, len(source)):
            depth += {"{": 1, "}": -1}.get(source[end], 0)
            if depth == 0:
                return source[i + 1 : end], end + 1
        return source[i + 1 :], len(source)
    if source[i] == "\\":
        command = _COMMAND.match(source, i)
        if command:
            return command.group(0), command.end()
    return source[i], i + 1
