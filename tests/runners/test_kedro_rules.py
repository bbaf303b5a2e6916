"""The runner follows Kedro's rules where a Kedro user sees them.

Resume hints (``_find_nodes_to_resume_from``), the nodes ``only_missing_outputs``
runs, a node returning ``None`` under every runner, and releasing a transcoded
output nobody reads under its own name. Each scenario below was checked against
Kedro 1.7.0 itself (the answers in the tables are Kedro's).
"""

from __future__ import annotations

import pytest

from runadvisor import DataCatalog, MemoryDataset, node, pipeline
from runadvisor.io import AbstractDataset, DatasetError, PickleDataset
from runadvisor.runners import ParallelRunner, SequentialRunner, ThreadRunner, failure_of
from runadvisor.runners.base import _missing_outputs_pipeline, resume_nodes


class Saved(AbstractDataset):
    """A persisted dataset; ``exists`` None means it does not implement ``_exists``."""

    def __init__(self, exists: bool | None = None, value: object = 0) -> None:
        self.value = value
        if exists is not None:
            self._exists = lambda: exists

    def _load(self) -> object:
        return self.value

    def _save(self, data: object) -> None:
        self.value = data

    def _describe(self) -> dict:
        return {}


def first(*args):
    return args[0]


def pair(a, b):
    return a, b


def crossed(extra: tuple[str, ...] = ()):
    """Two branches meeting in node2: ds0_*, ds2_* are saved, ds1_*, ds3_* in memory."""
    return pipeline(
        [
            node(first, ["ds0_A", *extra], "ds1_A", name="node1_A"),
            node(first, ["ds0_B", *extra], "ds1_B", name="node1_B"),
            node(pair, ["ds1_A", "ds1_B"], ["ds2_A", "ds2_B"], name="node2"),
            node(first, ["ds2_A", *extra], "ds3_A", name="node3_A"),
            node(first, ["ds2_B", *extra], "ds3_B", name="node3_B"),
            node(first, "ds3_A", "ds4_A", name="node4_A"),
            node(first, "ds3_B", "ds4_B", name="node4_B"),
        ]
    )


def saved_catalog():
    saved = Saved()
    names = ["ds0_A", "ds0_B", "ds2_A", "ds2_B", "dsX"]
    return DataCatalog({**dict.fromkeys(names, saved), "params:p": MemoryDataset(1)})


def resume_names(pipe, catalog, remaining):
    done = {n for n in pipe.nodes if n.name not in remaining}
    return [n.name for n in resume_nodes(pipe, catalog, done)]


@pytest.mark.parametrize("extra", [(), ("dsX",), ("params:p",)])
@pytest.mark.parametrize(
    "remaining, expected",
    [
        ({"node2", "node3_A", "node3_B", "node4_A", "node4_B"}, ["node1_A", "node1_B"]),
        ({"node3_A", "node3_B", "node4_A", "node4_B"}, ["node3_A", "node3_B"]),
        ({"node4_A", "node4_B"}, ["node3_A", "node3_B"]),
        ({"node4_A"}, ["node3_A"]),
        ({"node3_A", "node4_A"}, ["node3_A"]),
        (set(), []),
    ],
)
def test_resume_walks_back_through_memory_only(extra, remaining, expected):
    assert resume_names(crossed(extra), saved_catalog(), remaining) == expected


def test_resume_takes_everything_downstream_then_its_first_nodes():
    # node3_B finished, but its parent node2 reruns (its inputs were in memory), so
    # node3_B reruns too: it is downstream, not a first node (Kedro's from_nodes step).
    remaining = {"node1_A", "node1_B", "node2", "node3_A", "node4_A", "node4_B"}
    assert resume_names(crossed(), saved_catalog(), remaining) == ["node1_A", "node1_B"]


def test_resume_with_every_dataset_saved_reruns_exactly_what_did_not_finish():
    pipe = crossed()
    catalog = DataCatalog(dict.fromkeys(pipe.datasets(), Saved()))
    remaining = {"node4_A", "node3_B", "node4_B"}
    start = resume_names(pipe, catalog, remaining)
    assert start == ["node3_B", "node4_A"]
    assert {n.name for n in pipe.from_nodes(*start).nodes} == remaining


def test_a_failed_run_suggests_kedros_resume_nodes():
    def boom(*args):
        raise RuntimeError("boom")

    pipe = crossed(("params:p",))
    broken = pipe - pipeline([n for n in pipe.nodes if n.name == "node4_A"])
    broken += pipeline([node(boom, "ds3_A", "ds4_A", name="node4_A")])
    with pytest.raises(RuntimeError) as info, pytest.warns(RuntimeWarning, match="node3_A"):
        SequentialRunner().run(broken, saved_catalog())
    # node4_B had not run either; both lost their in-memory ds3_* inputs
    assert failure_of(info.value).resume_from == ("node3_A", "node3_B")


def selected(pipe, catalog):
    return [n.name for n in _missing_outputs_pipeline(pipe, catalog).nodes]


def log(x):
    return None


def test_only_missing_outputs_always_runs_nodes_without_outputs():
    pipe = pipeline(
        [
            node(first, "input", "data1", name="node1"),
            node(log, "data1", None, name="logger1"),
            node(first, "data1", "data2", name="node2"),
            node(log, "data2", None, name="logger2"),
        ]
    )
    catalog = DataCatalog({"input": 1, "data1": Saved(True, 1), "data2": Saved(True, 2)})
    assert selected(pipe, catalog) == ["logger1", "logger2"]


def test_only_missing_outputs_skips_outputs_that_live_in_memory():
    pipe = pipeline([node(first, "input", "output", name="node1")])
    assert selected(pipe, DataCatalog({"input": 1})) == []
    assert selected(pipe, DataCatalog({"input": 1, "output": MemoryDataset()})) == []


def test_only_missing_outputs_reruns_producers_of_memory_data_a_running_node_reads():
    pipe = pipeline(
        [
            node(first, "input", "in_memory", name="make"),
            node(first, "in_memory", "saved", name="use"),
            node(first, "saved", "done", name="after"),
        ]
    )
    catalog = DataCatalog({"input": 1, "saved": Saved(False), "done": Saved(True)})
    assert selected(pipe, catalog) == ["make", "use"]
    catalog = DataCatalog({"input": 1, "saved": Saved(), "done": Saved(True)})
    assert selected(pipe, catalog) == ["make", "use"]  # no _exists(): counted missing


def test_only_missing_outputs_needs_no_inputs_for_the_nodes_it_skips(runner, tmp_path):
    pipe = pipeline(
        [
            node(first, "gone", "kept", name="skipped"),
            node(first, "kept", "out", name="runs"),
        ]
    )
    catalog = DataCatalog(
        {
            "kept": PickleDataset(filepath=str(tmp_path / "kept.pkl")),
            "out": PickleDataset(filepath=str(tmp_path / "out.pkl")),
        }
    )
    catalog.save("kept", 7)
    runner.run(pipe, catalog, only_missing_outputs=True)  # 'gone' is not in the catalog
    assert catalog.load("out") == 7


def return_none(x):
    return None


@pytest.mark.parametrize("make_runner", [SequentialRunner, ThreadRunner, ParallelRunner])
def test_a_node_returning_none_for_an_output_fails_under_every_runner(make_runner):
    pipe = pipeline([node(first, "A", "B", name="copy"), node(return_none, "B", "C", name="none")])
    with pytest.raises(DatasetError, match="Saving 'None'") as info, pytest.warns(RuntimeWarning):
        make_runner().run(pipe, DataCatalog({"A": MemoryDataset("42")}))
    assert failure_of(info.value).node == "none"


class Logged(AbstractDataset):
    def __init__(self, log: list, name: str) -> None:
        self.log, self.name, self.value = log, name, 1

    def _load(self) -> object:
        self.log.append(("load", self.name))
        return self.value

    def _save(self, data: object) -> None:
        self.value = data

    def _release(self) -> None:
        self.log.append(("release", self.name))

    def _describe(self) -> dict:
        return {}


def source():
    return 1


def sink(x):
    return None


@pytest.mark.parametrize("make_runner", [SequentialRunner, ThreadRunner])
def test_a_transcoded_output_is_released_once_written(make_runner):
    log: list = []
    pipe = pipeline([node(source, None, "ds@save"), node(sink, "ds@load", None)])
    catalog = DataCatalog({"ds@save": Logged(log, "save"), "ds@load": Logged(log, "load")})
    make_runner().run(pipe, catalog)
    assert log == [("release", "save"), ("load", "load"), ("release", "load")]
