"""Any Kedro dataset in runadvisor's runners: loaded and saved where it can be, versioned as
Kedro versions it, asked whether it exists, and named when it cannot reach a process."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from kedro.io import AbstractDataset, DataCatalog, MemoryDataset
from kedro.pipeline import Pipeline, node

import runadvisor.kedro as ra_kedro
from runadvisor.runners import UnpicklableDataError


class PidTextDataset(AbstractDataset):
    """A project's own dataset: saves its text and the pid of the process that saved it."""

    def __init__(self, filepath: str, exists: bool | None = None) -> None:
        self._filepath = Path(filepath)
        self._force_exists = exists

    def _load(self) -> str:
        return self._filepath.read_text().split("\n")[0]

    def _save(self, data: str) -> None:
        self._filepath.write_text(f"{data}\n{os.getpid()}")

    def _exists(self) -> bool:
        if self._force_exists is not None:
            return self._force_exists
        return self._filepath.exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}

    def saved_by(self) -> int:
        return int(self._filepath.read_text().split("\n")[1])


class LockedDataset(PidTextDataset):
    """A dataset holding a lock (as a client with a connection pool does): it cannot pickle."""

    def __init__(self, filepath: str) -> None:
        super().__init__(filepath)
        self._lock = threading.Lock()


class Holder:
    """In-memory data that cannot pickle."""

    def __init__(self) -> None:
        self.guard = threading.Lock()


def shout(text: str) -> str:
    return text.upper()


def exclaim(text: str) -> str:
    return text + "!"


def unwrap(holder: Holder) -> str:
    return type(holder.guard).__name__


def _chain(source: str = "words") -> Pipeline:
    return Pipeline(
        [
            node(shout, source, "loud", name="shout"),
            node(exclaim, "loud", "final", name="exclaim"),
        ]
    )


def test_a_projects_own_dataset_loads_and_saves_in_the_worker(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("hello\n0")
    catalog = DataCatalog(
        datasets={
            "words": PidTextDataset(str(tmp_path / "words.txt")),
            "final": PidTextDataset(str(tmp_path / "final.txt")),
        }
    )
    result = ra_kedro.ParallelRunner(max_workers=2).run(_chain(), catalog)
    assert sorted(result) == ["final"]
    final = catalog["final"]
    assert final.load() == "HELLO!"
    assert final.saved_by() != os.getpid()  # saved inside a worker process


def test_a_dataset_that_cannot_pickle_stays_in_this_process_and_still_works(
    tmp_path: Path,
) -> None:
    (tmp_path / "words.txt").write_text("hello\n0")
    catalog = DataCatalog(
        datasets={
            "words": LockedDataset(str(tmp_path / "words.txt")),
            "final": LockedDataset(str(tmp_path / "final.txt")),
        }
    )
    ra_kedro.ParallelRunner(max_workers=2).run(_chain(), catalog)
    assert catalog["final"].load() == "HELLO!"
    assert catalog["final"].saved_by() == os.getpid()  # its data travelled here


def test_in_memory_data_that_cannot_travel_is_named_with_its_attribute() -> None:
    pipe = Pipeline([node(unwrap, "holder", "kind", name="unwrap")])
    catalog = DataCatalog(datasets={"holder": MemoryDataset(Holder(), copy_mode="assign")})
    with pytest.raises(UnpicklableDataError) as caught:
        ra_kedro.ParallelRunner(max_workers=2).run(pipe, catalog)
    assert any("catalog['holder']" in p and "guard" in p for p in caught.value.problems)
    # threads need no pickling: the same pipeline runs
    result = ra_kedro.ThreadRunner(max_workers=2).run(pipe, catalog)
    assert result["kind"].load() == "lock"


def test_versioned_datasets_keep_kedros_versioning(tmp_path: Path) -> None:
    import pandas as pd
    from kedro.io import Version
    from kedro_datasets.pandas import CSVDataset

    def table(x: pd.DataFrame) -> pd.DataFrame:
        return x.assign(y=x["x"] * 2)

    pipe = Pipeline([node(table, "x", "table", name="table")])
    path = tmp_path / "table.csv"
    for _ in range(2):
        catalog = DataCatalog(
            datasets={
                "x": MemoryDataset(pd.DataFrame({"x": [1, 2]})),
                "table": CSVDataset(filepath=str(path), version=Version(None, None)),
            }
        )
        ra_kedro.ParallelRunner(max_workers=2).run(pipe, catalog)
    versions = sorted(p.name for p in path.iterdir())
    assert len(versions) == 2  # one folder per run, named by its save version
    loaded = CSVDataset(filepath=str(path), version=Version(None, None)).load()
    assert list(loaded["y"]) == [2, 4]


def test_only_missing_outputs_asks_the_datasets_own_exists(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("hello\n0")

    def catalog(final_exists: bool) -> DataCatalog:
        return DataCatalog(
            datasets={
                "words": PidTextDataset(str(tmp_path / "words.txt")),
                "final": PidTextDataset(str(tmp_path / "final.txt"), exists=final_exists),
            }
        )

    ra_kedro.SequentialRunner().run(_chain(), catalog(True), only_missing_outputs=True)
    assert not (tmp_path / "final.txt").exists()  # exists() said yes: nothing ran
    ra_kedro.ParallelRunner(2).run(_chain(), catalog(False), only_missing_outputs=True)
    assert (tmp_path / "final.txt").read_text().startswith("HELLO!")


def test_a_free_input_missing_from_the_catalog_is_kedros_error() -> None:
    with pytest.raises(ValueError, match=r"Pipeline input\(s\) \{'words'\} not found"):
        ra_kedro.SequentialRunner().run(_chain(), DataCatalog())
