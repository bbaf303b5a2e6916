"""Kedro's own datasets in runadvisor's catalog and runners (runs where kedro is installed)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

kedro_io = pytest.importorskip("kedro.io", reason="kedro is not installed (pip install kedro)")

from runadvisor.io import (  # noqa: E402 - after the skip
    DataCatalog,
    DatasetNotPicklableError,
    SharedMemoryDataCatalog,
    is_ephemeral,
    is_single_process,
)
from runadvisor.pipeline import node, pipeline  # noqa: E402
from runadvisor.runners import ParallelRunner, SequentialRunner  # noqa: E402


class KedroTextDataset(kedro_io.AbstractDataset):
    """A user's own dataset written against kedro.io, counting what is called."""

    def __init__(self, filepath: str) -> None:
        self._filepath = Path(filepath)
        self.calls: list[str] = []

    def load(self) -> str:
        self.calls.append("load")
        return self._filepath.read_text()

    def save(self, data: str) -> None:
        self.calls.append("save")
        self._filepath.write_text(data)

    def _exists(self) -> bool:
        self.calls.append("exists")
        return self._filepath.exists()

    def _release(self) -> None:
        self.calls.append("release")

    def confirm(self) -> None:
        self.calls.append("confirm")

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}


def test_a_kedro_dataset_is_loaded_saved_checked_released_and_confirmed(tmp_path: Path) -> None:
    dataset = KedroTextDataset(str(tmp_path / "t.txt"))
    catalog = DataCatalog({"text": dataset})
    assert catalog["text"] is dataset
    assert not catalog.exists("text")
    catalog.save("text", "hello")
    assert catalog.load("text") == "hello"
    assert catalog.exists("text")
    catalog.release("text")
    catalog.confirm("text")
    assert dataset.calls == ["exists", "save", "load", "exists", "release", "confirm"]
    with pytest.raises(kedro_io.DatasetError):  # Kedro's own wrapping still applies
        KedroTextDataset(str(tmp_path / "missing" / "t.txt")).load()


def test_kedros_memory_and_cached_datasets_are_recognised() -> None:
    memory = kedro_io.MemoryDataset([1])
    cached = kedro_io.CachedDataset(kedro_io.MemoryDataset([1]))
    assert is_ephemeral(memory)
    assert is_single_process(cached)
    catalog = SharedMemoryDataCatalog({"memory": memory, "cached": cached})
    with pytest.raises(DatasetNotPicklableError) as info:
        catalog.validate_catalog()
    assert info.value.datasets == ["cached"]


def _add_one(text: str) -> str:
    return text + "+1"


def test_only_missing_outputs_relies_on_a_kedro_datasets_exists(tmp_path: Path) -> None:
    calls: list[str] = []

    def step(text: str) -> str:
        calls.append(text)
        return text + "!"

    out = KedroTextDataset(str(tmp_path / "out.txt"))
    catalog = DataCatalog({"raw": "in", "out": out})
    pipe = pipeline([node(step, "raw", "out", name="step")])
    SequentialRunner().run(pipe, catalog, only_missing_outputs=True)
    assert calls == ["in"]
    SequentialRunner().run(pipe, catalog, only_missing_outputs=True)
    assert calls == ["in"]  # out.exists() said it is there: the node was skipped
    assert "exists" in out.calls


def test_kedro_datasets_from_config_are_kedros_own_and_versioned(tmp_path: Path) -> None:
    kedro_pandas = pytest.importorskip("kedro_datasets.pandas")
    frame = pd.DataFrame({"a": [1, 2]})
    config = {
        "boats": {
            "type": "pandas.CSVDataset",
            "filepath": str(tmp_path / "b.csv"),
            "versioned": True,
        }
    }
    catalog = DataCatalog.from_config(config, save_version="2024-01-01T00.00.00.000Z")
    boats = catalog["boats"]
    assert isinstance(boats, kedro_pandas.CSVDataset)
    assert isinstance(boats._version, kedro_io.Version)  # Kedro's class, as Kedro passes it
    catalog.save("boats", frame)
    assert (tmp_path / "b.csv" / "2024-01-01T00.00.00.000Z" / "b.csv").is_file()
    assert catalog.load("boats").equals(frame)
    assert catalog.load("boats", version="2024-01-01T00.00.00.000Z").equals(frame)
    assert catalog.get_type("boats") == "kedro_datasets.pandas.csv_dataset.CSVDataset"
    entries, _, _, _ = catalog.to_config()
    assert entries["boats"]["type"] == "kedro_datasets.pandas.csv_dataset.CSVDataset"
    assert entries["boats"]["versioned"] is True
    with pytest.raises(kedro_io.DatasetError, match="must not exist if versioning") as info:
        catalog.save("boats", frame)
    assert "while saving catalog['boats']" in info.value.__notes__


def test_parallel_runner_saves_a_kedro_dataset_in_its_workers(tmp_path: Path) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    kedro_pickle = pytest.importorskip("kedro_datasets.pickle")
    catalog = DataCatalog(
        {"raw": "x", "out": kedro_pickle.PickleDataset(filepath=str(tmp_path / "o.pkl"))}
    )
    pipe = pipeline(
        [node(_add_one, "raw", "mid", name="one"), node(_add_one, "mid", "out", name="two")]
    )
    ParallelRunner(max_workers=2).run(pipe, catalog)
    assert kedro_pickle.PickleDataset(filepath=str(tmp_path / "o.pkl")).load() == "x+1+1"
