"""Progress of a long fetch, sync or hydrate as the command line shows it: on a terminal
one line rewritten in place with the counts and an ETA; otherwise (a cron job, a log
file) a line every ``every`` seconds and one at the end, so a log shows the pace
without a line per page.

    >>> import io
    >>> now = [0.0]
    >>> out = io.StringIO()
    >>> bar = Progress("OpenAlex", "works", out, clock=lambda: now[0], every=10.0)
    >>> now[0] = 4.0; bar.update(200, 1000)
    >>> now[0] = 15.0; bar.update(600, 1000)
    >>> bar.finish()
    >>> print(out.getvalue(), end="")
    OpenAlex: 200 of 1,000 works, 16s left
    OpenAlex: 600 of 1,000 works, 10s left
    OpenAlex: 600 of 1,000 works in 15s
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


def eta(done: int, total: int, elapsed: float) -> float | None:
    """Seconds left at the pace so far; None before anything is done or when the total is
    unknown (0).

    >>> eta(250, 1000, 10.0), eta(0, 1000, 10.0), eta(1000, 1000, 10.0)
    (30.0, None, 0.0)
    """
    if done <= 0 or total <= 0 or elapsed < 0:
        return None
    return max(0, total - done) * elapsed / done


def duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``2h07m``.

    >>> duration(42.4), duration(185), duration(7625)
    ('42s', '3m05s', '2h07m')
    """
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


class Progress:
    """Counts of ``unit`` done of a total for ``label``, written to ``stream``: in place
    when it is a terminal, else at most every ``every`` seconds (the first update
    included) and at ``finish``. ``clock`` is injectable for tests."""

    def __init__(
        self,
        label: str,
        unit: str,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        every: float = 10.0,
        terminal: bool | None = None,
    ) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream
        self._clock = clock
        self.every = every
        self.terminal = stream.isatty() if terminal is None else terminal
        self._start = clock()
        self._last_line = -float("inf")
        self._done = 0
        self._total = 0
        self._shown = False

    @property
    def done(self) -> int:
        """The count last given to ``update``."""
        return self._done

    def update(self, done: int, total: int) -> None:
        """``done`` of ``total`` so far (total 0: not known yet)."""
        self._done, self._total = done, total
        now = self._clock()
        if self.terminal:
            self.stream.write(f"\r{self._line(now)}\x1b[K")
            self.stream.flush()
            self._shown = True
        elif now - self._last_line >= self.every:
            self.stream.write(self._line(now) + "\n")
            self._last_line = now
            self._shown = True

    def finish(self) -> None:
        """The closing line: how many, in how long (nothing if nothing was shown)."""
        if not self._shown:
            return
        took = duration(self._clock() - self._start)
        lead = "\r" if self.terminal else ""
        tail = "\x1b[K" if self.terminal else ""
        self.stream.write(f"{lead}{self.label}: {self._counts()} in {took}{tail}\n")
        self.stream.flush()

    def _counts(self) -> str:
        if self._total:
            return f"{self._done:,} of {self._total:,} {self.unit}"
        return f"{self._done:,} {self.unit}"

    def _line(self, now: float) -> str:
        left = eta(self._done, self._total, now - self._start)
        counts = f"{self.label}: {self._counts()}"
        return counts if left is None else f"{counts}, {duration(left)} left"
