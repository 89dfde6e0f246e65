"""Live sources (arXiv, OpenAlex, Semantic Scholar): the only code that talks HTTP.

The shared core, which the per-source clients build on:

- ``SourceClient`` (``client.py``): ``get_json`` / ``get_text`` / ``post_json`` through an
  injected ``httpx.Client``, with retries and a clear ``SourceError``;
- ``RateLimiter`` (``ratelimit.py``): one per source, with each source's documented pace;
- ``ResponseStore`` (``responses.py``): every answer kept as JSON beside the database,
  so a killed fetch re-run asks nothing it already has;
- ``SourceSettings`` (``settings.py``): base URLs, keys and contact, from the environment.
"""

from scholarscope.sources.client import (
    ApiKey,
    FetchCounts,
    RetryPolicy,
    SourceClient,
    SourceError,
    SourceNotFound,
    parse_retry_after,
    strip_keys,
)
from scholarscope.sources.ratelimit import (
    ARXIV_INTERVAL,
    OPENALEX_INTERVAL,
    S2_INTERVAL_WITH_KEY,
    S2_INTERVAL_WITHOUT_KEY,
    RateLimiter,
    backoff_delay,
)
from scholarscope.sources.responses import (
    KeptResponse,
    ResponseStore,
    answers_folder,
    folder_beside,
)
from scholarscope.sources.settings import SETTINGS, SourceSettings

__all__ = [
    "ARXIV_INTERVAL",
    "OPENALEX_INTERVAL",
    "S2_INTERVAL_WITHOUT_KEY",
    "S2_INTERVAL_WITH_KEY",
    "SETTINGS",
    "ApiKey",
    "FetchCounts",
    "KeptResponse",
    "RateLimiter",
    "ResponseStore",
    "RetryPolicy",
    "SourceClient",
    "SourceError",
    "SourceNotFound",
    "SourceSettings",
    "answers_folder",
    "backoff_delay",
    "folder_beside",
    "parse_retry_after",
    "strip_keys",
]
