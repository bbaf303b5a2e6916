"""DataCatalog mapping behaviour, errors, duck-typed datasets and SharedMemoryDataCatalog."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from runadvisor.io import (
    CachedDataset,
    DataCatalog,
    DatasetError,
    DatasetNotFoundError,
    JSONDataset,
    MemoryDataset,
    SharedMemoryDataCatalog,
)
from runadvisor.io.catalog import dataset_exists, is_ephemeral, release_dataset


class DuckDataset:
    """Only load and save, like a minimal third-party or Kedro dataset."""

    def __init__(self) -> None:
        self.data: Any = "duck"

    def load(self) -> Any:
        return self.data

    def save(self, data: Any) -> None:
        self.data = data


class Workbook:
    """Data that happens to have save() (like openpyxl's Workbook)."""

    def save(self, filename: str) -> None:
        pass


def test_raw_values_become_memory_datasets_and_datasets_stay() -> None:
    duck = DuckDataset()
    memory = MemoryDataset([1])
    catalog = DataCatalog({"raw": {"a": 1}, "duck": duck, "memory": memory})
    assert isinstance(catalog["raw"], MemoryDataset)
    assert catalog["duck"] is duck
    assert catalog["memory"] is memory
    assert catalog.load("raw") == {"a": 1}
    assert catalog.load("duck") == "duck"
    catalog.save("duck", "quack")
    assert duck.data == "quack"


def test_raw_data_is_always_data() -> None:
    duck = DuckDataset()
    catalog = DataCatalog({"a": MemoryDataset([0])}, raw_data={"a": 1, "obj": duck})
    assert catalog.load("a") == 1  # raw_data wins, as Kedro's feed dict did
    assert isinstance(catalog["obj"], MemoryDataset)
    assert catalog.load("obj").data == "duck"


def test_mapping_protocol() -> None:
    catalog = DataCatalog({"b": 2, "a": 1})
    assert "a" in catalog
    assert "z" not in catalog
    assert len(catalog) == 2
    assert list(catalog) == ["b", "a"]
    assert catalog.keys() == ["b", "a"]
    assert [ds.load() for ds in catalog.values()] == [2, 1]
    assert [(name, ds.load()) for name, ds in catalog.items()] == [("b", 2), ("a", 1)]
    assert catalog.get("z") is None
    assert "z" not in catalog  # asking did not register it
    assert catalog.get("a") is catalog["a"]
    catalog["c"] = [3]
    catalog["d"] = DuckDataset()
    assert catalog.load("c") == [3]
    assert catalog.keys() == ["b", "a", "c", "d"]
    catalog["a"] = 10  # replacing is allowed
    assert catalog.load("a") == 10


def test_repr_lists_every_dataset() -> None:
    assert repr(DataCatalog()) == "DataCatalog()"
    catalog = DataCatalog({"x": [1], "y": MemoryDataset()})
    assert (
        repr(catalog)
        == "DataCatalog(\n  'x': MemoryDataset(data='<list>'),\n  'y': MemoryDataset(),\n)"
    )


def test_unknown_names_suggest_close_matches() -> None:
    catalog = DataCatalog({"model_input": 1, "features": 2})
    with pytest.raises(DatasetNotFoundError) as info:
        catalog.load("model_inptu")
    assert str(info.value) == (
        "Dataset 'model_inptu' not found in the catalog - did you mean 'model_input'?"
    )
    with pytest.raises(DatasetNotFoundError, match="did you mean 'features'"):
        catalog["feature"]
    with pytest.raises(DatasetNotFoundError, match="Register it"):
        catalog["zzz"]
    with pytest.raises(DatasetNotFoundError, match="'zzz' not found"):
        catalog.release("zzz")


def test_save_to_an_unknown_name_raises_with_close_matches_as_kedro() -> None:
    catalog = DataCatalog({"results": [0]})
    with pytest.raises(DatasetNotFoundError, match="did you mean 'results'"):
        catalog.save("reslts", [1])  # a typo is not saved silently to memory
    assert "reslts" not in catalog
    catalog["new"] = [1]  # how to add in-memory data
    catalog.save("new", [2])
    assert catalog.load("new") == [2]


def test_a_failed_save_names_the_dataset_in_a_note() -> None:
    catalog = DataCatalog({"new": MemoryDataset()})
    with pytest.raises(DatasetError, match="Saving 'None'") as info:
        catalog.save("new", None)
    assert not catalog.exists("new")
    assert "while saving catalog['new']" in getattr(info.value, "__notes__", [])


def test_load_errors_carry_the_catalog_name() -> None:
    catalog = DataCatalog({"empty": MemoryDataset()})
    with pytest.raises(DatasetError, match="has not been saved yet") as info:
        catalog.load("empty")
    assert "while loading catalog['empty']" in info.value.__notes__


def test_exists_and_release() -> None:
    memory = MemoryDataset([1])
    catalog = DataCatalog({"m": memory, "duck": DuckDataset(), "empty": MemoryDataset()})
    assert catalog.exists("m")
    assert catalog.exists("duck")  # no exists(): assumed there
    assert not catalog.exists("empty")
    assert not catalog.exists("unregistered")
    catalog.release("m")
    catalog.release("duck")  # no release(): nothing to do
    assert not catalog.exists("m")


def test_files_in_a_catalog(tmp_path: Path) -> None:
    catalog = DataCatalog({"out": JSONDataset(tmp_path / "out.json")})
    assert not catalog.exists("out")
    catalog.save("out", {"a": 1})
    assert catalog.exists("out")
    assert catalog.load("out") == {"a": 1}


def test_half_a_dataset_is_refused_at_registration() -> None:
    with pytest.raises(DatasetError) as info:
        DataCatalog({"book": Workbook()})
    message = str(info.value)
    assert message.startswith("catalog['book'] is a Workbook: a dataset needs load() and save()")
    assert "MemoryDataset(value)" in message
    assert "raw_data" in message
    catalog = DataCatalog(raw_data={"book": Workbook()})  # the way to store it as data
    assert isinstance(catalog["book"], MemoryDataset)


def test_a_dataset_class_is_refused_at_registration() -> None:
    catalog = DataCatalog()
    with pytest.raises(
        DatasetError, match=r"catalog\['m'\] is the class MemoryDataset, not a dataset"
    ):
        catalog["m"] = MemoryDataset


def test_engine_helpers_are_importable_from_the_catalog_module() -> None:
    assert is_ephemeral(MemoryDataset())
    assert is_ephemeral(CachedDataset(DuckDataset()))
    assert not is_ephemeral(JSONDataset("x.json"))
    assert not is_ephemeral(DuckDataset())
    assert dataset_exists(DuckDataset())
    release_dataset(DuckDataset())


class Client:
    def __init__(self) -> None:
        self._lock = threading.Lock()


class RemoteDataset(DuckDataset):
    def __init__(self) -> None:
        super().__init__()
        self._client = Client()


def test_shared_memory_catalog_accepts_picklable_datasets(tmp_path: Path) -> None:
    catalog = SharedMemoryDataCatalog(
        {"a": [1], "f": JSONDataset(tmp_path / "f.json"), "fn": lambda x: x}
    )
    catalog.validate_catalog()
    catalog.set_manager_datasets(object())  # Kedro compatibility: a no-op
    assert catalog.load("a") == [1]


def test_shared_memory_catalog_names_every_dataset_that_will_not_pickle() -> None:
    class SingleProcess(DuckDataset):
        _SINGLE_PROCESS = True

    catalog = SharedMemoryDataCatalog(
        {
            "ok": [1],
            "remote": RemoteDataset(),
            "raw_lock": MemoryDataset(threading.Lock(), copy_mode="assign"),
            "spark": SingleProcess(),
        }
    )
    with pytest.raises(DatasetError) as info:
        catalog.validate_catalog()
    message = str(info.value)
    assert "catalog['remote']._client._lock: cannot pickle '_thread.lock' object" in message
    assert "catalog['raw_lock']._data: cannot pickle '_thread.lock' object" in message
    assert "catalog['spark']: SingleProcess is marked _SINGLE_PROCESS" in message
    assert "'ok'" not in message
    assert "ThreadRunner" in message
    assert "PickleDataset" in message
