"""Every example pipeline runs under every runner and gives the same answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runadvisor import ParallelRunner, SequentialRunner, ThreadRunner
from runadvisor.loading import load_target

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RUNNERS = {
    "sequential": SequentialRunner,
    "thread": lambda: ThreadRunner(max_workers=4),
    "parallel": lambda: ParallelRunner(max_workers=2),
}


@pytest.fixture(autouse=True)
def _data_outside_the_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RUNADVISOR_EXAMPLE_DATA", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_io_fetch(runner: str) -> None:
    pipe, catalog, _ = load_target(str(EXAMPLES / "io_fetch" / "pipeline.py"))
    summary = RUNNERS[runner]().run(pipe, catalog)["summary"].load()
    assert len(summary) == 8
    assert all(s["min"] <= s["mean"] <= s["max"] for s in summary.values())


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_cpu_transform(runner: str) -> None:
    pipe, catalog, _ = load_target(str(EXAMPLES / "cpu_transform" / "pipeline.py"))
    result = RUNNERS[runner]().run(pipe, catalog)["pi"].load()
    assert result["branches"] == 8
    assert abs(result["pi"] - 3.14159) < 0.01


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_mixed_etl(runner: str, _data_outside_the_repo: Path) -> None:
    import pandas as pd

    pipe, catalog, _ = load_target(str(EXAMPLES / "mixed_etl" / "pipeline.py"))
    RUNNERS[runner]().run(pipe, catalog)
    data = _data_outside_the_repo / "mixed_etl"
    assert (data / "raw" / "orders.csv").is_file()
    summary = pd.read_parquet(data / "out" / "summary.parquet")
    assert set(summary["region"]) == {"north", "south", "east", "west"}
    kpis = json.loads((data / "out" / "kpis.json").read_text())
    # seeded data: every runner computes the same numbers
    assert kpis["orders"] == int(summary["orders"].sum()) == 118187
    assert all(low < high for low, high in kpis["median_value"].values())


def test_examples_write_only_into_their_data_folder() -> None:
    """With the variable unset, files go to examples/<name>/data (gitignored)."""
    text = (EXAMPLES.parent / ".gitignore").read_text()
    assert "examples/**/data/" in text
    source = (EXAMPLES / "mixed_etl" / "pipeline.py").read_text()
    assert 'Path(__file__).parent / "data"' in source


def test_examples_import_only_runadvisor() -> None:
    """Kedro users change only the imports: nothing else of a framework is used."""
    for path in EXAMPLES.glob("*/pipeline.py"):
        imports = [
            line
            for line in path.read_text().splitlines()
            if line.startswith(("import ", "from ")) and "__future__" not in line
        ]
        third_party = [line for line in imports if "runadvisor" not in line]
        allowed = ("import numpy", "import pandas", "import random", "import time")
        allowed += ("import zlib", "import os", "from pathlib")
        assert all(line.startswith(allowed) for line in third_party), (path, third_party)
