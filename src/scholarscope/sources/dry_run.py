"""``--dry-run`` for the commands that ask the live sources: an httpx transport that
sends nothing and stops the command at the first request it would send, so the command
can say what it would ask (and how much it would answer from the answers kept before).

    >>> http = httpx.Client(transport=RefusingTransport())
    >>> try:
    ...     http.get("https://api.openalex.org/authors/A1", params={"api_key": "K"})
    ... except WouldAsk as asked:
    ...     print(asked)
    GET https://api.openalex.org/authors/A1
"""

from __future__ import annotations

import httpx

from scholarscope.sources.client import strip_keys


class WouldAsk(Exception):
    """The request a dry run would have sent (its URL without keys or contact)."""

    def __init__(self, method: str, url: str) -> None:
        self.method = method
        self.url = url
        super().__init__(f"{method} {url}")


class RefusingTransport(httpx.BaseTransport):
    """Sends nothing: every request raises ``WouldAsk``."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise WouldAsk(request.method, strip_keys(str(request.url)))
