"""The LaTeX commands that titles and abstracts hold, and what each is shown as.

Data only, read by the renderer (``mathtext.py`` for text, ``tex_math.py`` for formulas)
and by the exports, which keep a formula as TeX only when it holds commands the pages
render (``export.py``). The forms are those of arXiv cs abstracts (counts in
``mathtext.py``).
"""

from __future__ import annotations

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
               "widehat", "widetilde", "overline", "underline", "dot", "mathtt", "texttt",
               "textit", "emph", "textsc", "textnormal"}  # fmt: skip
BOLD_FONTS = {"mathbf", "boldsymbol", "bm", "textbf"}
IGNORED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
           "displaystyle", "textstyle", "limits", "nolimits", "quad", "qquad",
           "rm", "bf", "it", "sf", "tt", "cal"}  # fmt: skip
FRACTIONS = {"frac", "dfrac", "tfrac"}

# Commands outside math that print a word or a character. Abbreviation macros
# (CVPR's \eg, \ie, \etal) end in a dot that a following "." replaces, as \onedot does.
TEXT_SYMBOLS = {
    "eg": "e.g.", "Eg": "E.g.", "ie": "i.e.", "Ie": "I.e.", "etal": "et al.",
    "etc": "etc.", "vs": "vs.", "wrt": "w.r.t.", "cf": "cf.", "Cf": "Cf.", "aka": "a.k.a.",
    "iid": "i.i.d.", "deg": "°", "textdegree": "°", "textregistered": "®",
    "texttrademark": "™", "copyright": "©", "textcopyright": "©", "textperthousand": "‰",
    "textpertenthousand": "‱", "textendash": "–", "textemdash": "—", "textbullet": "•",
    "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“",
    "textquotedblright": "”", "textbar": "|", "textless": "<", "textgreater": ">",
    "textasciicircum": "^", "textmu": "µ", "i": "ı", "j": "ȷ", "o": "ø", "O": "Ø",
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "l": "ł",
    "L": "Ł", "item": "•", "newline": " ", "linebreak": " ", "par": " ", "hfill": " ", "quad": " ",
    "qquad": " ", "xspace": "", "relax": "", "protect": "", "noindent": "",
    "centering": "", "footnotemark": "", "onedot": ".",
}  # fmt: skip
# \name{x} outside math: x, in this element ("" for none).
ARGUMENT_STYLES = {
    "textit": "em", "emph": "em", "textsl": "em", "textbf": "strong", "texttt": "code",
    "textsuperscript": "sup", "textsubscript": "sub", "textsc": "", "textrm": "",
    "textsf": "", "text": "", "textnormal": "", "textup": "", "textmd": "", "mbox": "",
    "hbox": "", "underline": "", "uline": "", "ul": "", "added": "",
}  # fmt: skip
# \name{a}{b}: only b is shown (\replaced{new}{old} shows a).
SECOND_ARGUMENT = {"textcolor", "colorbox", "hyperlink", "hypertarget", "replaced"}
# \name{a}: nothing is shown (\begin{itemize}: a space).
HIDDEN_ARGUMENT = {"color", "label", "deleted", "begin", "end", "vspace", "hspace",
                   "thanks", "bibliographystyle", "pagestyle"}  # fmt: skip
CITATIONS = {"cite", "citep", "citet", "citealp", "citealt", "citeauthor", "citeyear",
             "parencite", "textcite", "autocite", "footcite"}  # fmt: skip
REFERENCES = {"ref", "eqref", "autoref", "cref", "Cref", "pageref"}
# {\em text}: the declaration styles the rest of its group.
DECLARATIONS = {
    "em": "em", "it": "em", "itshape": "em", "sl": "em", "slshape": "em", "bf": "strong",
    "bfseries": "strong", "tt": "code", "ttfamily": "code", "sc": "", "scshape": "",
    "rm": "", "rmfamily": "", "sf": "", "sffamily": "", "normalfont": "", "upshape": "",
    "mdseries": "", "tiny": "", "scriptsize": "", "footnotesize": "", "small": "",
    "normalsize": "", "large": "", "Large": "", "LARGE": "", "huge": "", "Huge": "",
}  # fmt: skip
# Accents as combining characters: \'e, \"{o}, \c{c}, \v s.
ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
