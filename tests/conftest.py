"""Shared test fixtures: where the real data lives, and a fresh SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest

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
