"""arXiv's OAI-PMH service: every record of a subject changed since a date, a page at a
time (``scholarscope sync arxiv --category cs.CV --since 2026-04-01``).

What this relies on, and where it was read:

- The base URL is ``https://oaipmh.arxiv.org/oai`` (https://info.arxiv.org/help/oa/index.html,
  "Base URL"; arXiv's service itself: https://github.com/arXiv/oaipmh,
  ``oaipmh/data/oai_config.py`` ``BASE_URL``). The old ``http://export.arxiv.org/oai2``
  spoke the same protocol; ``base_url`` takes either.
- ``GET <base>?verb=ListRecords&metadataPrefix=arXiv[&set=S][&from=D][&until=D]``, then
  ``GET <base>?verb=ListRecords&resumptionToken=T`` until a page comes without a token
  (or with an empty one): the token is an exclusive argument (OAI-PMH 2.0, section 3.5,
  https://www.openarchives.org/OAI/openarchivesprotocol.html). ``from`` and ``until`` are
  inclusive days (``YYYY-MM-DD``: arXiv's granularity). arXiv serves 2,500 records a page by default
  and refuses ``from`` before 2005-09-16 or ``until`` after tomorrow with ``badArgument``
  (arXiv/oaipmh ``config.py`` ``RECORDS_LIMIT``, ``requests/data_queries.py``).
- Sets come at three levels (arXiv/oaipmh ``processors/create_set_list.py``
  ``make_set_str``, ``requests/data_queries.py`` ``_parse_set``): a group (``cs``,
  ``math``, ``physics``), an archive (``cs:cs``, ``physics:astro-ph``) and a category,
  its dot made a colon (``cs:cs:CV``, ``physics:astro-ph:HE``; ``physics:hep-th`` for a
  category that is a whole archive). A category's set holds every paper listed in it,
  cross-lists included (``processors/db.py``: a join on ``arXiv_in_category``), so a
  caller that wants only papers whose primary category it is filters on
  ``Work.primary_category``. The old export.arxiv.org/oai2 had archive sets only
  (``cs``, ``math``, ``physics:hep-th``).
- A record's datestamp is the day arXiv last changed it (info.arxiv.org/help/oa,
  "Datestamps"), and arXiv lists records in datestamp order (``processors/db.py``:
  ``order_by(Metadata.modtime, Metadata.paper_id)``; its resumption tokens carry the
  last page's day as the next ``from``). So once every record of the pages taken so far
  is stored, every record dated before the latest datestamp seen is stored:
  ``resume_from`` gives the ``from`` a later sync starts at (that day itself is asked
  again, as a page may end in the middle of it; storing is idempotent).
- Resumption tokens expire (arXiv's at the next midnight UTC, its ``expirationDate``),
  so a harvest is never resumed from an old token: it starts again from the checkpoint.
  ``badResumptionToken`` stops the harvest with that advice.
- ``noRecordsMatch`` is an empty list, not a failure (protocol, section 3.6).
- Flow control is ``503`` with ``Retry-After`` (protocol, section 3.1.2; the old
  arXiv help page, "Play nice"), which ``SourceClient`` waits out as asked. arXiv's
  terms ask one request every three seconds on one connection for all its APIs
  (https://info.arxiv.org/help/api/tou.html): ``ARXIV_INTERVAL``, shared with the arXiv
  API client when both run (pass the same ``limiter``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from scholarscope.ingest.arxiv_oai import NO_RECORDS, OaiPage, page_info
from scholarscope.sources.client import Params, SourceClient, SourceError
from scholarscope.sources.ratelimit import ARXIV_INTERVAL, RateLimiter
from scholarscope.sources.responses import ResponseStore
from scholarscope.sources.settings import SourceSettings

NAME = "arXiv OAI-PMH"
OAI_URL = "https://oaipmh.arxiv.org/oai"
METADATA_PREFIX = "arXiv"
RESTART = "Run sync again: it restarts from the last harvest date."

# The physics group's archives (arXiv's taxonomy); every other archive is its own group
_PHYSICS = frozenset(
    {"astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph",
     "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph"}
)  # fmt: skip
_CATEGORY = re.compile(r"([a-z][a-z-]*)(?:\.([A-Za-z][A-Za-z-]*))?")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ADVICE = {
    "badResumptionToken": "The resumption token expired or was refused. " + RESTART,
    "badArgument": (
        "Check the set (a category such as cs.CV) and the dates (YYYY-MM-DD, from no later"
        " than until, until no later than tomorrow)."
    ),
    "cannotDisseminateFormat": f"The service no longer offers metadataPrefix={METADATA_PREFIX}.",
}


@dataclass(frozen=True)
class OaiClient:
    """An OAI-PMH endpoint: ``source`` asks its host (pacing, retries, kept answers),
    ``path`` is the endpoint's path there (``/oai``)."""

    source: SourceClient
    path: str

    def url(self, params: Params | None = None) -> str:
        """The URL of a request, as messages show it.

        >>> client = oai_client(SourceSettings(), httpx.Client())
        >>> client.url({"verb": "Identify"})
        'https://oaipmh.arxiv.org/oai?verb=Identify'
        """
        return self.source.url(self.path, params)


def oai_client(
    settings: SourceSettings,
    http: httpx.Client,
    store: ResponseStore | None = None,
    limiter: RateLimiter | None = None,
    *,
    base_url: str = OAI_URL,
    refresh_before: datetime | None = None,
) -> OaiClient:
    """The client of arXiv's OAI-PMH service at ``base_url``: the contact from
    ``settings`` in its ``User-Agent``, arXiv's pace unless ``limiter`` is given.

    With a ``store``, every page is kept; kept pages fetched before ``refresh_before``
    (by default: now, when the client is made) are asked again, because a list "since a
    date" grows every day and a kept page of an earlier sync would hide what is new.

    >>> oai_client(SourceSettings(), httpx.Client(), base_url="http://127.0.0.1:8000/oai").path
    '/oai'
    """
    host, path = _split(base_url)
    if store is not None and refresh_before is None:
        # a page kept by an earlier sync, even in this same second, is asked again
        refresh_before = datetime.now(UTC)
    source = SourceClient(
        NAME,
        host,
        http,
        limiter or RateLimiter(ARXIV_INTERVAL, one_at_a_time=True),
        slug="arxiv_oai",
        contact=settings.mailto,
        store=store,
        refresh_before=refresh_before,
    )
    return OaiClient(source, path)


def _split(base_url: str) -> tuple[str, str]:
    """``https://oaipmh.arxiv.org/oai`` -> ``('https://oaipmh.arxiv.org', '/oai')``: the
    endpoint is asked at its exact path (``/oai/`` is another URL to arXiv's server)."""
    url = httpx.URL(base_url)
    if url.scheme not in ("http", "https") or not url.host or url.query:
        raise ValueError(f"an OAI-PMH base URL is http(s)://host/path, not {base_url!r}")
    path = url.path.rstrip("/")
    if not path:
        raise ValueError(f"an OAI-PMH base URL names its endpoint's path, as {OAI_URL}")
    head, _, last = path.rpartition("/")
    return str(url.copy_with(path=head or "/", query=None)).rstrip("/"), f"/{last}"


def set_for_category(category: str) -> str:
    """The OAI-PMH set of an arXiv category (or archive): every paper listed in it,
    cross-lists included.

    >>> set_for_category("cs.CV"), set_for_category("astro-ph.HE"), set_for_category("hep-th")
    ('cs:cs:CV', 'physics:astro-ph:HE', 'physics:hep-th')
    """
    match = _CATEGORY.fullmatch(category.strip())
    if match is None:
        raise ValueError(f"{category!r} is not an arXiv category such as cs.CV or hep-th")
    archive, subject = match.groups()
    group = "physics" if archive in _PHYSICS else archive
    return f"{group}:{archive}:{subject}" if subject else f"{group}:{archive}"


def iter_list_records(
    client: OaiClient,
    set_spec: str | None,
    from_date: str | None = None,
    until: str | None = None,
    on_page: Callable[[OaiPage], None] | None = None,
) -> Generator[tuple[str, OaiPage], None, None]:
    """Each page of ``ListRecords`` in the ``arXiv`` format, as its XML text (for
    ``ingest.arxiv_oai.parse``) and its ``OaiPage``: the records of ``set_spec`` (None:
    all of arXiv) whose datestamps fall between ``from_date`` and ``until`` (inclusive
    days, ``YYYY-MM-DD``; None: no bound), following resumption tokens to the end. No
    record matching is an empty harvest. ``on_page(page)`` is called when the caller
    comes back for the next page, so after it has stored this one: the place to save a
    checkpoint (``resume_from``). Any other OAI-PMH error, or an answer that is not
    OAI-PMH, raises ``SourceError`` naming the URL.

    >>> def answer(request):
    ...     return httpx.Response(200, text='<OAI-PMH xmlns="http://www.openarchives.org/'
    ...         'OAI/2.0/"><error code="noRecordsMatch">empty</error></OAI-PMH>')
    >>> http = httpx.Client(transport=httpx.MockTransport(answer))
    >>> client = oai_client(SourceSettings(), http, limiter=RateLimiter(0))
    >>> list(iter_list_records(client, "cs:cs:CV", "2026-04-01"))
    []
    """
    for name, day in (("from", from_date), ("until", until)):
        if day is not None and not _DAY.fullmatch(day):
            raise ValueError(f"{name} is a day, YYYY-MM-DD, not {day!r}")
    params: dict[str, str | int] = {"verb": "ListRecords", "metadataPrefix": METADATA_PREFIX}
    optional = {"set": set_spec, "from": from_date, "until": until}
    params.update({name: value for name, value in optional.items() if value})
    while True:
        text = client.source.get_text(client.path, params)
        try:
            page = page_info(text)
        except ValueError as error:
            client.source.forget(client.path, params)
            raise SourceError(
                NAME, f"GET {client.url(params)}", f"answered {error}", RESTART
            ) from None
        if page.error_code == NO_RECORDS:
            return  # nothing (more) in the window: after a token, the list shrank
        if page.error_code is not None:
            client.source.forget(client.path, params)  # an error is no answer to keep
            problem = f"answered OAI-PMH error {page.error_code}"
            if page.error_message:
                problem += f" ({page.error_message})"
            advice = _ADVICE.get(page.error_code, RESTART)
            raise SourceError(NAME, f"GET {client.url(params)}", problem, advice)
        yield text, page
        if on_page is not None:
            on_page(page)
        if page.token is None:
            return
        if page.token == params.get("resumptionToken"):  # would ask the same page forever
            problem = "answered the resumption token it was asked with"
            raise SourceError(NAME, f"GET {client.url(params)}", problem, RESTART)
        params = {"verb": "ListRecords", "resumptionToken": page.token}


def resume_from(checkpoint: str | None, page: OaiPage) -> str | None:
    """The ``from`` day a later harvest may start at once every record of ``page`` (and
    of the pages before it) is stored: the latest datestamp seen so far. That day is
    asked again, since a page may end inside it; the records before it are all stored,
    because arXiv lists records in datestamp order.

    >>> resume_from("2026-04-01", OaiPage(records=2, latest_datestamp="2026-04-03"))
    '2026-04-03'
    >>> resume_from("2026-04-01", OaiPage())
    '2026-04-01'
    """
    latest = page.latest_datestamp
    if latest is None or not _DAY.fullmatch(latest):
        return checkpoint
    return latest if checkpoint is None or latest > checkpoint else checkpoint
