"""Pacing requests to one live source: a thread-safe ``RateLimiter`` (one per source,
shared by every client of that source) and the jittered backoff the retries wait.

The documented limits the per-source clients build their limiters with:

- arXiv: "no more than one request every three seconds" and "a single connection at a
  time" (arXiv API Terms of Use, https://info.arxiv.org/help/api/tou.html, "Rate
  limits"): ``ARXIV_INTERVAL`` with ``one_at_a_time=True``, counted from the end of
  the answer before.
- Semantic Scholar: an API key gets an introductory dedicated rate of 1 request per
  second across all endpoints; without a key, requests share a pool with every other
  keyless user, 100 requests per 5 minutes (Semantic Scholar's API page,
  https://www.semanticscholar.org/product/api, as recorded at
  https://apis.io/rate-limits/semantic-scholar/semantic-scholar-rate-limits/):
  ``S2_INTERVAL_WITH_KEY`` and ``S2_INTERVAL_WITHOUT_KEY``.
- OpenAlex: at most 100 requests per second for every user, key or none
  (https://docs.openalex.org/how-to-use-the-api/rate-limits-and-authentication, "Rate
  limits"; https://developers.openalex.org/api-reference/authentication, "Rate
  Limits"): ``OPENALEX_INTERVAL``. The key changes the daily budget, not the pace: a
  free key buys 100,000 credits a day by the first page ($1 a day, about 10,000
  list/filter pages, by the second), a singleton ``/works/W…`` costs nothing, and
  without a key the budget is only enough for a demonstration. A spent budget is
  answered with 429, which the client's retries turn into a clear "try again later".
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ARXIV_INTERVAL = 3.0
S2_INTERVAL_WITH_KEY = 1.0
# 100 requests per 300 s in a pool shared with every keyless user: 3 s each at best
S2_INTERVAL_WITHOUT_KEY = 3.0
OPENALEX_INTERVAL = 1 / 100


class RateLimiter:
    """At most one request per ``interval`` seconds to one source, across threads.

    ``defer(seconds)`` holds every request back for a while (a ``Retry-After``, a
    backoff): no thread starts a request before it ends. ``clock`` and ``sleep`` are
    injected so tests run on a fake clock and never sleep for real.

    >>> now = [0.0]
    >>> def sleep(seconds): now[0] += seconds
    >>> limiter = RateLimiter(3.0, clock=lambda: now[0], sleep=sleep)
    >>> [limiter.wait() for _ in range(3)]
    [0.0, 3.0, 6.0]
    >>> limiter.defer(60.0)
    >>> limiter.wait()
    66.0
    """

    def __init__(
        self,
        interval: float,
        *,
        one_at_a_time: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not interval >= 0:
            raise ValueError(f"a rate limiter's interval is seconds >= 0, not {interval!r}")
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        # arXiv asks for one connection at a time: a request holds this from its turn
        # until its answer is read, so a slow answer delays the next request too
        self._connection = threading.Lock() if one_at_a_time else None
        self._next = -math.inf  # the earliest start the spacing allows
        self._held_until = -math.inf  # the earliest start a Retry-After or backoff allows

    def wait(self) -> float:
        """Block until a request may start, take that turn, and return its time on the
        clock (the turns of all threads are ``interval`` apart or more)."""
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self._next, self._held_until)
                if start <= now:
                    self._next = now + self.interval
                    return now
            # Sleep outside the lock, then look again: another thread may have taken the
            # turn, or a defer() may have pushed it back while this one slept.
            self._sleep(start - now)

    def defer(self, seconds: float) -> None:
        """Start no request for ``seconds`` from now (on top of the spacing)."""
        with self._lock:
            self._held_until = max(self._held_until, self._clock() + seconds)

    @contextmanager
    def turn(self) -> Iterator[float]:
        """``wait()`` for a turn and, for a one-connection source, keep the connection
        until the block ends (the request and the reading of its answer); the next turn
        then comes ``interval`` after that end. Spaced from the starts alone, a request
        that was slow to leave would reach the server less than ``interval`` before the
        next one (``bench/source_rate.py`` saw 2.955 s at arXiv's 3 s)."""
        if self._connection is None:
            yield self.wait()
            return
        with self._connection:
            try:
                yield self.wait()
            finally:
                with self._lock:
                    self._next = max(self._next, self._clock() + self.interval)


def backoff_delay(retry: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number ``retry`` (0 for the first): exponential
    backoff with full jitter, uniform in [0, min(cap, base * 2**retry)], so clients
    that failed together do not come back together.

    >>> delays = [backoff_delay(n, base=1.0, cap=8.0, rng=random.Random(7)) for n in range(6)]
    >>> all(0 <= d <= min(8.0, 2**n) for n, d in enumerate(delays))
    True
    """
    ceiling = min(cap, base * 2.0 ** min(retry, 64))
    return rng.uniform(0.0, ceiling)
