"""The live sources themselves, over the internet: run by hand with ``pytest -m live``
(never in the suite, which must not reach the internet). Each test asks one small thing
of the real API and checks a fact about a paper that will not change: its title, its
first author, its DOI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scholarscope.cli import cli
from scholarscope.store import open_store

pytestmark = pytest.mark.live


@pytest.fixture(autouse=True)
def real_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo the suite's guard (``conftest.sources_nowhere``): the sources' real URLs."""
    for variable in (
        "SCHOLARSCOPE_OPENALEX_URL",
        "SCHOLARSCOPE_S2_URL",
        "SCHOLARSCOPE_ARXIV_URL",
        "SCHOLARSCOPE_ARXIV_OAI_URL",
    ):
        monkeypatch.delenv(variable, raising=False)


def fetch_title(db: Path, ref: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), "fetch", "work", ref])
    assert result.exit_code == 0, result.output
    store = open_store(str(db))
    try:
        return str(store.query("SELECT title FROM work_facet")[0][0])
    finally:
        store.close()


def test_openalex_work(tmp_path: Path) -> None:
    title = fetch_title(tmp_path / "oa.db", "openalex:W2741809807")
    assert title == (
        "The state of OA: a large-scale analysis of the prevalence and impact of Open Access "
        "articles"
    )


def test_arxiv_api_work(tmp_path: Path) -> None:
    title = fetch_title(tmp_path / "arxiv.db", "arxiv:1706.03762")
    assert title == "Attention Is All You Need"


def test_semantic_scholar_work(tmp_path: Path) -> None:
    title = fetch_title(tmp_path / "s2.db", "s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad")
    assert title == "Computing Machinery and Intelligence"
