"""Web pages, JSON API and search over a scholarscope database (``scholarscope serve``).

- ``app.py``: requests -> responses: matching, validation, caching, rendering, errors.
- ``routes.py``: every address with its view, parameters and formats; ``openapi.py``
  describes them.
- ``views.py``: one function per page, returning the dict its JSON twin serves.
- ``search.py``, ``leaderboard.py``: keyword/semantic search, experts, similar works,
  field leaderboards (read side, no HTTP).
- ``params.py``, ``mathtext.py``, ``filters.py``, ``charts.py``, ``export.py``: query
  parameters, safe rendering of titles and abstracts, template helpers, chart geometry,
  CSV and BibTeX.
- ``server.py``: the HTTP server (standard library, threads, optional worker processes).
- ``templates/``, ``static/``: the HTML and its stylesheet.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from scholarscope.web.app import App
from scholarscope.web.search import QueryEncoder
from scholarscope.web.server import DEFAULT_PORT, WebServer, make_server, run


def query_encoder() -> QueryEncoder | None:
    """The model semantic search embeds queries with (one thread, see ``load_encoder``),
    or None, said on stderr, when the embedding packages are not installed."""
    try:
        from scholarscope.embed import load_encoder

        return load_encoder(threads=1)
    except ImportError as error:
        print(f"semantic search is off: {error}", file=sys.stderr)
        return None


def serve(
    db: str,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    workers: int = 1,
    admin_token: str | None = None,
    encoder: Callable[[], QueryEncoder | None] | None = None,
    log: bool = True,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the database at ``db`` until interrupted; ``on_ready(url)`` once listening.
    ``encoder`` returns the query encoder of semantic search (see ``App``)."""
    app = App(db, admin_token=admin_token, encoder=encoder)
    run(make_server(app, host, port, log), workers, on_ready)


__all__ = ["DEFAULT_PORT", "App", "WebServer", "make_server", "query_encoder", "run", "serve"]
