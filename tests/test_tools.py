"""The development tools in ``tools/``: outside the package, run as scripts."""

from __future__ import annotations

import doctest
import importlib.util
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tools_are_not_in_the_package() -> None:
    import scholarscope

    package = Path(scholarscope.__file__).parent
    assert not (package / "enrich" / "train_fields.py").exists()
    assert not (package / "score" / "validation.py").exists()
    assert {path.name for path in TOOLS.glob("*.py")} >= {"train_fields.py", "near_duplicates.py"}


def test_near_duplicates_examples_and_seeding() -> None:
    module = _load("near_duplicates")
    assert doctest.testmod(module) == (0, 3)  # the three docstring examples, none failing
    abstract = "We propose X. It works well. Three datasets show it. Code is public."
    copy = module.reworded(abstract, seed=7)
    assert copy == module.reworded(abstract, seed=7)  # seeded: same seed, same copy
    assert copy != abstract
    assert sorted(copy.split()) == sorted(abstract.split())  # same words, other order
    assert module.swap_words("single", 3, random.Random(0)) == "single"


def test_train_fields_help() -> None:
    pytest.importorskip("sklearn")
    done = subprocess.run(
        [sys.executable, str(TOOLS / "train_fields.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.startswith("usage: train_fields.py [-h] [--dry-run] [--cache CACHE]")
    assert "Train the field classifier and its domain gate" in done.stdout
    assert "--dry-run      evaluate, write nothing" in done.stdout
