"""Shared test fixtures: where the real data lives, a throwaway PostgreSQL server, and
new databases of either store for the tests that run on both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pg_cluster import PostgresCluster
from web_client import closing_apps

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
SHARED_DATA = SHARED / "data"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: the real data every test reads (never copied into the repo)."""
    return SHARED_DATA


@pytest.fixture(scope="session")
def seeds() -> Path:
    """``../shared/seeds``: the five documents the product was specified from."""
    return SEEDS


# A closed port on this machine: connection refused at once.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def sources_nowhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the internet: every live source points at a closed local port
    unless the test names a replay server (an option or its own variable wins)."""
    for variable in ("SCHOLARSCOPE_OPENALEX_URL", "SCHOLARSCOPE_S2_URL", "SCHOLARSCOPE_ARXIV_URL"):
        monkeypatch.setenv(variable, NOWHERE)
    monkeypatch.setenv("SCHOLARSCOPE_ARXIV_OAI_URL", f"{NOWHERE}/oai")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL server of the tests' own (``pg_cluster.py``), started on first use
    and removed at the end of the session."""
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster, request: pytest.FixtureRequest) -> str:
    """A new empty database on the tests' PostgreSQL server, named after the test."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()
    postgres_cluster.count += 1
    return postgres_cluster.create_database(f"{name}_{postgres_cluster.count}")


# The stores a database fixture parametrized by ``store_kind`` makes, in test ids.
STORES = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=STORES)
def store_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    """Which store the ``module_database`` and ``new_database`` fixtures make: every test
    that uses them runs once on each (``test_x[sqlite]``, ``test_x[postgresql]``).
    Module-scoped, so a module's database fixtures are built once per store and the
    tests are grouped by store."""
    if request.param == "postgresql":
        with closing_apps():  # the web servers of the module's fixtures
            yield "postgresql"
    else:
        yield str(request.param)


@pytest.fixture(autouse=True)
def _apps_closed() -> Iterator[None]:
    """The web Apps a test makes have their PostgreSQL connections closed at its end
    (``closing_apps``; an App on SQLite has none to close)."""
    with closing_apps():
        yield


def _cluster(store_kind: str, request: pytest.FixtureRequest) -> PostgresCluster | None:
    # only a PostgreSQL variant starts the server: a SQLite-only run needs none installed
    if store_kind == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        return cluster
    return None


def _new_database(cluster: PostgresCluster | None, folder: Path, name: str) -> str:
    """A SQLite file in ``folder`` (no cluster), or a new database on the cluster."""
    if cluster is None:
        return str(folder / f"{name}.db")
    cluster.count += 1
    return cluster.create_database(f"{name.lower()}_{cluster.count}")


@pytest.fixture(scope="module")
def module_database(
    store_kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], str]:
    """``module_database(name)``: a new empty database of ``store_kind`` for a
    module-scoped fixture, as ``open_store`` takes it (a SQLite file path or a
    ``postgresql://`` URL). The name is a word: a file name, a database name."""
    cluster, folder = _cluster(store_kind, request), tmp_path_factory.mktemp("databases")
    return lambda name: _new_database(cluster, folder, name)


@pytest.fixture
def new_database(
    store_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[str], str]:
    """``new_database(name)``: a new empty database of ``store_kind`` for one test (a
    SQLite file in the test's ``tmp_path``, or a new PostgreSQL database)."""
    cluster = _cluster(store_kind, request)
    return lambda name: _new_database(cluster, tmp_path, name)
