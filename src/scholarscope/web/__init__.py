"""Web pages, JSON API and search over a scholarscope database (``scholarscope serve``).

- ``server.py``: uvicorn serves the ASGI application (one or several processes).
- ``asgi.py``: the Starlette application: routing, errors, security headers, the admin
  token, the request log.
- ``app.py``: a route and its parameters -> an answer: validation, caching, rendering.
- ``routes.py``: every address with its view, parameters and formats; ``openapi.py``
  describes them.
- ``views.py``: one function per page, returning the dict its JSON twin serves.
- ``query_batch.py``: semantic searches waiting in one process, embedded together.
- ``params.py``, ``filters.py``, ``charts.py``: query parameters, template helpers, chart
  geometry.

The read side they call is the library's: ``scholarscope.search`` (keyword and semantic
search, experts, similar works), ``.leaderboard``, ``.export`` (CSV, BibTeX),
``.mathtext`` (titles and abstracts as safe HTML or plain text), ``.models`` (the JSON).
- ``templates/``, ``static/``: the HTML and its stylesheet.
"""

from __future__ import annotations

from scholarscope.web.app import App
from scholarscope.web.asgi import create_app
from scholarscope.web.server import DEFAULT_PORT, ServerSettings, query_encoder, serve

__all__ = ["DEFAULT_PORT", "App", "ServerSettings", "create_app", "query_encoder", "serve"]
