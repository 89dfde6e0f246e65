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
