"""``node(..., confirms=...)``: the runner calls ``confirm()`` on those datasets after the
node has run and saved its outputs, wherever the dataset lives."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from runadvisor import DataCatalog, MemoryDataset, SequentialRunner, node, pipeline


class ConfirmFile:
    """A file dataset whose ``confirm()`` appends a line: visible from every process."""

    _EPHEMERAL = False

    def __init__(self, path: Path, log: Path, watch: Path | None = None) -> None:
        self.path, self.log, self.watch = path, log, watch

    def save(self, data):
        self.path.write_text(str(data))

    def load(self):
        return int(self.path.read_text())

    def exists(self):
        return self.path.exists()

    def confirm(self):
        # Confirmed after the node's outputs are saved: the watched file exists by then.
        seen = "saved" if self.watch is None or self.watch.exists() else "not saved"
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(f"{self.path.name}:{seen}\n")


class ConfirmHere(MemoryDataset):
    """Stays in the runner's process (it holds a lock); counts confirmations."""

    def __init__(self, data=None) -> None:
        super().__init__(data)
        self.lock = threading.Lock()
        self.confirmed = 0

    def confirm(self):
        with self.lock:
            self.confirmed += 1


def double(x):
    return 2 * x


def test_confirms_an_input_after_outputs_are_saved(runner, tmp_path):
    (tmp_path / "in.txt").write_text("3")
    log = tmp_path / "log.txt"
    out = tmp_path / "out.txt"
    catalog = DataCatalog(
        {
            "ds_in": ConfirmFile(tmp_path / "in.txt", log, watch=out),
            "ds_out": ConfirmFile(out, log),
        }
    )
    runner.run(pipeline([node(double, "ds_in", "ds_out", confirms="ds_in")]), catalog)
    assert out.read_text() == "6"
    assert log.read_text().splitlines() == ["in.txt:saved"]


def test_confirms_a_dataset_the_node_does_not_touch(runner, tmp_path):
    log = tmp_path / "log.txt"
    marker = ConfirmFile(tmp_path / "marker.txt", log)
    here = ConfirmHere()
    catalog = DataCatalog({"x": 1, "marker": marker, "here": here})
    p = pipeline(
        [
            node(double, "x", "y", name="first", confirms=["marker", "here"]),
            node(double, "y", "z", name="second"),
        ]
    )
    outputs = runner.run(p, catalog)
    assert outputs["z"].load() == 4
    assert log.read_text().splitlines() == ["marker.txt:saved"]
    assert here.confirmed == 1


def test_datasets_without_confirm_are_skipped(runner):
    catalog = DataCatalog({"x": MemoryDataset(2)})
    outputs = runner.run(pipeline([node(double, "x", "y", confirms=["x", "y"])]), catalog)
    assert outputs["y"].load() == 4


def test_a_failed_node_confirms_nothing(runner):
    def boom(x):
        raise RuntimeError("no")

    here = ConfirmHere(1)
    catalog = DataCatalog({"x": here})
    with pytest.warns(RuntimeWarning), pytest.raises(RuntimeError, match="no"):
        runner.run(pipeline([node(boom, "x", "y", name="boom", confirms="x")]), catalog)
    assert here.confirmed == 0


def test_a_confirm_the_catalog_lacks_is_an_error_before_anything_runs():
    from runadvisor.io import DatasetNotFoundError

    ran = []

    def work(x):
        ran.append(x)
        return x

    pipe = pipeline([node(work, "x", "y", name="n", confirms="nowhere")])
    with pytest.raises(DatasetNotFoundError, match="nowhere"):
        SequentialRunner().run(pipe, DataCatalog(raw_data={"x": 1}))
    assert ran == []
