"""kill -9 of ingest, enrich and score at random points, in a loop (issue 15).

Each stage runs as the real command in a process group of its own and is killed with
SIGKILL at a random moment of its run; then no process of that group (nor any process
it had started, recorded from /proc just before the kill) may still run, and the stage
run again to completion must leave the database identical to an uninterrupted run's:
the same rows in every table, the wall-clock columns aside (``WALL_CLOCK``).

- ingest and enrich: the seed documents, the Kaggle snapshot of 2,000 records and the
  60,419-record arXiv file (its 35 MB are parsed by a forked reading process, which
  must die with the writer): 30 batches to ingest, 32 to enrich, ~20 s each.
- score: the seed documents and a slice of the Kaggle snapshot: 400 works, two embedding
  batches (256 and 144 texts). Embedding took 0.01-0.08 s a text here, depending on
  what else ran on the machine.

The moments are drawn from a seeded ``random.Random`` (the same every run), one in each
of ``RUNS`` equal parts of the stage's uninterrupted run, so they spread over the whole
stage; they are measured in the CPU time of the stage's process, which other work on a
shared machine stretches less than wall time (see ``_kill_loop``). About 7 minutes on
2 cores (longer while other work runs); ``pytest -m slow -s tests/test_kill_loop.py``
prints what each kill hit.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KAGGLE = DATA / "arxiv-kaggle" / "snapshot-0704.0001-0704.2000.jsonl"
ARXIV_CS = DATA / "arxiv-cs" / "arxiv-cs-2025-03_2026-04.jsonl.gz"
CLI = "from scholarscope.cli import main; main()"

RUNS = 5  # kills per stage
SEED = 15  # the number; change it to kill at other moments
KILL_WINDOW = (0.05, 0.95)  # share of the stage's run the kill moments are drawn from
GONE_WITHIN_S = 5.0  # how long every process of a killed stage may take to end
ATTEMPTS = 3  # starts of one run at most, should it end before its kill (see _kill_loop)
POLL_S = 0.02  # how often a running stage's CPU time is read
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # the unit of CPU times in /proc
STAGE_TIMEOUT_S = 600.0
SCORE_SLICE = 270  # Kaggle records beside the seeds' 130 works for the scored corpus
SCORE_ARGS = ["score", "--min-earlier", "10"]  # 400 works: fewer than the default 1,000

# Columns that hold the time of the run that wrote them, left out of the comparison:
# work.created_at, work_record.ingested_at (ingest), work_enrichment.enriched_at
# (enrich), work_novelty.computed_at and work_score.computed_at (score), and
# author_alias.merged_at, work_version_link.linked_at (ingest) and
# schema_migration.applied_at. Every other column of every table must be identical
# (floats bit for bit, vectors byte for byte).
WALL_CLOCK = {
    "work": {"created_at"},
    "work_record": {"ingested_at"},
    "work_version_link": {"linked_at"},
    "work_enrichment": {"enriched_at"},
    "work_novelty": {"computed_at"},
    "work_score": {"computed_at"},
    "author_alias": {"merged_at"},
    "schema_migration": {"applied_at"},
}
# What each stage writes: counted in the database a kill left, to show where it struck.
PROGRESS_TABLES = {
    "ingest": ("work_record", "authorship"),
    "enrich": ("work_enrichment",),
    "score": ("embedding", "work_novelty", "work_score"),
}


# -- processes -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    state: str
    ppid: int
    group: int
    started: int  # clock ticks after boot: a pid used again is another process


def _process(pid: int) -> ProcessInfo | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # ended meanwhile
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the name in (…) may hold spaces
    return ProcessInfo(pid, fields[0], int(fields[1]), int(fields[2]), int(fields[19]))


def _processes() -> list[ProcessInfo]:
    found = (_process(int(entry)) for entry in os.listdir("/proc") if entry.isdigit())
    return [info for info in found if info is not None]


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()[:100]


def _descendants(pid: int) -> dict[int, ProcessInfo]:
    """Every process ``pid`` started, and theirs, as /proc shows them now."""
    table = _processes()
    found: dict[int, ProcessInfo] = {}
    parents = {pid}
    while parents:
        children = [p for p in table if p.ppid in parents and p.pid not in found]
        found.update((child.pid, child) for child in children)
        parents = {child.pid for child in children}
    return found


def _survivors(group: int, recorded: dict[int, ProcessInfo]) -> list[ProcessInfo]:
    """Processes of the killed stage that still run: in its process group, or recorded
    as its descendants before the kill (same pid and start time). Zombies have ended."""
    return [
        p
        for p in _processes()
        if p.state != "Z"
        and (p.group == group or (p.pid in recorded and recorded[p.pid].started == p.started))
    ]


# -- running stages --------------------------------------------------------------------


def _command(db: Path, args: Sequence[str]) -> list[str]:
    return [sys.executable, "-c", CLI, "--db", str(db), *args]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SCHOLARSCOPE_DB", None)  # --db names the file
    return env


def _start(db: Path, args: Sequence[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            _command(db, args),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=db.parent,
            env=_environment(),
            process_group=0,  # a group of its own: what it starts is found by its id
        )


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _cpu_seconds(pid: int) -> float | None:
    """CPU time the process itself has used so far (all its threads; not its children's)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


@dataclass
class Completed:
    returncode: int
    seconds: float  # wall time
    cpu: float  # CPU time of the stage's process, read every POLL_S until it ended


def _run(db: Path, args: Sequence[str], log: Path) -> Completed:
    """Run a stage to its end; its exit status, wall time and CPU time."""
    started = time.monotonic()
    process = _start(db, args, log)
    cpu = 0.0
    while process.poll() is None:
        cpu = _cpu_seconds(process.pid) or cpu
        if time.monotonic() - started > STAGE_TIMEOUT_S:
            process.kill()
            process.wait()
            pytest.fail(f"{args[0]} ran past {STAGE_TIMEOUT_S:.0f} s:\n{_tail(log)}")
        time.sleep(POLL_S)
    return Completed(process.returncode, round(time.monotonic() - started, 2), round(cpu, 2))


@dataclass
class Kill:
    """One kill and what followed it."""

    share: float  # of the uninterrupted run's CPU time, when the kill was due
    due: float  # CPU seconds of the stage's process when the kill was due
    killed: bool  # False: the stage ended before the kill was due
    attempts: int = 1
    cpu: float = 0.0  # CPU seconds of the stage's process at the kill (or at its end)
    wall: float = 0.0  # seconds after its start
    children: list[str] = field(default_factory=list)  # "pid command" before the kill
    left: dict[str, int] = field(default_factory=dict)  # rows of PROGRESS_TABLES then
    gone_after: float | None = None  # seconds until no process of the stage ran
    survivors: list[str] = field(default_factory=list)
    rerun: Completed | None = None
    differences: list[str] = field(default_factory=list)


def _kill_during(db: Path, args: Sequence[str], share: float, due: float, log: Path) -> Kill:
    """Start a stage, SIGKILL its process once it has used ``due`` seconds of CPU, and
    wait until every process it started has ended (at most ``GONE_WITHIN_S``)."""
    started = time.monotonic()
    process = _start(db, args, log)
    kill = Kill(share, round(due, 2), killed=False)
    while process.poll() is None:
        kill.cpu = _cpu_seconds(process.pid) or kill.cpu
        if kill.cpu >= due:
            break
        if time.monotonic() - started > STAGE_TIMEOUT_S:
            pytest.fail(f"{args[0]} ran past {STAGE_TIMEOUT_S:.0f} s:\n{_tail(log)}")
        time.sleep(POLL_S)
    kill.wall = round(time.monotonic() - started, 2)
    if process.returncode is not None:
        return kill  # it ended before the kill was due
    recorded = _descendants(process.pid)
    kill.children = [f"{pid} {_command_line(pid)}" for pid in recorded]
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed = time.monotonic()
    kill.killed = process.returncode == -signal.SIGKILL
    # the group's id is the killed process's id (process_group=0)
    while (left := _survivors(process.pid, recorded)) and time.monotonic() - killed < GONE_WITHIN_S:
        time.sleep(0.05)
    kill.gone_after = round(time.monotonic() - killed, 2)
    kill.survivors = [f"{p.pid} {p.state} {_command_line(p.pid)}" for p in left]
    for survivor in left:  # ours: end them so that the next run starts clean
        with suppress(ProcessLookupError):
            os.kill(survivor.pid, signal.SIGKILL)
    return kill


def _rows_left(db: Path, tables: Sequence[str], scratch: Path) -> dict[str, int]:
    """Rows of ``tables`` in the database a kill left, read from a copy of its files: the
    stage run again must find them exactly as the kill left them (its write-ahead log not
    yet recovered by another connection)."""
    scratch.mkdir(exist_ok=True)
    copy = scratch / db.name
    for suffix in ("", "-wal"):
        if Path(f"{db}{suffix}").exists():
            shutil.copyfile(f"{db}{suffix}", f"{copy}{suffix}")
    try:
        return _count_rows(copy, tables)
    finally:
        _remove_database(copy)


def _count_rows(db: Path, tables: Sequence[str]) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        return {
            table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in tables
            if table in names
        }


def _copy_database(source: Path, target: Path) -> None:
    """A closed database is one file: its last connection checkpointed the log."""
    assert not Path(f"{source}-wal").exists(), f"{source} was not closed cleanly"
    shutil.copyfile(source, target)


def _remove_database(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


# -- comparing databases ---------------------------------------------------------------


def _tables(connection: sqlite3.Connection, schema: str) -> dict[str, list[tuple[str, int]]]:
    """Each ordinary table of ``schema``: its (column, place in the primary key) pairs.
    The full-text index (work_search and its shadow tables) is checked apart."""
    names = [
        row[0]
        for row in connection.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'work_search%' ORDER BY name"
        )
    ]
    return {
        name: [
            (row[1], row[5]) for row in connection.execute(f"PRAGMA {schema}.table_info({name})")
        ]
        for name in names
    }


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 70 else text[:67] + "..."


def _table_differences(
    connection: sqlite3.Connection, table: str, columns: list[tuple[str, int]]
) -> list[str]:
    compared = [name for name, _ in columns if name not in WALL_CLOCK.get(table, set())]
    keys = [name for name, place in sorted(columns, key=lambda c: c[1]) if place] or compared
    listed = ", ".join(compared)

    def count(sql: str) -> int:
        return int(connection.execute(sql).fetchone()[0])

    here = count(f"SELECT COUNT(*) FROM (SELECT {listed} FROM main.{table} "
                 f"EXCEPT SELECT {listed} FROM ref.{table})")  # fmt: skip
    there = count(f"SELECT COUNT(*) FROM (SELECT {listed} FROM ref.{table} "
                  f"EXCEPT SELECT {listed} FROM main.{table})")  # fmt: skip
    if not here and not there:
        return []
    found = [f"{table}: {here} rows not in the reference, {there} reference rows missing"]
    key_list = ", ".join(keys)
    for this, that, what in (
        ("main", "ref", "only after the kill"),
        ("ref", "main", "only in the reference"),
    ):
        rows = connection.execute(
            f"SELECT {key_list} FROM {this}.{table} EXCEPT SELECT {key_list} FROM {that}.{table}"
        ).fetchall()
        if rows:
            found.append(f"  {len(rows)} keys {what}, e.g. {', '.join(map(_short, rows[:3]))}")
    for name in compared:
        if name in keys:
            continue
        rows = connection.execute(
            f"SELECT {key_list}, a.{name}, b.{name}, typeof(a.{name}), typeof(b.{name}) "
            f"FROM main.{table} a JOIN ref.{table} b USING ({key_list}) "
            f"WHERE a.{name} IS NOT b.{name}"
        ).fetchall()
        if not rows:
            continue
        line = f"  {table}.{name} differs in {len(rows)} rows, e.g. " + "; ".join(
            f"{_short(row[: len(keys)])}: {_short(row[-4])} here, {_short(row[-3])} reference"
            for row in rows[:3]
        )
        numeric = [
            abs(row[-4] - row[-3]) for row in rows if {row[-2], row[-1]} <= {"real", "integer"}
        ]
        if numeric:
            line += f"; largest difference {max(numeric):.3g}"
        found.append(line)
    return found


def _differences(db: Path, reference: Path) -> list[str]:
    """How ``db`` differs from ``reference``: integrity, tables, full-text index."""
    with closing(sqlite3.connect(db, isolation_level=None)) as connection:
        found = []
        integrity = connection.execute("PRAGMA main.integrity_check").fetchall()
        if integrity != [("ok",)]:
            found.append(f"integrity_check: {integrity[:5]}")
        try:
            connection.execute("INSERT INTO work_search (work_search) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as error:
            found.append(f"full-text index integrity-check: {error}")
        connection.execute("ATTACH DATABASE ? AS ref", (str(reference),))
        ours, theirs = _tables(connection, "main"), _tables(connection, "ref")
        if ours.keys() != theirs.keys():
            found.append(f"tables: {sorted(ours)} here, {sorted(theirs)} in the reference")
        for table in sorted(ours.keys() & theirs.keys()):
            if ours[table] != theirs[table]:
                found.append(f"{table}: columns {ours[table]} here, {theirs[table]} reference")
                continue
            found.extend(_table_differences(connection, table, ours[table]))
        # the full-text index, term by term: each term's documents and occurrences
        for schema in ("main", "ref"):
            connection.execute(
                f"CREATE VIRTUAL TABLE temp.vocab_{schema} "
                f"USING fts5vocab({schema}, work_search, 'row')"
            )
        for this, that in (("main", "ref"), ("ref", "main")):
            rows = connection.execute(
                f"SELECT COUNT(*) FROM (SELECT * FROM temp.vocab_{this} "
                f"EXCEPT SELECT * FROM temp.vocab_{that})"
            ).fetchone()[0]
            if rows:
                found.append(f"work_search: {rows} terms of {this} differ from {that}")
        return found


# -- the loop ---------------------------------------------------------------------------


def _kill_shares(rng: random.Random) -> list[float]:
    """One share of the stage's run in each of ``RUNS`` equal parts of ``KILL_WINDOW``."""
    low, high = KILL_WINDOW
    width = (high - low) / RUNS
    return [round(low + width * (run + rng.random()), 3) for run in range(RUNS)]


def _kill_loop(
    stage: str,
    args: Sequence[str],
    prepare: Callable[[Path], None],
    reference: Path,
    cpu: float,
    folder: Path,
) -> list[Kill]:
    """For each share: a database as ``prepare`` makes it, the stage killed once it has
    used that share of ``cpu`` (the uninterrupted run's CPU seconds), run again to its
    end, the result compared with ``reference``.

    The moments are CPU time, not wall time: other work on a shared machine stretches a
    run's wall time (one score run took 5 s, another 32 s), and a kill due after the end
    kills nothing. CPU time varies too, less (PyTorch's threads spin while they wait for
    a busy core: score used 10-34 s): should a run end before its kill, its own CPU
    time replaces the estimate and the run is tried again (``ATTEMPTS`` in all)."""
    rng = random.Random(f"{SEED} {stage}")
    kills = []
    for run, share in enumerate(_kill_shares(rng)):
        db = folder / f"{stage}-{run}.db"
        log = folder / f"{stage}-{run}.log"
        estimate = cpu
        for attempt in range(1, ATTEMPTS + 1):
            _remove_database(db)
            prepare(db)
            kill = _kill_during(db, args, share, share * estimate, log)
            kill.attempts = attempt
            if kill.killed:
                break
            estimate = kill.cpu
        kill.left = _rows_left(db, PROGRESS_TABLES[stage], folder / "scratch")
        kill.rerun = _run(db, args, log)
        kill.differences = _differences(db, reference)
        if kill.rerun.returncode != 0:
            kill.differences.insert(0, f"run again: exit status {kill.rerun.returncode}")
            kill.differences.append(_tail(log))
        kills.append(kill)
        _remove_database(db)
    _print_kills(stage, cpu, kills)
    return kills


def _print_kills(stage: str, cpu: float, kills: list[Kill]) -> None:
    print(f"\n{stage}: uninterrupted run {cpu:.2f} s of CPU; kills (seed {SEED}):")
    for run, kill in enumerate(kills):
        rerun = kill.rerun
        print(
            f"  {run}: share {kill.share:.3f}, due at {kill.due:.2f} s CPU, "
            + ("killed" if kill.killed else "ENDED before the kill")
            + f" at {kill.cpu:.2f} s CPU / {kill.wall:.2f} s wall (attempt {kill.attempts}), "
            f"children {len(kill.children)}, rows left {kill.left}, "
            f"all gone after {kill.gone_after} s, survivors {len(kill.survivors)}, "
            + (f"run again {rerun.seconds} s (exit {rerun.returncode}), " if rerun else "")
            + f"differences {len(kill.differences)}"
        )
        for child in kill.children:
            print(f"       child {child}")
        for line in kill.survivors + kill.differences:
            print(f"       {line}")


def _assert_kills(stage: str, kills: list[Kill], reference: Reference) -> None:
    assert all(kill.killed for kill in kills), f"{stage}: some runs ended before their kill"
    # a kill struck mid-stage: it left some of the stage's rows, not all of them
    done = reference.rows[stage]
    assert any(any(kill.left.values()) and kill.left != done for kill in kills), (
        f"{stage}: no kill struck mid-stage (the uninterrupted run left {done})"
    )
    problems = [
        f"{stage} run {run} (killed at {kill.cpu} s CPU):\n    " + "\n    ".join(trouble)
        for run, kill in enumerate(kills)
        if (trouble := [f"still running: {s}" for s in kill.survivors] + kill.differences)
    ]
    assert not problems, "\n".join(problems)


# -- references ----------------------------------------------------------------------


@dataclass
class Reference:
    """Databases after each uninterrupted stage, and how long each stage took."""

    folder: Path
    ingest_args: list[str]
    databases: dict[str, Path] = field(default_factory=dict)
    runs: dict[str, Completed] = field(default_factory=dict)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # of PROGRESS_TABLES


def _reference(folder: Path, ingest_args: list[str], stages: dict[str, list[str]]) -> Reference:
    """Run ``stages`` in order on one database, keeping a copy after each."""
    folder.mkdir()
    reference = Reference(folder, ingest_args)
    db = folder / "reference.db"
    for stage, args in stages.items():
        done = _run(db, args, folder / f"{stage}.log")
        assert done.returncode == 0, _tail(folder / f"{stage}.log")
        reference.runs[stage] = done
        reference.databases[stage] = folder / f"after-{stage}.db"
        _copy_database(db, reference.databases[stage])
        reference.rows[stage] = _count_rows(db, PROGRESS_TABLES[stage])
    return reference


@pytest.fixture(scope="module")
def arxiv_reference(tmp_path_factory: pytest.TempPathFactory, seeds: Path) -> Reference:
    """Seeds, the Kaggle snapshot and the 60,419-record arXiv file, ingested then enriched."""
    assert ARXIV_CS.stat().st_size >= 4 << 20  # read by a forked process (READ_AHEAD_MIN_BYTES)
    ingest = ["ingest", str(seeds), str(KAGGLE), str(ARXIV_CS)]
    folder = tmp_path_factory.mktemp("kill-arxiv") / "reference"
    return _reference(folder, ingest, {"ingest": ingest, "enrich": ["enrich"]})


@pytest.fixture(scope="module")
def scored_reference(tmp_path_factory: pytest.TempPathFactory, seeds: Path) -> Reference:
    """Seeds and a slice of the Kaggle snapshot, ingested, enriched, then scored."""
    folder = tmp_path_factory.mktemp("kill-score")
    corpus = folder / "kaggle-slice.jsonl"
    with KAGGLE.open() as lines:
        corpus.write_text("".join(next(lines) for _ in range(SCORE_SLICE)))
    ingest = ["ingest", str(seeds), str(corpus)]
    stages = {"ingest": ingest, "enrich": ["enrich"], "score": SCORE_ARGS}
    return _reference(folder / "reference", ingest, stages)


# -- the tests -----------------------------------------------------------------------


@pytest.mark.slow
def test_killed_ingest_leaves_no_process_and_runs_again_to_the_same_database(
    arxiv_reference: Reference, tmp_path: Path
) -> None:
    kills = _kill_loop(
        "ingest",
        arxiv_reference.ingest_args,
        _remove_database,  # each run starts from no database
        arxiv_reference.databases["ingest"],
        arxiv_reference.runs["ingest"].cpu,
        tmp_path,
    )
    # some kills struck while the arXiv file's reading process ran beside the writer
    assert any(kill.children for kill in kills), "no kill found a reading process"
    _assert_kills("ingest", kills, arxiv_reference)


@pytest.mark.slow
def test_killed_enrich_leaves_no_process_and_runs_again_to_the_same_database(
    arxiv_reference: Reference, tmp_path: Path
) -> None:
    kills = _kill_loop(
        "enrich",
        ["enrich"],
        lambda db: _copy_database(arxiv_reference.databases["ingest"], db),
        arxiv_reference.databases["enrich"],
        arxiv_reference.runs["enrich"].cpu,
        tmp_path,
    )
    _assert_kills("enrich", kills, arxiv_reference)


@pytest.mark.slow
def test_killed_score_leaves_no_process_and_runs_again_to_the_same_database(
    scored_reference: Reference, tmp_path: Path
) -> None:
    kills = _kill_loop(
        "score",
        SCORE_ARGS,
        lambda db: _copy_database(scored_reference.databases["enrich"], db),
        scored_reference.databases["score"],
        scored_reference.runs["score"].cpu,
        tmp_path,
    )
    _assert_kills("score", kills, scored_reference)
