"""WorkerBalance: the serving processes' connection counts, told through a shared folder."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

from scholarscope.web.balance import WorkerBalance


def answer(balance: WorkerBalance, clients: Iterable[int]) -> list[int]:
    """Answer one request of each client; the ports whose connection is to be closed."""
    return [port for port in clients if balance.should_close(("127.0.0.1", port))]


def test_the_crowded_process_closes_half_its_surplus_and_the_other_none(tmp_path: Path) -> None:
    crowded, quiet = WorkerBalance(tmp_path, "101"), WorkerBalance(tmp_path, "102")
    assert answer(crowded, range(50000, 50013)) == []  # no counts read yet
    assert answer(quiet, range(50013, 50016)) == []
    quiet.read_counts()
    crowded.read_counts()
    assert (tmp_path / "101").read_text() == "13"
    assert (tmp_path / "102").read_text() == "3"
    # 13 against 3: five of the ten too many are let go (about half come back)
    assert answer(crowded, range(50000, 50013)) == [50000, 50001, 50002, 50003, 50004]
    assert answer(quiet, range(50013, 50016)) == []
    # two reconnect to the crowded process, three to the other: 10 against 6
    assert answer(quiet, range(50013, 50019)) == []
    assert answer(crowded, [*range(50005, 50013), 50020, 50021]) == []
    quiet.read_counts()
    crowded.read_counts()
    assert (tmp_path / "101").read_text() == "10"
    assert answer(crowded, range(50005, 50013)) == [50005, 50006]
    assert answer(quiet, range(50013, 50019)) == []


def test_a_difference_of_one_closes_nothing(tmp_path: Path) -> None:
    first, second = WorkerBalance(tmp_path, "1"), WorkerBalance(tmp_path, "2")
    answer(first, range(9))
    answer(second, range(100, 108))
    first.read_counts()
    second.read_counts()
    assert answer(first, range(9)) == [] and answer(second, range(100, 108)) == []


def test_a_process_that_stopped_telling_is_left_out(tmp_path: Path) -> None:
    alive, gone = WorkerBalance(tmp_path, "7"), WorkerBalance(tmp_path, "8")
    answer(alive, range(6))
    gone.read_counts()  # 0 connections, then the process died
    old = time.time() - 10 * WorkerBalance.WINDOW
    os.utime(tmp_path / "8", (old, old))
    alive.read_counts()
    assert answer(alive, range(6)) == []


def test_connections_not_seen_for_a_window_no_longer_count(tmp_path: Path) -> None:
    balance = WorkerBalance(tmp_path, "9")
    answer(balance, range(4))
    time.sleep(WorkerBalance.WINDOW + 0.05)
    answer(balance, range(2))
    balance.read_counts()
    assert (tmp_path / "9").read_text() == "2"
