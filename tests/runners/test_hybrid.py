"""HybridRunner: each node in the executor it is assigned, one loop feeding them all."""

from __future__ import annotations

import os
import threading
import time
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from runadvisor import DataCatalog, MemoryDataset, PickleDataset, node, pipeline
from runadvisor.runners import HybridRunner, RunnerError, RunTimeoutError, failure_of


def where(x):
    """Where this node ran: (pid, native thread id), and its input passed on."""
    return (os.getpid(), threading.get_native_id(), x)


def mixed_pipeline():
    return pipeline(
        [
            node(where, "a", "p1", name="proc_1", tags=["cpu"]),
            node(where, "a", "p2", name="proc_2", tags=["cpu"]),
            node(where, "a", "t1", name="thread_1", tags=["io"]),
            node(where, "a", "t2", name="thread_2", tags=["io"]),
            node(lambda *xs: [x[:2] for x in xs], ["p1", "p2", "t1", "t2"], "all", name="last"),
        ]
    )


def places(outputs):
    """{output: (pid, thread)} of the nodes, from the final node's collected tuples."""
    return dict(zip(["p1", "p2", "t1", "t2"], map(tuple, outputs["all"].load())))


def test_each_node_runs_in_the_executor_it_is_assigned():
    events = []
    runner = HybridRunner({"cpu": "processes", "io": "threads", "last": "inline"})
    outputs = runner.run(mixed_pipeline(), DataCatalog({"a": 1}), observers=[events.append])
    me, main = os.getpid(), threading.get_native_id()
    got = places(outputs)
    for name in ("p1", "p2"):
        assert got[name][0] != me  # a worker process
    for name in ("t1", "t2"):
        assert got[name][0] == me and got[name][1] != main  # a pool thread of this process
    last = next(e for e in events if e.node == "last")
    assert (last.pid, last.thread) == (me, main)  # inline: the calling thread
    by_node = {e.node: (e.pid, e.thread) for e in events}
    assert by_node["proc_1"] == got["p1"] and by_node["thread_2"] == got["t2"]
    assert runner.assignment(mixed_pipeline()) == {
        "proc_1": "processes",
        "proc_2": "processes",
        "thread_1": "threads",
        "thread_2": "threads",
        "last": "inline",
    }


def test_a_function_assigns_and_none_means_the_default():
    def assign(n):
        return "processes" if n.name.startswith("proc") else None

    outputs = HybridRunner(assign, default="inline").run(mixed_pipeline(), DataCatalog({"a": 1}))
    got = places(outputs)
    me, main = os.getpid(), threading.get_native_id()
    assert got["p1"][0] != me and got["t1"] == (me, main)


def test_without_an_assignment_executor_tags_decide():
    pipe = pipeline(
        [
            node(where, "a", "p1", name="x", tags=["processes"]),
            node(where, "a", "t1", name="y"),
        ]
    )
    runner = HybridRunner()
    assert runner.assignment(pipe) == {"x": "processes", "y": "threads"}
    outputs = runner.run(pipe, DataCatalog({"a": 1}))
    assert outputs["p1"].load()[0] != os.getpid()
    assert outputs["t1"].load()[0] == os.getpid()


def test_a_recommendation_assigns_by_its_options_or_by_its_runner():
    hybrid = SimpleNamespace(
        kind="hybrid",
        max_workers=3,
        options={"assign": {"proc_1": "processes", "thread_1": "threads"}, "max_threads": 2},
    )
    runner = HybridRunner(hybrid, default="inline")
    assignment = runner.assignment(mixed_pipeline())
    assert assignment["proc_1"] == "processes" and assignment["thread_1"] == "threads"
    assert assignment["proc_2"] == "inline"  # a name it does not know: the default
    threaded = SimpleNamespace(kind="thread", max_workers=4, options={})
    pipe = mixed_pipeline()
    assert set(HybridRunner(threaded).assignment(pipe).values()) == {"threads"}
    assert HybridRunner(threaded).pool_sizes(pipe.nodes, pipe.node_dependencies)["threads"] == 4


def test_name_beats_tag_and_conflicting_tags_are_an_error():
    pipe = mixed_pipeline()
    runner = HybridRunner({"cpu": "processes", "proc_2": "inline"})
    assert runner.assignment(pipe)["proc_2"] == "inline"
    clash = pipeline([node(where, "a", "b", name="both", tags=["cpu", "io"])])
    with pytest.raises(RunnerError, match=r"node 'both' has tags assigned to different"):
        HybridRunner({"cpu": "processes", "io": "threads"}).assignment(clash)


def test_mistakes_in_the_assignment_are_named():
    pipe = mixed_pipeline()
    with pytest.raises(RunnerError, match=r"'prc_1' \(did you mean 'proc_1'\?\) is neither"):
        HybridRunner({"prc_1": "processes"}).run(pipe, DataCatalog({"a": 1}))
    with pytest.raises(RunnerError, match=r"assign\['cpu'\] is 'gpu'; give one of"):
        HybridRunner({"cpu": "gpu"}).assignment(pipe)
    with pytest.raises(RunnerError, match=r"default is 'fast'"):
        HybridRunner(default="fast")
    with pytest.raises(RunnerError, match="max_workers must be a positive integer"):
        HybridRunner(max_processes=0)


def test_pools_are_sized_by_what_their_nodes_can_run_at_once():
    pipe = mixed_pipeline()
    runner = HybridRunner({"cpu": "processes", "io": "threads", "last": "inline"}, max_threads=8)
    sizes = runner.pool_sizes(pipe.nodes, pipe.node_dependencies)
    assert sizes == {"inline": 1, "threads": 2, "processes": min(2, os.cpu_count() or 1)}
    assert runner.workers_for(pipe) == sum(sizes.values())


def test_large_arrays_cross_between_threads_and_processes_through_shared_memory():
    data = np.arange(1_000_000, dtype=np.float64)
    pipe = pipeline(
        [
            node(lambda a: a * 2, "arr", "doubled", name="in_thread"),
            node(lambda d: d + 1, "doubled", "plus", name="in_process"),
            node(lambda p, a: float(p.sum() - a.sum()), ["plus", "arr"], "diff", name="back"),
        ]
    )
    assign = {"in_thread": "threads", "in_process": "processes", "back": "threads"}
    outputs = HybridRunner(assign).run(pipe, DataCatalog({"arr": MemoryDataset(data)}))
    assert outputs["diff"].load() == float((data * 2 + 1).sum() - data.sum())


def boom(x):
    raise ValueError(f"bad {x}")


def test_a_failing_process_node_is_named_with_the_nodes_to_resume_from(tmp_path):
    pipe = pipeline(
        [
            node(lambda x: x, "raw", "saved", name="save_first"),
            node(boom, "saved", "never", name="explode"),
            node(lambda x: x, "never", "end", name="after"),
        ]
    )
    catalog = DataCatalog({"raw": 7, "saved": PickleDataset(filepath=str(tmp_path / "s.pkl"))})
    runner = HybridRunner({"save_first": "threads", "explode": "processes"}, default="inline")
    with pytest.raises(ValueError, match="bad 7") as info, pytest.warns(RuntimeWarning):
        runner.run(pipe, catalog)
    failure = failure_of(info.value)
    assert (failure.node, failure.runner, failure.resume_from) == (
        "explode",
        "HybridRunner",
        ("explode",),
    )
    assert catalog.load("saved") == 7


@pytest.mark.parametrize(("executor", "stopped"), [("processes", True), ("threads", False)])
def test_a_timeout_says_whether_the_late_node_was_stopped(executor, stopped):
    pipe = pipeline([node(lambda x: time.sleep(1), "x", None, name="hangs")])
    with pytest.raises(RunTimeoutError) as info:
        HybridRunner({"hangs": executor}).run(pipe, DataCatalog({"x": 1}), timeout=0.3)
    assert info.value.running == ["hangs"] and info.value.stopped is stopped


def test_the_process_pool_forks_before_any_thread_of_the_run_exists():
    # Asked to fork explicitly, a pool started beside live threads would warn; the pool
    # starts first, so no warning even though thread nodes run in the same run.
    for thread in threading.enumerate():  # a thread an earlier test's timeout left running
        if thread.name.startswith("runadvisor-thread"):
            thread.join(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runner = HybridRunner({"cpu": "processes", "io": "threads"}, mp_context="fork")
        outputs = runner.run(mixed_pipeline(), DataCatalog({"a": 1}))
    assert places(outputs)["p1"][0] != os.getpid()


def test_pools_are_fed_before_a_node_runs_inline():
    """Ready nodes go to the process and thread pools before one runs in the calling thread,
    which holds the loop while it runs."""

    class Starts:
        def __init__(self):
            self.order = []

        def node_started(self, name):
            self.order.append(name)

        def __call__(self, event):
            pass

    starts = Starts()
    pipe = pipeline([node(where, "x", f"{c}", name=f"{c}_node") for c in "abc"])
    assign = {"a_node": "inline", "b_node": "threads", "c_node": "processes"}
    HybridRunner(assign).run(pipe, DataCatalog({"x": 1}), observers=[starts])
    assert starts.order == ["c_node", "b_node", "a_node"]


def test_a_process_node_whose_input_does_not_pickle_is_named():
    pipe = pipeline(
        [
            node(lambda x: threading.Lock(), "x", "lock", name="make_lock"),
            node(lambda lock: 1, "lock", "y", name="use_lock"),
        ]
    )
    catalog = DataCatalog({"x": 1, "lock": MemoryDataset(copy_mode="assign")})
    runner = HybridRunner({"make_lock": "threads", "use_lock": "processes"})
    with pytest.raises(
        RunnerError,
        match=r"(?s)Node 'use_lock' is assigned to 'processes'.*"
        r"input 'lock'.*Assign it 'threads' or 'inline'",
    ) as info:
        with pytest.warns(RuntimeWarning):
            runner.run(pipe, catalog)
    assert failure_of(info.value).node == "use_lock"
