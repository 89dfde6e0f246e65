"""arXiv's API (https://info.arxiv.org/help/api/): records by id, a batch per request.

``GET /api/query?id_list=ID,ID,…&max_results=N`` answers an Atom feed, one entry per id,
which ``ingest/arxiv_atom.py`` reads. arXiv asks for one request every three seconds on a
single connection (``ARXIV_INTERVAL``, ``one_at_a_time``).
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from scholarscope.sources.client import SourceClient
from scholarscope.sources.ratelimit import ARXIV_INTERVAL, RateLimiter
from scholarscope.sources.responses import ResponseStore
from scholarscope.sources.settings import SourceSettings

NAME = "arXiv"
BATCH = 100  # ids per request: one answer of at most 100 entries


def arxiv_client(
    settings: SourceSettings,
    http: httpx.Client,
    store: ResponseStore | None = None,
    limiter: RateLimiter | None = None,
) -> SourceClient:
    """The arXiv API client: its base URL and contact (in the ``User-Agent``) from
    ``settings``; ``store`` keeps every answer."""
    return SourceClient(
        NAME,
        settings.arxiv_url,
        http,
        limiter or RateLimiter(ARXIV_INTERVAL, one_at_a_time=True),
        slug="arxiv",
        contact=settings.mailto,
        store=store,
    )


def fetch_entries(client: SourceClient, arxiv_ids: Sequence[str]) -> str:
    """The Atom feed of the records of ``arxiv_ids`` (bare ids: ``2409.19252``,
    ``astro-ph/0601001``; at most ``BATCH``)."""
    if not 0 < len(arxiv_ids) <= BATCH:
        raise ValueError(f"ask for 1 to {BATCH} arXiv ids at once, not {len(arxiv_ids)}")
    params: dict[str, str | int] = {"id_list": ",".join(arxiv_ids), "max_results": BATCH}
    return client.get_text("/api/query", params)
