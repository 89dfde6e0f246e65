"""The HTTP core of the live sources (scholarscope.sources): pacing, retries, errors
without keys, kept answers. Unit tests through httpx's own injected MockTransport, on a
fake clock: nothing sleeps for real and nothing leaves the machine."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from scholarscope.sources import (
    SETTINGS,
    ApiKey,
    FetchCounts,
    RateLimiter,
    ResponseStore,
    RetryPolicy,
    SourceClient,
    SourceError,
    SourceNotFound,
    SourceSettings,
    backoff_delay,
    folder_beside,
)

KEY = "sk-live-0123456789abcdef"
MAILTO = "curator@example.org"
JANUARY = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
FEBRUARY = datetime(2026, 2, 1, tzinfo=UTC)


class FakeClock:
    """A monotonic clock that moves only when something sleeps on it; every sleep is
    recorded. Safe to share between threads."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


Answer = Callable[[httpx.Request], httpx.Response]


def answer(status: int = 200, **kwargs: object) -> Answer:
    """An answer made afresh for each request (a Response is read once)."""
    return lambda request: httpx.Response(status, **kwargs)  # type: ignore[arg-type]


def fail(error: type[httpx.TransportError], message: str) -> Answer:
    def raise_it(request: httpx.Request) -> httpx.Response:
        raise error(message, request=request)

    return raise_it


class Script:
    """A MockTransport handler: answers in order (the last one repeats), and records each
    request with the fake clock's time when it arrived."""

    def __init__(self, clock: FakeClock, *answers: Answer) -> None:
        self.clock = clock
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock())
        step = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return step(request)


def openalex(
    script: Script,
    clock: FakeClock,
    *,
    interval: float = 0.0,
    limiter: RateLimiter | None = None,
    now: datetime = JANUARY,
    **options: object,
) -> SourceClient:
    """An OpenAlex client as the per-source module will build it, on the fake clock."""
    return SourceClient(
        "OpenAlex",
        "https://api.openalex.org",
        httpx.Client(transport=httpx.MockTransport(script)),
        limiter or RateLimiter(interval, clock=clock, sleep=clock.sleep),
        key=ApiKey(KEY, query_param="api_key"),
        contact=MAILTO,
        contact_param="mailto",
        now=lambda: now,
        **options,  # type: ignore[arg-type]
    )


# -- the rate limiter ---------------------------------------------------------------


def test_limiter_spaces_requests_by_the_interval() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    assert [limiter.wait() for _ in range(4)] == [1000.0, 1003.0, 1006.0, 1009.0]
    assert clock.sleeps == [3.0, 3.0, 3.0]
    clock.sleep(10.0)  # a pause longer than the interval: the next turn is immediate
    assert limiter.wait() == 1019.0
    assert clock.sleeps == [3.0, 3.0, 3.0, 10.0]


def test_limiter_is_thread_safe() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0.5, clock=clock, sleep=clock.sleep)
    turns: list[float] = []
    turns_lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(25):
            turn = limiter.wait()
            with turns_lock:
                turns.append(turn)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    turns.sort()
    assert len(turns) == 200
    assert turns[0] == 1000.0
    assert min(later - earlier for earlier, later in zip(turns, turns[1:], strict=False)) >= 0.5


def test_one_connection_source_never_overlaps_requests() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3.0, one_at_a_time=True, clock=clock, sleep=clock.sleep)
    inside = 0
    most_inside = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal inside, most_inside
        for _ in range(10):
            with limiter.turn():
                with lock:
                    inside += 1
                    most_inside = max(most_inside, inside)
                clock.sleep(0.0)  # give the other threads a chance to barge in
                with lock:
                    inside -= 1

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most_inside == 1
    assert clock.now == 1000.0 + 39 * 3.0  # 40 requests, 3 s apart


def test_limiter_rejects_a_negative_interval() -> None:
    with pytest.raises(ValueError, match="interval is seconds >= 0"):
        RateLimiter(-1.0)


# -- retries ------------------------------------------------------------------------


def test_a_storm_of_429s_is_survived_with_exactly_the_waits_asked() -> None:
    clock = FakeClock()
    too_many = answer(429, headers={"retry-after": "60"})
    script = Script(clock, too_many, too_many, too_many, too_many, answer(json={"id": "W1"}))
    client = openalex(script, clock, interval=1.0)
    assert client.get_json("/works/W1") == {"id": "W1"}
    assert clock.sleeps == [60.0, 60.0, 60.0, 60.0]
    assert script.times == [1000.0, 1060.0, 1120.0, 1180.0, 1240.0]
    assert client.counts == FetchCounts(requests=5, from_disk=0)


def test_retry_after_as_an_http_date() -> None:
    clock = FakeClock()
    later = format_datetime(JANUARY + timedelta(seconds=120), usegmt=True)
    script = Script(clock, answer(503, headers={"retry-after": later}), answer(json=[]))
    assert openalex(script, clock, interval=1.0).get_json("/works") == []
    assert clock.sleeps == [120.0]


def test_retry_after_holds_back_every_client_of_the_source() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)
    first = Script(clock, answer(429, headers={"retry-after": "30"}))
    one_try = RetryPolicy(attempts=1)
    with pytest.raises(SourceError):
        openalex(first, clock, limiter=limiter, retry=one_try).get_json("/works/W1")
    second = Script(clock, answer(json={"id": "W2"}))
    assert openalex(second, clock, limiter=limiter).get_json("/works/W2") == {"id": "W2"}
    assert (first.times, second.times) == ([1000.0], [1030.0])
    assert clock.sleeps == [30.0]


def test_backoff_is_jittered_and_bounded() -> None:
    clock = FakeClock()
    script = Script(clock, answer(500), answer(502), answer(504), answer(500), answer(json=1))
    policy = RetryPolicy(attempts=5, backoff_base=1.0, backoff_cap=4.0)
    client = openalex(script, clock, retry=policy, rng=random.Random(19))
    assert client.get_json("/works") == 1
    replay = random.Random(19)
    expected = [replay.uniform(0, ceiling) for ceiling in (1.0, 2.0, 4.0, 4.0)]
    # (the clock's float sums round the last digits of a recorded sleep)
    assert clock.sleeps == pytest.approx(expected, abs=1e-9)
    assert [round(s, 3) for s in clock.sleeps] == [0.677, 1.57, 2.082, 2.046]
    assert all(0 <= s <= c for s, c in zip(clock.sleeps, (1.0, 2.0, 4.0, 4.0), strict=True))


def test_backoff_delay_stays_within_its_ceiling() -> None:
    rng = random.Random(2024)
    for retry, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0), (500, 60.0)]:
        delays = [backoff_delay(retry, base=1.0, cap=60.0, rng=rng) for _ in range(400)]
        assert 0.0 <= min(delays) < ceiling / 10  # full jitter reaches near zero…
        assert ceiling * 0.9 < max(delays) <= ceiling  # …and near the ceiling


def test_connection_errors_timeouts_truncation_and_bad_json_are_retried() -> None:
    clock = FakeClock()
    script = Script(
        clock,
        fail(httpx.ConnectError, "[Errno 111] Connection refused"),
        fail(httpx.ReadTimeout, "timed out"),
        answer(headers={"content-length": "40"}, content=b'{"results": [1, 2'),
        answer(content=b"<html>Bad gateway</html>"),
        answer(json={"results": [1, 2]}),
    )
    client = openalex(script, clock, rng=random.Random(1))
    assert client.get_json("/works") == {"results": [1, 2]}
    assert client.counts == FetchCounts(requests=5, from_disk=0)
    assert len(clock.sleeps) == 4


def test_source_error_names_the_source_and_the_url_without_the_key() -> None:
    clock = FakeClock()
    script = Script(clock, answer(429, headers={"retry-after": "60"}))
    client = openalex(script, clock, interval=1.0)
    with pytest.raises(SourceError) as raised:
        client.get_json("/works", {"filter": "author.id:A5040147688", "per-page": 200})
    error = raised.value
    url = "https://api.openalex.org/works?filter=author.id%3AA5040147688&per-page=200"
    assert str(error) == (
        f"OpenAlex: GET {url} failed: answered 429 Too Many Requests 5 times, asking to "
        "wait 60 s. Try again later."
    )
    assert (error.source, error.url, error.status) == ("OpenAlex", f"GET {url}", 429)
    # the key and the contact went out with every request, and nowhere else
    assert [r.url.params["api_key"] for r in script.requests] == [KEY] * 5
    assert [r.url.params["mailto"] for r in script.requests] == [MAILTO] * 5
    assert KEY not in str(error) and MAILTO not in str(error) and KEY not in repr(error)
    assert error.__cause__ is None and error.__context__ is None


def test_a_long_retry_after_gives_up_at_once() -> None:
    clock = FakeClock()
    script = Script(clock, answer(429, headers={"retry-after": "86400"}))
    with pytest.raises(SourceError) as raised:
        openalex(script, clock).get_json("/works/W1")
    assert str(raised.value) == (
        "OpenAlex: GET https://api.openalex.org/works/W1 failed: answered 429 Too Many "
        "Requests, asking to wait 86400 s. Try again later (this client waits 300 s at most)."
    )
    assert (len(script.requests), clock.sleeps) == (1, [])


def test_an_unreachable_source_says_which_setting_to_check() -> None:
    clock = FakeClock()
    script = Script(clock, fail(httpx.ConnectError, f"refused for api_key={KEY}"))
    client = openalex(script, clock, retry=RetryPolicy(attempts=2), rng=random.Random(3))
    with pytest.raises(SourceError) as raised:
        client.get_json("/works/W1")
    assert str(raised.value) == (
        "OpenAlex: GET https://api.openalex.org/works/W1 failed: gave no answer "
        "(ConnectError: refused for api_key=[key]) 2 times. Check that "
        "https://api.openalex.org is reachable, and --openalex-url "
        "(SCHOLARSCOPE_OPENALEX_URL); or try again later."
    )
    assert raised.value.status is None


def test_a_client_error_is_not_retried_and_shows_the_sources_message() -> None:
    clock = FakeClock()
    said = {"error": "Invalid filter", "message": "Unknown filter field: author_name"}
    script = Script(clock, answer(400, json=said))
    with pytest.raises(SourceError) as raised:
        openalex(script, clock).get_json("/works", {"filter": "author_name:x"})
    assert len(script.requests) == 1
    assert raised.value.status == 400
    assert "Unknown filter field: author_name" in str(raised.value)
    assert str(raised.value).endswith("Check the query: the source's own message is above.")


def test_semantic_scholar_key_goes_in_a_header() -> None:
    clock = FakeClock()
    script = Script(clock, answer(403, json={"message": "Forbidden"}))
    client = SourceClient(
        "Semantic Scholar",
        "https://api.semanticscholar.org",
        httpx.Client(transport=httpx.MockTransport(script)),
        RateLimiter(1.0, clock=clock, sleep=clock.sleep),
        slug="s2",
        key=ApiKey(KEY, header="x-api-key"),
        contact=MAILTO,
    )
    with pytest.raises(SourceError) as raised:
        client.get_json("/graph/v1/paper/arXiv:2409.19252", {"fields": "title"})
    (request,) = script.requests
    assert request.headers["x-api-key"] == KEY
    assert request.headers["user-agent"] == f"scholarscope/0.1.0 (mailto:{MAILTO})"
    assert dict(request.url.params) == {"fields": "title"}  # no mailto: S2 has no such pool
    assert str(raised.value) == (
        "Semantic Scholar: GET https://api.semanticscholar.org/graph/v1/paper/"
        "arXiv:2409.19252?fields=title failed: answered 403 Forbidden: "
        '{"message":"Forbidden"}. Check the key in SCHOLARSCOPE_S2_KEY.'
    )


# -- kept answers -------------------------------------------------------------------


def test_a_kept_answer_is_given_without_a_request(tmp_path: Path) -> None:
    clock = FakeClock()
    work = {"id": "https://openalex.org/W2741809807", "cited_by_count": 1234}
    body = '{"id":"https://openalex.org/W2741809807","cited_by_count":1234}'  # as sent
    script = Script(clock, answer(json=work, headers={"set-cookie": "session=1"}))
    store = ResponseStore(tmp_path / "scholarscope.db.responses")
    first = openalex(script, clock, store=store)
    assert first.get_json("/works/W2741809807", {"select": "id,cited_by_count"}) == work

    again = openalex(script, clock, store=ResponseStore(store.folder))
    assert again.get_json("/works/W2741809807", {"select": "id,cited_by_count"}) == work
    assert (first.counts, again.counts) == (FetchCounts(1, 0), FetchCounts(0, 1))
    assert len(script.requests) == 1

    url = "https://api.openalex.org/works/W2741809807?select=id%2Ccited_by_count"
    (path,) = store.folder.rglob("*.json")
    assert path == store.path("GET", url)
    text = path.read_text(encoding="utf-8")
    assert KEY not in text and MAILTO not in text and "session=1" not in text
    kept = json.loads(text)
    assert kept == {
        "url": url,
        "method": "GET",
        "status": 200,
        "headers": {"content-length": "63", "content-type": "application/json"},
        "body": body,
        "fetched_at": "2026-01-05T09:30:00.000000+00:00",
    }


def test_refresh_asks_again_and_keeps_the_new_answer(tmp_path: Path) -> None:
    clock = FakeClock()
    store = ResponseStore(tmp_path / "responses")
    old = Script(clock, answer(json={"cited_by_count": 10}))
    assert openalex(old, clock, store=store).get_json("/works/W1") == {"cited_by_count": 10}

    new = Script(clock, answer(json={"cited_by_count": 12}))
    in_february = FEBRUARY + timedelta(hours=1)
    refreshing = openalex(new, clock, store=store, refresh_before=FEBRUARY, now=in_february)
    assert refreshing.get_json("/works/W1") == {"cited_by_count": 12}
    assert refreshing.counts == FetchCounts(requests=1, from_disk=0)
    kept = json.loads(store.path("GET", "https://api.openalex.org/works/W1").read_text())
    assert (kept["body"], kept["fetched_at"]) == (
        '{"cited_by_count":12}',
        "2026-02-01T01:00:00.000000+00:00",
    )

    # a refresh killed and run again asks only for what it had not refreshed yet
    rerun = openalex(new, clock, store=store, refresh_before=FEBRUARY)
    assert rerun.get_json("/works/W1") == {"cited_by_count": 12}
    assert rerun.counts == FetchCounts(requests=0, from_disk=1)


def test_not_found_is_kept_as_a_final_answer(tmp_path: Path) -> None:
    clock = FakeClock()
    store = ResponseStore(tmp_path / "responses")
    script = Script(clock, answer(404, json={"error": "not found"}))
    for expected in (FetchCounts(1, 0), FetchCounts(0, 1)):
        client = openalex(script, clock, store=store)
        with pytest.raises(SourceNotFound) as raised:
            client.get_json("/works/doi:10.1145/0000000")
        assert raised.value.status == 404
        assert client.counts == expected
    assert len(script.requests) == 1


def test_a_failed_answer_is_never_kept(tmp_path: Path) -> None:
    clock = FakeClock()
    store = ResponseStore(tmp_path / "responses")
    script = Script(clock, answer(content=b"<html>maintenance</html>"))
    client = openalex(script, clock, store=store, retry=RetryPolicy(attempts=2))
    with pytest.raises(SourceError, match=r"answered 200 with invalid JSON \(Expecting value"):
        client.get_json("/works")
    assert list(store.folder.rglob("*")) == []


def test_post_answers_are_kept_under_their_body(tmp_path: Path) -> None:
    clock = FakeClock()
    store = ResponseStore(tmp_path / "responses")
    script = Script(clock, lambda request: httpx.Response(200, content=request.content))
    client = openalex(script, clock, store=store)
    assert client.post_json("/batch", {"ids": ["a"]}) == {"ids": ["a"]}
    assert client.post_json("/batch", {"ids": ["b"]}) == {"ids": ["b"]}
    assert client.post_json("/batch", {"ids": ["a"]}) == {"ids": ["a"]}
    assert client.counts == FetchCounts(requests=2, from_disk=1)
    assert len(list(store.folder.rglob("*.json"))) == 2


def test_an_unreadable_kept_file_is_asked_again(tmp_path: Path) -> None:
    clock = FakeClock()
    store = ResponseStore(tmp_path / "responses")
    path = store.path("GET", "https://api.openalex.org/works/W1")
    path.parent.mkdir(parents=True)
    path.write_text('{"url": "https://api.openalex.org/works/W1", "sta')  # cut off
    script = Script(clock, answer(json={"id": "W1"}))
    client = openalex(script, clock, store=store)
    assert client.get_json("/works/W1") == {"id": "W1"}
    assert client.counts == FetchCounts(requests=1, from_disk=0)
    assert json.loads(path.read_text())["body"] == '{"id":"W1"}'


def test_text_answers_and_the_folder_beside_the_database(tmp_path: Path) -> None:
    clock = FakeClock()
    store = ResponseStore(folder_beside(tmp_path / "scholarscope.db"))
    atom = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>'
    script = Script(clock, answer(text=atom))
    client = SourceClient(
        "arXiv",
        "https://export.arxiv.org",
        httpx.Client(transport=httpx.MockTransport(script)),
        RateLimiter(3.0, one_at_a_time=True, clock=clock, sleep=clock.sleep),
        store=store,
    )
    params = {"id_list": "2409.19252", "max_results": 1}
    assert client.get_text("/api/query", params) == atom
    assert client.get_text("/api/query", params) == atom
    assert client.counts == FetchCounts(requests=1, from_disk=1)
    assert store.folder == tmp_path / "scholarscope.db.responses"
    (path,) = store.folder.rglob("*.json")
    assert json.loads(path.read_text())["url"] == (
        "https://export.arxiv.org/api/query?id_list=2409.19252&max_results=1"
    )


# -- settings -----------------------------------------------------------------------


def test_settings_from_the_environment() -> None:
    environ = {
        "SCHOLARSCOPE_OPENALEX_URL": "http://127.0.0.1:8001/",
        "SCHOLARSCOPE_S2_URL": " ",
        "SCHOLARSCOPE_OPENALEX_KEY": KEY,
        "SCHOLARSCOPE_MAILTO": MAILTO,
        "HOME": "/root",
    }
    settings = SourceSettings.from_environment(environ)
    assert settings == SourceSettings(
        openalex_url="http://127.0.0.1:8001",
        s2_url="https://api.semanticscholar.org",
        arxiv_url="https://export.arxiv.org",
        openalex_key=KEY,
        s2_key=None,
        mailto=MAILTO,
    )
    assert KEY not in repr(settings)
    assert SourceSettings.from_environment({}) == SourceSettings()


def test_every_setting_is_documented() -> None:
    fields = {name for name in SourceSettings.__dataclass_fields__}
    assert {setting.field for setting in SETTINGS} == fields
    assert [s.variable for s in SETTINGS] == [
        "SCHOLARSCOPE_OPENALEX_URL",
        "SCHOLARSCOPE_S2_URL",
        "SCHOLARSCOPE_ARXIV_URL",
        "SCHOLARSCOPE_ARXIV_OAI_URL",
        "SCHOLARSCOPE_OPENALEX_KEY",
        "SCHOLARSCOPE_S2_KEY",
        "SCHOLARSCOPE_MAILTO",
    ]
    assert all(setting.help.endswith(".") for setting in SETTINGS)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for setting in SETTINGS:
        assert f"| `{setting.variable}` | " in readme, setting.variable


def test_a_bad_url_setting_names_its_variable() -> None:
    with pytest.raises(ValueError) as raised:
        SourceSettings.from_environment({"SCHOLARSCOPE_ARXIV_URL": "export.arxiv.org"})
    assert str(raised.value) == (
        "SCHOLARSCOPE_ARXIV_URL: arxiv_url is an http:// or https:// URL, not 'export.arxiv.org'"
    )


def test_an_api_key_goes_in_exactly_one_place() -> None:
    with pytest.raises(ValueError, match="one place"):
        ApiKey(KEY, query_param="api_key", header="x-api-key")
    with pytest.raises(ValueError, match="not empty"):
        ApiKey("", header="x-api-key")
    assert KEY not in repr(ApiKey(KEY, header="x-api-key"))
