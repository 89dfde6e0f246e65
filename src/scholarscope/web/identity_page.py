"""``/identity``: the suggested merges and the log of every identity edit (the edits
themselves are the admin endpoints ``POST /admin/identity/...``)."""

from __future__ import annotations

from typing import Any

from scholarscope.models import Identity, convert
from scholarscope.pipeline.identity import edit_log
from scholarscope.suggestions import suggest_merges
from scholarscope.web.views import Context, Page


def identity_page(ctx: Context, params: dict[str, Any], fmt: str) -> Page:
    suggestions = ctx.cached(
        ("suggestions", params["limit"]), lambda: suggest_merges(ctx.store, params["limit"])
    )
    log = ctx.cached(("identity_log",), lambda: edit_log(ctx.store))
    data = {
        "suggestions": [s.as_dict() for s in suggestions],
        "log": [edit.as_dict() for edit in reversed(log)],  # newest first
    }
    return Page("identity.html", "Who is who", convert(data, Identity))
