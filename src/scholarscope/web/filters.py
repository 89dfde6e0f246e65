"""Small formatting helpers the templates use (registered in ``app.py``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode


def number(value: Any) -> str:
    """1706 -> "1,706"; None -> "—"."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def day(work: Mapping[str, Any]) -> str:
    """ "Mar 8, 2022" from an ISO date, else the date as the source printed it."""
    value = work.get("date") or ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        year, month, day = value.split("-")
        names = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
        return f"{names[int(month) - 1]} {int(day)}, {year}"
    return str(work.get("date_text") or value)


def quote_id(identifier: str) -> str:
    """An id as a path segment: "doi:10.1145/x" -> "doi:10.1145%2Fx"."""
    return quote(identifier, safe=":@")


def web_url(url: str | None) -> str | None:
    """The URL when it is http(s), else None (never a javascript: or data: link)."""
    return url if url and re.match(r"^https?://", url, re.IGNORECASE) else None


def venue_line(venue: Mapping[str, Any] | None) -> str:
    """ "NeurIPS 2024 · accepted · 12 pages", as the CLI prints it."""
    if not venue:
        return ""
    name = " ".join(str(x) for x in (venue["name"], venue["year"]) if x)
    if venue["workshop"] and name:
        name += " workshop"
    parts = [name, venue["status"], venue["presentation"]]
    parts += [f"{venue[k]} {k}" for k in ("pages", "figures", "tables") if venue[k]]
    return " · ".join(str(p) for p in parts if p)


def query_string(params: Mapping[str, Any], **changes: Any) -> str:
    """The current parameters with some changed, as "?a=1&b=2" (empty ones left out)."""
    merged = {**params, **changes}
    pairs = []
    for key, value in merged.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        pairs.append((key, str(value)))
    return "?" + urlencode(pairs) if pairs else ""
