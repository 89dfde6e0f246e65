"""Shared test fixtures: where the real data lives, and a fresh SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pg_cluster import PostgresCluster

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
