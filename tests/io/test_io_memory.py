"""MemoryDataset copy modes and CachedDataset caching."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd
import pytest

from runadvisor.io import CachedDataset, DatasetError, DatasetValueError, MemoryDataset
from runadvisor.io.memory import copy_with_mode, infer_copy_mode

EMPTY_MESSAGE = "Data for MemoryDataset has not been saved yet."


def test_round_trip_and_describe() -> None:
    dataset = MemoryDataset([1, 2])
    assert dataset.load() == [1, 2]
    assert dataset.exists()
    assert str(dataset) == "MemoryDataset(data='<list>')"
    assert str(MemoryDataset(copy_mode="assign")) == "MemoryDataset(copy_mode='assign')"
    assert MemoryDataset._EPHEMERAL is True


def test_loading_an_empty_dataset_says_it_was_never_saved() -> None:
    with pytest.raises(DatasetError) as info:
        MemoryDataset().load()
    assert str(info.value).startswith(EMPTY_MESSAGE)
    assert "released" in str(info.value)
    assert not MemoryDataset().exists()


def test_deepcopy_by_default_protects_the_stored_object() -> None:
    original = [[1], [2]]
    dataset = MemoryDataset()
    dataset.save(original)
    original[0].append("changed after save")
    loaded = dataset.load()
    loaded[1].append("changed after load")
    assert dataset.load() == [[1], [2]]


def test_assign_shares_the_object() -> None:
    original = [1]
    dataset = MemoryDataset(original, copy_mode="assign")
    loaded = dataset.load()
    assert loaded is original
    loaded.append(2)
    assert dataset.load() == [1, 2]


def test_copy_is_shallow() -> None:
    inner = [1]
    dataset = MemoryDataset([inner], copy_mode="copy")
    loaded = dataset.load()
    assert loaded is not dataset._peek()
    assert loaded[0] is inner
    assert copy_with_mode((1, 2), "copy") == (1, 2)  # no .copy(): copy.copy


def test_invalid_copy_mode_is_refused_at_once() -> None:
    with pytest.raises(DatasetValueError, match=r"Invalid copy mode: clone\."):
        MemoryDataset([1], copy_mode="clone")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="deepcopy, copy, assign"):
        copy_with_mode([1], "clone")  # type: ignore[arg-type]


def test_numpy_and_pandas_are_copied_with_their_copy_method() -> None:
    array = np.arange(3)
    frame = pd.DataFrame({"a": [1, 2]})
    assert infer_copy_mode(array) == "copy"
    assert infer_copy_mode(frame) == "copy"
    assert infer_copy_mode([1]) == "deepcopy"
    assert infer_copy_mode({"a": array}) == "deepcopy"

    dataset = MemoryDataset(frame)
    loaded = dataset.load()
    loaded.loc[0, "a"] = 99
    assert dataset.load()["a"].tolist() == [1, 2]
    stored = MemoryDataset(array)
    stored.load()[0] = 42
    assert stored.load().tolist() == [0, 1, 2]


def test_other_dataframe_types_are_assigned_as_kedro_does() -> None:
    class DataFrame:  # stands in for polars / Spark frames
        pass

    frame = DataFrame()
    assert infer_copy_mode(frame) == "assign"
    assert MemoryDataset(frame).load() is frame


def test_none_can_be_stored_through_the_constructor() -> None:
    dataset = MemoryDataset(None)
    assert dataset.exists()
    assert dataset.load() is None
    with pytest.raises(DatasetError, match="Saving 'None'"):
        dataset.save(None)


def test_release_drops_the_data() -> None:
    dataset = MemoryDataset({"a": 1})
    dataset.release()
    assert not dataset.exists()
    with pytest.raises(DatasetError, match=EMPTY_MESSAGE):
        dataset.load()


def test_peek_and_put_do_not_copy() -> None:
    payload = [1]
    dataset = MemoryDataset()
    dataset._put(payload)
    assert dataset._peek() is payload
    assert dataset.load() is not payload
    with pytest.raises(DatasetError, match=EMPTY_MESSAGE):
        MemoryDataset()._peek()


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps])
def test_pickling_keeps_empty_empty_and_full_full(dumps: Any) -> None:
    empty = pickle.loads(dumps(MemoryDataset()))
    assert not empty.exists()
    full = pickle.loads(dumps(MemoryDataset([1], copy_mode="copy")))
    assert full.load() == [1]
    assert full._copy_mode == "copy"


class CountingDataset:
    """A duck-typed dataset counting its loads and saves."""

    def __init__(self, data: Any = None) -> None:
        self.data = data
        self.loads = 0
        self.saves = 0
        self.releases = 0

    def load(self) -> Any:
        self.loads += 1
        return self.data

    def save(self, data: Any) -> None:
        self.saves += 1
        self.data = data

    def exists(self) -> bool:
        return self.data is not None

    def release(self) -> None:
        self.releases += 1


def test_cached_dataset_loads_the_wrapped_dataset_once() -> None:
    wrapped = CountingDataset([1, 2])
    cached = CachedDataset(wrapped)
    first = cached.load()
    first.append("mutated")
    assert cached.load() == [1, 2]
    assert cached.load() == [1, 2]
    assert wrapped.loads == 1
    assert CachedDataset._EPHEMERAL is True


def test_cached_dataset_saves_to_both() -> None:
    wrapped = CountingDataset()
    cached = CachedDataset(wrapped)
    cached.save({"a": 1})
    assert wrapped.saves == 1
    assert wrapped.data == {"a": 1}
    assert cached.load() == {"a": 1}
    assert wrapped.loads == 0


def test_cached_dataset_exists_and_release() -> None:
    wrapped = CountingDataset()
    cached = CachedDataset(wrapped)
    assert not cached.exists()
    cached.save([1])
    wrapped.data = None  # only the cache holds it now
    assert cached.exists()
    cached.release()
    assert wrapped.releases == 1
    assert not cached.exists()
    wrapped.data = [2]
    assert cached.load() == [2]
    assert wrapped.loads == 1


def test_cached_dataset_pickles_without_its_cache_and_keeps_its_own() -> None:
    wrapped = CountingDataset([1])
    cached = CachedDataset(wrapped, copy_mode="deepcopy")
    cached.load()
    clone = pickle.loads(cloudpickle.dumps(cached))
    assert not clone._cache.exists()
    assert clone._cache._copy_mode == "deepcopy"
    assert clone.load() == [1]
    assert clone._dataset.loads == 2  # the clone had to load again
    assert cached._cache.exists()  # pickling left the original's cache alone


def test_cached_dataset_describes_what_it_wraps() -> None:
    cached = CachedDataset(MemoryDataset([1]))
    assert str(cached) == "CachedDataset(dataset=MemoryDataset(data='<list>'))"
    cached.load()
    assert str(cached) == "CachedDataset(dataset=MemoryDataset(data='<list>'), cache='<list>')"


def test_cached_dataset_rejects_what_it_cannot_wrap() -> None:
    with pytest.raises(ValueError, match="given a list, and a dataset needs load"):
        CachedDataset([1, 2])
    with pytest.raises(DatasetValueError, match="should be either a dict/YAML"):
        CachedDataset("BadArgument")


def test_cached_dataset_wraps_load_errors() -> None:
    cached = CachedDataset(MemoryDataset())
    with pytest.raises(DatasetError, match=EMPTY_MESSAGE):
        cached.load()
    with pytest.raises(DatasetError, match="Saving 'None'"):
        cached.save(None)


def test_data_that_cannot_be_copied_suggests_assign() -> None:
    import threading

    with pytest.raises(DatasetError) as info:
        MemoryDataset({"lock": threading.Lock()})
    message = str(info.value)
    assert message.startswith("MemoryDataset cannot deepcopy a dict: cannot pickle")
    assert "copy_mode='assign'" in message
    lock = threading.Lock()
    assert MemoryDataset(lock, copy_mode="assign").load() is lock


@pytest.mark.usefixtures("without_kedro")
def test_cached_dataset_builds_what_it_wraps_from_an_entry(tmp_path: Path) -> None:
    from runadvisor.io import JSONDataset, Version

    entry = {"type": "json.JSONDataset", "filepath": str(tmp_path / "c.json")}
    cached = CachedDataset(entry)
    assert isinstance(cached._dataset, JSONDataset)
    cached.save({"a": 1})
    assert JSONDataset(tmp_path / "c.json").load() == {"a": 1}
    other = {**entry, "filepath": str(tmp_path / "v.json")}
    versioned = CachedDataset(other, version=Version(None, "v1"))
    assert versioned._dataset._version == Version(None, "v1")
    versioned.save([1])
    assert (tmp_path / "v.json" / "v1" / "v.json").is_file()
    with pytest.raises(DatasetValueError, match="versioned in the 'CachedDataset'"):
        CachedDataset({**entry, "versioned": True})
    assert entry == {"type": "json.JSONDataset", "filepath": str(tmp_path / "c.json")}


@pytest.mark.usefixtures("without_kedro")
def test_cached_dataset_config_lifts_versioned_and_drops_metadata(tmp_path: Path) -> None:
    from runadvisor.io import PickleDataset, Version

    inner = PickleDataset(str(tmp_path / "p.pkl"), version=Version(None, None), metadata={"a": 1})
    config = CachedDataset(inner, copy_mode="copy")._init_config()
    assert config["type"] == "runadvisor.io.memory.CachedDataset"
    assert config["versioned"] is True
    assert config["copy_mode"] == "copy"
    assert config["dataset"]["type"] == "runadvisor.io.files.PickleDataset"
    assert "versioned" not in config["dataset"]
    assert "metadata" not in config["dataset"]
    assert CachedDataset._SINGLE_PROCESS is True


def test_ibis_tables_are_assigned_without_importing_ibis(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    class Table:
        pass

    assert infer_copy_mode(Table()) == "deepcopy"  # no ibis loaded: cannot be one of its
    fake = types.ModuleType("ibis")
    fake.Table = Table  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ibis", fake)
    assert infer_copy_mode(Table()) == "assign"
