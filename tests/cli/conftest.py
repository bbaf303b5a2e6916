"""Fixtures for the command-line tests: a clean working folder and target files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from runadvisor.cli import cli


@pytest.fixture(autouse=True)
def _workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in its own folder; examples write their data under it."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("RUNADVISOR_EXAMPLE_DATA", str(tmp_path / "example-data"))
    monkeypatch.delenv("RUNADVISOR_DEBUG", raising=False)
    return work


@pytest.fixture
def write_py() -> Callable[[str, str], Path]:
    """``write_py("name.py", source)`` writes a dedented file in the working folder."""

    def write(name: str, source: str) -> Path:
        path = Path.cwd() / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
        return path

    return write


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """``invoke("run", "x.py", ...)``: run the CLI in-process, exceptions caught as click does."""

    def run(*args: str, **kwargs: object) -> Result:
        return CliRunner().invoke(cli, list(args), **kwargs)  # type: ignore[arg-type]

    return run
