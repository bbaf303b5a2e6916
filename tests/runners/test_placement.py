"""Where datasets live under process workers: one decision for the pool and the advisor."""

from __future__ import annotations

import os
import threading

from runadvisor import DataCatalog, MemoryDataset, ParallelRunner, PickleDataset, node, pipeline
from runadvisor.io import AbstractDataset
from runadvisor.runners.placement import holds_data, place, read_here, write_here


class PidDataset(AbstractDataset):
    """Remembers the process each load and save happened in (in a file, so workers tell us)."""

    def __init__(self, path: str, value=None) -> None:
        self._path = path
        self._value = value

    def _note(self, what: str) -> None:
        with open(self._path, "a") as fh:
            fh.write(f"{what} {os.getpid()}\n")

    def load(self):
        self._note("load")
        return self._value

    def save(self, data) -> None:
        self._note("save")

    def _describe(self):
        return {"path": self._path}


class SingleProcessDataset(PidDataset):
    _SINGLE_PROCESS = True


class LockedDataset(PidDataset):
    """A persisted dataset that cannot travel: it holds a lock."""

    def __init__(self, path: str, value=None) -> None:
        super().__init__(path, value)
        self._lock = threading.Lock()


def identity(x):
    return x


def test_the_rules(tmp_path):
    pipe = pipeline(
        [
            node(identity, "mem_in", "a", name="n1"),
            node(identity, "file_in", "b", name="n2"),
            node(identity, "single", "c", name="n3"),
            node(identity, "locked", "d", name="n4"),
        ]
    )
    catalog = DataCatalog(
        {
            "mem_in": MemoryDataset(1),
            "file_in": PickleDataset(filepath=str(tmp_path / "f.pkl")),
            "single": SingleProcessDataset(str(tmp_path / "s.log"), 1),
            "locked": LockedDataset(str(tmp_path / "l.log"), 1),
            "a": MemoryDataset(),
            "b": MemoryDataset(),
            "c": MemoryDataset(),
            "d": MemoryDataset(),
        }
    )
    forked = place(pipe.nodes, catalog, "fork")
    assert forked.in_workers == {"mem_in", "file_in"}
    spawned = place(pipe.nodes, catalog, "spawn")
    assert spawned.in_workers == {"file_in"}  # memory inputs are not inherited under spawn
    assert spawned.travels("single") and spawned.travels("locked") and spawned.travels("a")


def test_parallel_runner_keeps_single_process_datasets_in_the_parent(tmp_path):
    log = tmp_path / "single.log"
    pipe = pipeline([node(identity, "single_in", "single_out", name="copy")])
    catalog = DataCatalog(
        {
            "single_in": SingleProcessDataset(str(log), 41),
            "single_out": SingleProcessDataset(str(log)),
        }
    )
    ParallelRunner(max_workers=2).run(pipe, catalog)
    pids = {line.split()[1] for line in log.read_text().splitlines()}
    assert pids == {str(os.getpid())}
    assert [line.split()[0] for line in log.read_text().splitlines()] == ["load", "save"]


def test_parent_side_access_does_not_copy_memory_data():
    data = {"big": [1, 2, 3]}
    memory = MemoryDataset(copy_mode="assign")
    assert holds_data(memory) and write_here(memory, data)
    assert read_here(memory) is data
    other = PidDataset("/dev/null", 5)
    assert not holds_data(other) and read_here(other) == 5
