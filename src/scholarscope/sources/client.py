"""The HTTP core every live source shares: ``SourceClient`` asks one source for JSON or
text, politely (its ``RateLimiter``, a ``User-Agent`` naming scholarscope and a contact),
patiently (retries: ``Retry-After`` honoured exactly, jittered backoff otherwise) and
resumably (every answer kept in a ``ResponseStore``, and answered from there next time).

When a source cannot answer, ``SourceError`` says which source, which URL (never with a
key or contact in it), what it last answered and what to do.
"""

from __future__ import annotations

import importlib.metadata
import json
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from scholarscope.sources.ratelimit import RateLimiter, backoff_delay
from scholarscope.sources.responses import KeptResponse, ResponseStore

# Query parameters that identify the caller: never in a kept file, a key or a message.
PRIVATE_PARAMS = frozenset({"api_key", "mailto"})
RETRY_AFTER_STATUSES = frozenset({429, 503})
BACKOFF_STATUSES = frozenset({500, 502, 504})
# Answers that settle the question for good: kept, so a re-run does not ask again
NOT_FOUND_STATUSES = frozenset({404, 410})

try:
    _VERSION = importlib.metadata.version("scholarscope")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    _VERSION = "0"

Params = Mapping[str, str | int]


@dataclass(frozen=True)
class ApiKey:
    """A key and how its provider wants it: as a query parameter (OpenAlex:
    ``ApiKey(key, query_param="api_key")``) or a header (Semantic Scholar:
    ``ApiKey(key, header="x-api-key")``). Its value never shows in a repr.

    >>> ApiKey("s3cret", header="x-api-key")
    ApiKey(query_param=None, header='x-api-key')
    """

    value: str = field(repr=False)
    query_param: str | None = None
    header: str | None = None

    def __post_init__(self) -> None:
        if not self.value:
            raise ValueError("an API key is not empty")
        if (self.query_param is None) == (self.header is None):
            raise ValueError("an API key goes in one place: a query_param or a header")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``attempts`` tries in all (the first included); between them the
    wait a 429 or 503 asks for in ``Retry-After``, else backoff with full jitter up to
    ``backoff_base * 2**retry`` seconds, never more than ``backoff_cap``. Both waits are
    taken by the source's limiter, so they hold back every client of that source (an
    asked wait does even after the last try). A source that asks to wait longer than
    ``max_retry_after`` (a spent daily budget) is not waited for: the client stops at
    once with "try again later"."""

    attempts: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    max_retry_after: float = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts is 1 or more, not {self.attempts}")


@dataclass(frozen=True)
class FetchCounts:
    """Requests sent over the network (each retry counts) and questions answered from
    the kept responses without one."""

    requests: int
    from_disk: int


class SourceError(Exception):
    """A source could not answer: ``source`` (its name), ``url`` (method and URL, no
    keys), ``status`` (the last HTTP status, None when there was no answer), ``problem``
    and ``advice`` (what to do)."""

    def __init__(
        self, source: str, url: str, problem: str, advice: str, status: int | None = None
    ) -> None:
        self.source = source
        self.url = url
        self.problem = problem
        self.advice = advice
        self.status = status
        message = f"{source}: {url} failed: {problem}."
        super().__init__(f"{message} {advice}" if advice else message)


class SourceNotFound(SourceError):
    """The source answered 404 or 410: it has no such record (a final answer, kept)."""


def strip_keys(url: str, names: frozenset[str] = PRIVATE_PARAMS) -> str:
    """``url`` without the query parameters that identify the caller.

    >>> strip_keys("https://api.openalex.org/works?filter=x&api_key=K&mailto=a%40b.org")
    'https://api.openalex.org/works?filter=x'
    """
    parsed = httpx.URL(url)
    kept = [(name, value) for name, value in parsed.params.multi_items() if name not in names]
    return str(parsed.copy_with(query=None).copy_merge_params(tuple(kept)))


def parse_retry_after(value: str, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait, from ``now`` (an aware datetime):
    a number of seconds or an HTTP date (a date past is 0); None when unreadable.

    >>> now = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    >>> parse_retry_after("60", now), parse_retry_after("Fri, 01 May 2026 12:02:00 GMT", now)
    (60.0, 120.0)
    >>> parse_retry_after("soon", now) is None
    True
    """
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT; a bare one is read as such
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Answer:
    value: Any


@dataclass(frozen=True)
class _Failure:
    problem: str  # "answered 503 Service Unavailable", "timed out (ReadTimeout)"
    advice: str
    retryable: bool
    status: int | None = None
    retry_after: float | None = None
    not_found: bool = False


class SourceClient:
    """Asks one live source (``name``, e.g. "OpenAlex", at ``base_url``) through an
    injected ``httpx.Client``, paced by ``limiter`` (share one per source), retried by
    ``retry``, keeping every answer in ``store`` and answering from it when it can.

    ``key`` goes where its provider wants it; ``contact`` (an e-mail address) goes in
    the ``User-Agent`` and, when ``contact_param`` is set, in the query (OpenAlex's
    ``mailto`` polite pool). Kept answers fetched before ``refresh_before`` are asked
    again and replaced (pass the start of a refresh run: re-run after a kill, it asks
    only what it had not refreshed yet). ``slug`` names the settings in advice
    (``--{slug}-url``, ``SCHOLARSCOPE_{SLUG}_KEY``). ``rng`` and ``now`` are injectable
    for tests.

    >>> answer = lambda request: httpx.Response(200, json={"path": request.url.path})
    >>> http = httpx.Client(transport=httpx.MockTransport(answer))
    >>> client = SourceClient("OpenAlex", "https://api.openalex.org", http, RateLimiter(0.0))
    >>> client.get_json("/works/W2741809807"), client.counts
    ({'path': '/works/W2741809807'}, FetchCounts(requests=1, from_disk=0))
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        http: httpx.Client,
        limiter: RateLimiter,
        *,
        slug: str | None = None,
        retry: RetryPolicy | None = None,
        key: ApiKey | None = None,
        contact: str | None = None,
        contact_param: str | None = None,
        store: ResponseStore | None = None,
        refresh_before: datetime | None = None,
        rng: random.Random | None = None,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.limiter = limiter
        self.slug = slug if slug is not None else "".join(name.lower().split())
        self.retry = retry if retry is not None else RetryPolicy()
        self.key = key
        self.contact = contact
        self.contact_param = contact_param
        self.store = store
        self.refresh_before = refresh_before
        self._rng = rng if rng is not None else random.Random()
        self._now = now
        self._private = PRIVATE_PARAMS | {
            name for name in (key.query_param if key else None, contact_param) if name
        }
        self._lock = threading.Lock()
        self._requests = 0
        self._from_disk = 0

    @property
    def counts(self) -> FetchCounts:
        """Requests sent and answers taken from disk so far (for progress and tests)."""
        with self._lock:
            return FetchCounts(self._requests, self._from_disk)

    @property
    def user_agent(self) -> str:
        """``scholarscope/<version>``, with ``(mailto:<contact>)`` when there is one."""
        if self.contact:
            return f"scholarscope/{_VERSION} (mailto:{self.contact})"
        return f"scholarscope/{_VERSION}"

    def url(self, path: str, params: Params | None = None) -> str:
        """The URL of a request without keys or contact, parameters in name order: what
        messages show and what kept answers are filed under.

        >>> http = httpx.Client()
        >>> client = SourceClient("arXiv", "https://export.arxiv.org/", http, RateLimiter(3))
        >>> client.url("api/query", {"start": 0, "id_list": "2409.19252", "api_key": "K"})
        'https://export.arxiv.org/api/query?id_list=2409.19252&start=0'
        """
        if "?" in path:
            raise ValueError(f"give the query as params, not in the path: {path!r}")
        return str(httpx.URL(self._target(path), params=self._public_params(params)))

    def get_json(self, path: str, params: Params | None = None) -> Any:
        """GET ``path`` with ``params`` and decode the JSON answer (an answer that is not
        JSON is retried like a failure, and never kept).

        >>> answer = lambda request: httpx.Response(200, json=[request.url.params["q"]])
        >>> http = httpx.Client(transport=httpx.MockTransport(answer))
        >>> SourceClient("S2", "https://s2.test", http, RateLimiter(0)).get_json("/s", {"q": "x"})
        ['x']
        """
        return self._fetch("GET", path, params, None, json.loads)

    def get_text(self, path: str, params: Params | None = None) -> str:
        """GET ``path`` with ``params`` and return the answer as text (arXiv's Atom).

        >>> answer = lambda request: httpx.Response(200, text="<feed/>")
        >>> http = httpx.Client(transport=httpx.MockTransport(answer))
        >>> SourceClient("arXiv", "https://arxiv.test", http, RateLimiter(0)).get_text("/api/query")
        '<feed/>'
        """
        return self._fetch("GET", path, params, None, _identity)

    def forget(self, path: str, params: Params | None = None) -> None:
        """Forget the kept answer to ``GET path`` with ``params``: it said 200 but held
        an error (OAI-PMH's ``badResumptionToken``), so the next run must ask again."""
        if self.store is not None:
            self.store.remove("GET", self.url(path, params))

    def post_json(self, path: str, body: Any, params: Params | None = None) -> Any:
        """POST ``body`` as JSON to ``path`` and decode the JSON answer (Semantic Scholar's
        batch endpoints); kept under the method, URL and body.

        >>> answer = lambda request: httpx.Response(200, content=request.content)
        >>> http = httpx.Client(transport=httpx.MockTransport(answer))
        >>> client = SourceClient("S2", "https://s2.test", http, RateLimiter(0))
        >>> client.post_json("/batch", {"ids": [1]})
        {'ids': [1]}
        """
        request_body = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return self._fetch("POST", path, params, request_body, json.loads)

    def _fetch(
        self,
        method: str,
        path: str,
        params: Params | None,
        request_body: str | None,
        parse: Callable[[str], Any],
    ) -> Any:
        url = self.url(path, params)
        kept = self._kept(method, url, request_body, parse)
        if kept is not None:
            return kept.value
        failures: list[_Failure] = []
        for attempt in range(self.retry.attempts):
            outcome = self._ask(method, url, path, params, request_body, parse)
            if isinstance(outcome, _Answer):
                return outcome.value
            failures.append(outcome)
            asked = outcome.retry_after
            if asked is not None and asked > self.retry.max_retry_after:
                break  # a spent daily budget: stop now rather than sleep for hours
            if asked is not None:
                # Through the limiter, not a sleep here: no thread asks this source again
                # before the time it named, even after this question has given up.
                self.limiter.defer(asked)
            if not outcome.retryable or attempt + 1 == self.retry.attempts:
                break
            if asked is None:
                policy = self.retry
                self.limiter.defer(
                    backoff_delay(
                        attempt, base=policy.backoff_base, cap=policy.backoff_cap, rng=self._rng
                    )
                )
        raise self._error(method, url, failures)

    def _kept(
        self, method: str, url: str, request_body: str | None, parse: Callable[[str], Any]
    ) -> _Answer | None:
        if self.store is None:
            return None
        kept = self.store.get(method, url, request_body)
        if kept is None:
            return None
        if self.refresh_before is not None and kept.fetched_before(self.refresh_before):
            return None
        if kept.status in NOT_FOUND_STATUSES:
            self._count(from_disk=1)
            raise SourceNotFound(
                self.name,
                f"{method} {url}",
                f"answered {kept.status} {_reason(kept.status)} (kept from {kept.fetched_at})",
                "",
                status=kept.status,
            )
        try:
            value = parse(kept.body)
        except (ValueError, RecursionError):
            return None  # an unreadable kept answer: ask again, and keep the new one
        self._count(from_disk=1)
        return _Answer(value)

    def _ask(
        self,
        method: str,
        url: str,
        path: str,
        params: Params | None,
        request_body: str | None,
        parse: Callable[[str], Any],
    ) -> _Answer | _Failure:
        headers = {"user-agent": self.user_agent}
        query = list(self._public_params(params))
        if self.contact and self.contact_param:
            query.append((self.contact_param, self.contact))
        if self.key is not None and self.key.query_param:
            query.append((self.key.query_param, self.key.value))
        if self.key is not None and self.key.header:
            headers[self.key.header] = self.key.value
        if request_body is not None:
            headers["content-type"] = "application/json"
        with self.limiter.turn():
            self._count(requests=1)
            try:
                response = self.http.request(
                    method,
                    self._target(path),
                    params=tuple(query),
                    headers=headers,
                    content=request_body.encode() if request_body is not None else None,
                    # OpenAlex answers a merged work's old id with 301 to the new one
                    follow_redirects=True,
                )
            except httpx.TimeoutException as exc:
                return _Failure(f"timed out ({type(exc).__name__})", self._reach_advice(), True)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                problem = f"gave no answer ({type(exc).__name__}: {self._scrub(str(exc))})"
                return _Failure(problem, self._reach_advice(), True)
            except httpx.TooManyRedirects:
                return _Failure("redirected too many times", self._reach_advice(), False)
        return self._judge(method, url, request_body, response, parse)

    def _judge(
        self,
        method: str,
        url: str,
        request_body: str | None,
        response: httpx.Response,
        parse: Callable[[str], Any],
    ) -> _Answer | _Failure:
        status = response.status_code
        answered = f"answered {status} {response.reason_phrase or _reason(status)}".rstrip()
        later = "Try again later."
        if status in RETRY_AFTER_STATUSES:
            header = response.headers.get("retry-after")
            asked = parse_retry_after(header, self._now()) if header is not None else None
            return _Failure(answered, later, True, status, retry_after=asked)
        if status in BACKOFF_STATUSES:
            return _Failure(answered, later, True, status)
        if status in NOT_FOUND_STATUSES:
            self._keep(method, url, request_body, response)
            return _Failure(answered, "", False, status, not_found=True)
        if not 200 <= status < 300:
            problem = f"{answered}{self._said(response)}"
            return _Failure(problem, self._advice(status), False, status)
        declared = response.headers.get("content-length", "").strip()
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        # A connection cut mid-body that the transport did not notice: the body is
        # shorter than announced (only comparable when it was not compressed).
        if declared.isdigit() and encoding == "identity" and int(declared) != len(response.content):
            problem = f"sent a truncated answer ({len(response.content)} of {declared} bytes)"
            return _Failure(problem, later, True, status)
        try:
            value = parse(response.text)
        except (ValueError, RecursionError) as exc:
            return _Failure(f"answered {status} with invalid JSON ({exc})", later, True, status)
        self._keep(method, url, request_body, response)
        return _Answer(value)

    def _keep(
        self, method: str, url: str, request_body: str | None, response: httpx.Response
    ) -> None:
        if self.store is None:
            return
        headers = {
            name: self._scrub(value)
            for name, value in response.headers.items()
            if name.lower() != "set-cookie"
        }
        kept = KeptResponse(
            url=url,
            status=response.status_code,
            headers=headers,
            body=self._scrub(response.text),
            # to the microsecond: a run taken up again compares it with the moment that
            # run began, and the first page is fetched within the same second
            fetched_at=self._now().astimezone(UTC).isoformat(timespec="microseconds"),
            method=method,
            request_body=request_body,
        )
        self.store.put(kept)

    def _error(self, method: str, url: str, failures: list[_Failure]) -> SourceError:
        last = failures[-1]
        if len(failures) == 1:
            problem = last.problem
        elif all(failure.problem == last.problem for failure in failures):
            problem = f"{last.problem} {len(failures)} times"
        else:
            problem = f"{len(failures)} tries failed, the last {last.problem}"
        advice = last.advice
        if last.retry_after is not None:
            problem += f", asking to wait {last.retry_after:g} s"
            if last.retry_after > self.retry.max_retry_after:
                most = self.retry.max_retry_after
                advice = f"Try again later (this client waits {most:g} s at most)."
        kind = SourceNotFound if last.not_found else SourceError
        return kind(self.name, f"{method} {url}", problem, advice, status=last.status)

    def _advice(self, status: int) -> str:
        if status in (401, 403):
            if self.key is not None:
                return f"Check the key in SCHOLARSCOPE_{self.slug.upper()}_KEY."
            return f"{self.name} refused: it may need a key, or be blocking this address."
        if status == 400:
            return "Check the query: the source's own message is above."
        return ""

    def _reach_advice(self) -> str:
        return (
            f"Check that {self.base_url} is reachable, and --{self.slug.replace('_', '-')}-url"
            f" (SCHOLARSCOPE_{self.slug.upper()}_URL); or try again later."
        )

    def _said(self, response: httpx.Response) -> str:
        text = " ".join(self._scrub(response.text).split())
        return f": {text[:300]}" if text else ""

    def _scrub(self, text: str) -> str:
        if self.key is None:
            return text
        return text.replace(self.key.value, "[key]")

    def _target(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _public_params(self, params: Params | None) -> list[tuple[str, str]]:
        if not params:
            return []
        pairs = [(name, str(value)) for name, value in params.items()]
        return sorted((pair for pair in pairs if pair[0] not in self._private), key=_name)

    def _count(self, *, requests: int = 0, from_disk: int = 0) -> None:
        with self._lock:
            self._requests += requests
            self._from_disk += from_disk


def _identity(text: str) -> str:
    return text


def _name(pair: tuple[str, str]) -> str:
    return pair[0]


def _reason(status: int) -> str:
    return httpx.codes.get_reason_phrase(status)
