"""SharedMemoryDataset and SharedMemoryDataCatalog: Kedro's multiprocessing names."""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pytest

from runadvisor.io import (
    CachedDataset,
    DatasetError,
    DatasetNotPicklableError,
    JSONDataset,
    MemoryDataset,
    SharedMemoryDataCatalog,
    SharedMemoryDataset,
    is_ephemeral,
    is_single_process,
)


class Manager:
    """Stands in for a multiprocessing manager: it must not be needed, nor pickled."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


def test_shared_memory_dataset_is_a_memory_dataset_that_takes_a_manager() -> None:
    dataset = SharedMemoryDataset(manager=Manager())
    assert isinstance(dataset, MemoryDataset)
    assert is_ephemeral(dataset)
    assert not dataset.exists()
    with pytest.raises(DatasetError, match=r"Data for MemoryDataset has not been saved yet\."):
        dataset.load()
    array = np.arange(4)
    dataset.save(array)
    array[0] = 99  # the stored copy is protected, as Kedro's manager copy is
    loaded = dataset.load()
    assert loaded.tolist() == [0, 1, 2, 3]
    assert loaded is not dataset.load()
    assert dataset.exists()
    with pytest.raises(DatasetError, match="Saving 'None'"):
        dataset.save(None)
    assert "MemoryDataset" in str(dataset)
    dataset.set_manager(Manager())
    assert SharedMemoryDataset().exists() is False


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps])
def test_shared_memory_dataset_pickles_its_data_not_its_manager(dumps: Any) -> None:
    dataset = SharedMemoryDataset(manager=Manager())
    dataset.save({"a": 1})
    clone = pickle.loads(dumps(dataset))
    assert clone.load() == {"a": 1}
    assert clone._manager is None


def test_names_no_entry_matches_become_shared_memory_datasets() -> None:
    catalog = SharedMemoryDataCatalog()
    assert catalog.get("x") is None
    assert isinstance(catalog.get("x", fallback_to_runtime_pattern=True), SharedMemoryDataset)
    assert type(catalog.get("y", fallback_to_runtime_pattern=True)) is SharedMemoryDataset


def test_set_manager_datasets_reaches_every_shared_memory_dataset() -> None:
    shared = SharedMemoryDataset()
    catalog = SharedMemoryDataCatalog({"s": shared, "m": MemoryDataset([1])})
    manager = Manager()
    catalog.set_manager_datasets(manager)
    assert shared._manager is manager
    assert not hasattr(catalog["m"], "_manager")


def test_validate_catalog_names_what_cannot_go_to_a_worker(tmp_path: Path) -> None:
    catalog = SharedMemoryDataCatalog(
        {
            "ok": [1],
            "file": JSONDataset(tmp_path / "f.json"),
            "shared": SharedMemoryDataset(manager=Manager()),
            "cached": CachedDataset(MemoryDataset([1])),
            "lock": MemoryDataset(threading.Lock(), copy_mode="assign"),
        }
    )
    with pytest.raises(DatasetNotPicklableError) as info:
        catalog.validate_catalog()
    error = info.value
    assert isinstance(error, AttributeError)  # what Kedro raises
    assert error.datasets == ["cached", "lock"]
    message = str(error)
    assert message.startswith(
        "The following datasets cannot be used with multiprocessing: ['cached', 'lock']"
    )
    assert "catalog['cached']: CachedDataset is marked _SINGLE_PROCESS" in message
    assert "catalog['lock']._data: cannot pickle '_thread.lock' object" in message
    del catalog._datasets["cached"], catalog._datasets["lock"]
    catalog.validate_catalog()


def test_single_process_is_read_from_the_class_or_the_instance() -> None:
    class Spark(MemoryDataset):
        _SINGLE_PROCESS = True

    class Proxy:
        def __getattr__(self, name: str) -> Any:
            return True  # a proxy would answer anything: it must not be asked

    flagged = MemoryDataset()
    flagged._SINGLE_PROCESS = True  # type: ignore[misc]
    assert is_single_process(Spark())
    assert is_single_process(flagged)
    assert is_single_process(CachedDataset(MemoryDataset()))
    assert not is_single_process(MemoryDataset())
    assert not is_single_process(Proxy())
    assert not is_single_process(object())


def _double(values: list[int]) -> list[int]:
    return [2 * v for v in values]


def test_parallel_runner_moves_shared_memory_data_between_workers() -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    from runadvisor.pipeline import node, pipeline
    from runadvisor.runners import ParallelRunner

    pipe = pipeline(
        [
            node(_double, "raw", "twice", name="first"),
            node(_double, "twice", "four", name="second"),
        ]
    )
    catalog = SharedMemoryDataCatalog({"raw": [1, 2], "twice": SharedMemoryDataset()})
    outputs = ParallelRunner(max_workers=2).run(pipe, catalog)
    assert outputs["four"].load() == [4, 8]
    assert isinstance(catalog["four"], MemoryDataset)


def test_a_started_kedro_manager_is_accepted_and_not_needed() -> None:
    from runadvisor.runners import ParallelRunnerManager

    manager = ParallelRunnerManager()
    manager.start()
    try:
        dataset = SharedMemoryDataset(manager=manager)
        frame = np.arange(4)
        dataset.save(frame)
        frame[0] = 99  # the saved data is a copy
        first, second = dataset.load(), dataset.load()
        assert first.tolist() == [0, 1, 2, 3] and first is not second
        catalog = SharedMemoryDataCatalog({"x": dataset})
        catalog.set_manager_datasets(manager)
        assert pickle.loads(pickle.dumps(dataset)).load().tolist() == [0, 1, 2, 3]
        shared = manager.MemoryDataset([1])  # Kedro's manager makes MemoryDatasets too
        assert shared.load() == [1]
    finally:
        manager.shutdown()
