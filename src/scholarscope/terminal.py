"""What the terminal shows of a researcher and their works (``scholarscope profile``,
``works``): the seed page's layout in plain text, titles and abstracts with their LaTeX
and publishers' markup made readable (``mathtext.plain_text``)."""

from __future__ import annotations

import textwrap
from datetime import date
from typing import Any

from scholarscope.mathtext import plain_text
from scholarscope.web.filters import venue_line


def _figure(value: Any, suffix: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:,}{suffix}" if isinstance(value, int) else f"{value}{suffix}"


def render_profile(p: dict[str, Any], abstracts: bool = True) -> str:
    """The seed page's layout in the terminal: header, then one block per work of the
    profile's page of works (then a line saying how many more), titles and abstracts as
    plain text. ``p``: a ``models.Author`` as plain data."""
    stated = p["stated"] or {}
    source = f"{stated['source']} {stated['origin']}" if stated else ""

    def line(label: str, ours: Any, key: str, suffix: str = "") -> str:
        text = f"{label:<10}{_figure(ours, suffix):>8}"
        if stated.get(key) is not None:
            text += f"   stated {_figure(stated[key], suffix)}"
        return text

    header = [
        p["name"],
        _field_line(p) or stated.get("field") or "—",
        line("h-index", p["h_index"], "h_index"),
        line("papers", p["papers"], "papers"),
        line("citations", p["citations"], "citations"),
        line("Novelty", p["novelty"], "novelty", "%"),
        line("AI Score", p["ai_score"], "ai_score"),
    ]
    if source:
        header.append(
            f"(stated figures from {source}; ours from {p['papers']} stored works, "
            f"{p['works_with_citations']} with citation counts)"
        )
    blocks = [render_work(plain_work(w), abstract=abstracts) for w in p["works"]]
    total = p["paging"]["total"]
    hidden = total - len(p["works"])
    if hidden:  # a long list scrolls the header away: the rest on request
        more = "work" if hidden == 1 else "works"
        blocks.append(f"… {hidden:,} more {more}: --limit {total} shows them all")
    return "\n".join(header) + f"\n\n{p['papers']} Papers\n\n" + "\n\n".join(blocks)


def plain_work(w: dict[str, Any]) -> dict[str, Any]:
    """The work with its titles and abstract as plain text, as a terminal shows them
    ("\\textit{x}" is "x", "CO<sub>2</sub>" is "CO₂")."""
    plain = {**w, "title": plain_text(w["title"]), "abstract": plain_text(w["abstract"])}
    if w.get("novelty_evidence"):
        plain["novelty_evidence"] = [
            {**e, "title": plain_text(e["title"])} for e in w["novelty_evidence"]
        ]
    return plain


def _field_line(p: dict[str, Any]) -> str | None:
    """The seed pages' badge for an arXiv field ("CV"); the name for another taxonomy's
    ("Earth and Planetary Sciences"), with the share of works behind it."""
    key = p.get("field_key")
    if not key or key.startswith("arxiv:"):
        return p["field"]
    share = p.get("field_share") or {}
    return f"{p['field_name']} ({share.get('works')} of {share.get('of')} works)"


def render_work(w: dict[str, Any], abstract: bool = True) -> str:
    """One work as the seed page shows it: badge, date, Code; title; authors; abstract —
    plus the venue line, and a predicted field marked with its confidence."""
    field = w["field"] or ""
    if field and (w.get("field_source") or "").startswith("predicted"):
        field += f" (predicted {w['field_confidence']:.0%})"
    code = "Code" if w["code"] else ("code promised" if w["code_state"] == "promised" else "")
    badges = "  ".join(x for x in (field, _display_date(w), code) if x)
    authors = w["authors"][:3]
    byline = ", ".join(authors) + (" et al." if w["et_al"] or len(w["authors"]) > 3 else "")
    if w["affiliation"]:
        byline += f" · {w['affiliation']}"
    lines = [badges, w["title"] or f"({w['id']})"]
    if byline.strip():
        lines.append(byline)
    venue = venue_line(w["venue"])
    if venue or w["code_url"]:
        lines.append("   ".join(x for x in (venue, w["code_url"] or "") if x))
    if w.get("versions"):
        others = ", ".join(f"{v['id']} ({v['rule']})" for v in w["versions"])
        lines.append(f"also appears as {others}")
    scores = _scores_line(w)
    if scores:
        lines.append(scores)
    if abstract and w["abstract"]:
        lines.append(textwrap.fill(w["abstract"], width=100))
    return "\n".join(lines)


def _scores_line(w: dict[str, Any]) -> str:
    """``Novelty 72% (cohort CV 2024) · AI Score 61.5 · nearest earlier: 0.83 "Title"``."""
    parts = []
    if w.get("novelty") is not None:
        parts.append(f"Novelty {w['novelty']:.0f}% ({w['novelty_cohort']})")
    elif w.get("ai_score_breakdown") and w.get("novelty_reason"):  # scored, without novelty
        parts.append(f"Novelty — {w['novelty_reason']}")
    if w.get("ai_score") is not None:
        parts.append(f"AI Score {w['ai_score']}")
    if w.get("novelty_evidence"):
        nearest = w["novelty_evidence"][0]
        parts.append(
            f"nearest earlier {nearest['similarity']:.2f} {nearest['title'] or nearest['id']}"
        )
    return " · ".join(parts)


def _display_date(w: dict[str, Any]) -> str:
    value = w["date"]
    if value and len(value) == 10:
        day = date.fromisoformat(value)
        return f"{day:%b} {day.day}, {day.year}"
    return w["date_text"] or ""
