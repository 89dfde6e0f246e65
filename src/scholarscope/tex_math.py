"""A formula's TeX as HTML text: symbols for commands, ``<sup>``/``<sub>`` for ``^``
and ``_``, braces dropped.

``mathtext.py`` finds the formulas (``$…$``, ``\\(…\\)``, a math command outside math)
and renders the text around them; the command tables are ``tex_commands.py``.
"""

from __future__ import annotations

import re

from markupsafe import escape

from scholarscope.tex_commands import (
    BOLD_FONTS,
    DOUBLE_STRUCK,
    FRACTIONS,
    IGNORED,
    PLAIN_FONTS,
    SYMBOLS,
    TEXT_SYMBOLS,
)

MAX_DEPTH = 8  # nested braces followed; deeper text is shown as written

_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)


def math_html(source: str, depth: int) -> str:
    """Math as text: symbols for commands, <sup>/<sub> for ^ and _, braces dropped."""
    if depth > MAX_DEPTH:
        return str(escape(source))
    out: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            command = _COMMAND.match(source, i)
            if command is None:  # a backslash that ends the formula
                out.append("\\")
                break
            name = command.group(1)
            i = command.end()
            if name in FRACTIONS:
                top, i = _argument(source, i)
                bottom, i = _argument(source, i)
                out.append(f"{math_html(top, depth + 1)}/{math_html(bottom, depth + 1)}")
            elif name == "sqrt":
                inner, i = _argument(source, i)
                out.append(f"√({math_html(inner, depth + 1)})")
            elif name == "mathbb":
                inner, i = _argument(source, i)
                out.append("".join(DOUBLE_STRUCK.get(c, str(escape(c))) for c in inner))
            elif name in BOLD_FONTS:
                inner, i = _argument(source, i)
                out.append(f"<strong>{math_html(inner, depth + 1)}</strong>")
            elif name in PLAIN_FONTS:
                inner, i = _argument(source, i)
                out.append(math_html(inner, depth + 1))
            elif name == "unicode":  # MathJax's \unicode{x2013}
                inner, i = _argument(source, i)
                out.append(str(escape(code_point(inner) or inner)))
            elif name == "\\" and source[i : i + 1].isalpha():  # "$\\omega$": one too many
                i -= 1
            elif name in IGNORED or name == "!":
                while source[i : i + 1] == " ":  # "{\rm 3}": TeX skips them after a word
                    i += 1
            elif name in (",", ";", ":", " "):
                out.append("\u2009")
            else:
                out.append(str(escape(_MATH_NAMES.get(name, name))))
        elif char in "^_":
            inner, i = _argument(source, i + 1)
            tag = "sup" if char == "^" else "sub"
            out.append(f"<{tag}>{math_html(inner, depth + 1)}</{tag}>")
        elif char == "{":
            inner, i = _argument(source, i)
            out.append(math_html(inner, depth + 1))
        elif char == "}":
            i += 1
        else:
            out.append(" " if char == "~" else str(escape(char)))
            i += 1
    return "".join(out)


# In math, \deg is the operator "deg" and \eg is no abbreviation: the characters only.
_MATH_NAMES = {
    **{k: v for k, v in TEXT_SYMBOLS.items() if k.startswith("text") or len(v) == 1},
    **SYMBOLS,
}
_MATH_NAMES.pop("deg", None)


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
            # "^\mathbf{2}": a command that takes arguments takes them here too, as TeX
            # expands it before the superscript
            end = command.end()
            name = command.group(1)
            wanted = 2 if name in FRACTIONS else int(name in _ONE_ARGUMENT)
            for _ in range(wanted):
                end = _argument(source, end)[1]
            return source[i:end], end
    return source[i], i + 1


_ONE_ARGUMENT = PLAIN_FONTS | BOLD_FONTS | {"mathbb", "sqrt", "unicode"}


def code_point(argument: str) -> str | None:
    """``\\unicode{x2013}`` (MathJax's form) or ``{8211}`` as the character."""
    found = re.fullmatch(r"\s*(?:[xX]|0x|U\+)([0-9A-Fa-f]{1,6})\s*|\s*(\d{1,7})\s*", argument)
    if not found:
        return None
    code = int(found.group(1), 16) if found.group(1) else int(found.group(2))
    return chr(code) if 0x20 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None
