"""The three runners: Kedro's contract, one scheduler loop, clear failures."""

import os
import threading
import time

import numpy as np
import pytest

from runadvisor import (
    CachedDataset,
    DataCatalog,
    MemoryDataset,
    ParallelRunner,
    PickleDataset,
    SequentialRunner,
    SharedMemoryDataCatalog,
    ThreadRunner,
    node,
    pipeline,
)
from runadvisor.runners import RunnerError, RunTimeoutError, WorkerDiedError, failure_of


def process_a(data):
    return [x * 2 for x in data]


def process_b(data):
    return [x + 1 for x in data]


def combine(a, b):
    return sum(a) + sum(b)


def identity(x):
    return x


def fan_pipeline():
    return pipeline(
        [
            node(process_a, "input", "output_a"),
            node(process_b, "input", "output_b"),
            node(combine, ["output_a", "output_b"], "final"),
        ]
    )


def test_seed_example_returns_free_outputs(runner):
    catalog = DataCatalog({"input": MemoryDataset([1, 2, 3])})
    outputs = runner.run(fan_pipeline(), catalog)
    assert set(outputs) == {"final"}
    assert outputs["final"].load() == 12 + 9


def test_shared_memory_catalog_and_registered_output(runner):
    catalog = SharedMemoryDataCatalog({"data": MemoryDataset([1, 2, 3]), "output": MemoryDataset()})
    outputs = runner.run(pipeline([node(process_a, "data", "output")]), catalog)
    assert outputs["output"].load() == [2, 4, 6]
    assert catalog.load("output") == [2, 4, 6]


def test_parallel_runner_runs_lambdas_and_closures_with_a_plain_catalog():
    offset = 10
    pipe = pipeline(
        [
            node(lambda x: x + offset, "a", "b", name="add"),
            node(lambda x: x * 2, "a", "c", name="double"),
            node(lambda b, c: (b, c), ["b", "c"], "d", name="pair"),
        ]
    )
    outputs = ParallelRunner(max_workers=2).run(pipe, DataCatalog({"a": 1}))
    assert outputs["d"].load() == (11, 2)


def test_lambdas_travel_under_spawn_too():
    pipe = pipeline([node(lambda x: x + 1, "a", "b", name="inc")])
    outputs = ParallelRunner(max_workers=1, mp_context="spawn").run(pipe, DataCatalog({"a": 1}))
    assert outputs["b"].load() == 2


def test_threads_overlap_waiting_nodes():
    def nap(x):
        time.sleep(0.3)
        return x

    pipe = pipeline([node(nap, "x", f"y{i}", name=f"nap{i}") for i in range(2)])
    start = time.perf_counter()
    SequentialRunner().run(pipe, DataCatalog({"x": 1}))
    sequential = time.perf_counter() - start
    start = time.perf_counter()
    ThreadRunner(max_workers=2).run(pipe, DataCatalog({"x": 1}))
    threaded = time.perf_counter() - start
    assert threaded < 0.8 * sequential


def test_processes_run_nodes_in_other_processes():
    pipe = pipeline([node(lambda _: os.getpid(), "x", f"pid{i}", name=f"n{i}") for i in range(2)])
    outputs = ParallelRunner(max_workers=2).run(pipe, DataCatalog({"x": 0}))
    pids = {outputs[f"pid{i}"].load() for i in range(2)}
    assert os.getpid() not in pids


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
@pytest.mark.parametrize("cls", [ThreadRunner, ParallelRunner])
def test_max_workers_must_be_a_positive_int(cls, bad):
    with pytest.raises(RunnerError, match=r"max_workers must be a positive integer"):
        cls(max_workers=bad)


def test_worker_count_never_exceeds_what_the_pipeline_can_use():
    chain = pipeline([node(identity, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(5)])
    assert ParallelRunner(max_workers=8).workers_for(chain) == 1
    assert ThreadRunner().workers_for(fan_pipeline()) == 2
    assert ThreadRunner(max_workers=1).workers_for(fan_pipeline()) == 1


def test_bad_start_method_is_named(monkeypatch):
    with pytest.raises(RunnerError, match="'nope' is not a start method"):
        ParallelRunner(mp_context="nope")
    monkeypatch.setenv("RUNADVISOR_MP_CONTEXT", "bogus")
    with pytest.raises(RunnerError, match="RUNADVISOR_MP_CONTEXT='bogus'"):
        ParallelRunner()
    monkeypatch.setenv("RUNADVISOR_MP_CONTEXT", "spawn")
    assert ParallelRunner().mp_context == "spawn"


def test_missing_free_input_is_reported_before_anything_runs(runner):
    ran = []
    pipe = pipeline(
        [
            node(lambda x: ran.append(x), "x", None, name="first"),
            node(identity, "missing_input", "y", name="second"),
        ]
    )
    with pytest.raises(RunnerError, match=r"\['missing_input'\] not found in the catalog"):
        runner.run(pipe, DataCatalog({"x": 1}))
    assert ran == []


def test_empty_memory_free_input_is_reported(runner):
    with pytest.raises(RunnerError, match=r"\['x'\] are registered .* as empty"):
        runner.run(pipeline([node(identity, "x", "y")]), DataCatalog({"x": MemoryDataset()}))


class CountingDataset(MemoryDataset):
    releases: list = []

    def _release(self):
        CountingDataset.releases.append(id(self))
        super()._release()


def test_intermediates_are_released_but_free_inputs_and_outputs_are_kept(runner):
    middle = CountingDataset()
    catalog = DataCatalog({"input": [1, 2], "output_a": middle})
    CountingDataset.releases.clear()
    runner.run(fan_pipeline(), catalog)
    assert CountingDataset.releases == [id(middle)]
    assert not middle.exists()
    assert catalog.load("input") == [1, 2]


def test_only_missing_outputs_runs_what_is_missing_and_its_upstream(tmp_path, runner):
    calls = tmp_path / "calls"
    calls.mkdir()

    def step(name):
        def run(x):
            (calls / name).touch()
            return x + 1

        return run

    pipe = pipeline(
        [
            node(step("a"), "raw", "mem_a", name="a"),
            node(step("b"), "mem_a", "file_b", name="b"),
            node(step("c"), "file_b", "file_c", name="c"),
        ]
    )
    catalog = DataCatalog(
        {
            "raw": 1,
            "file_b": PickleDataset(filepath=str(tmp_path / "b.pkl")),
            "file_c": PickleDataset(filepath=str(tmp_path / "c.pkl")),
        }
    )
    catalog.save("file_b", 41)
    runner.run(pipe, catalog, only_missing_outputs=True)
    assert sorted(p.name for p in calls.iterdir()) == ["c"]
    assert catalog.load("file_c") == 42
    (tmp_path / "b.pkl").unlink()
    runner.run(pipe, catalog, only_missing_outputs=True)
    assert sorted(p.name for p in calls.iterdir()) == ["a", "b", "c"]


def test_tag_filtering_runs_only_tagged_nodes(runner):
    full = pipeline(
        [
            node(process_a, "input", "output_a", tags=["preprocessing"]),
            node(process_b, "input", "output_b"),
        ]
    )
    outputs = runner.run(full.only_nodes_with_tags("preprocessing"), DataCatalog({"input": [1]}))
    assert set(outputs) == {"output_a"}


class ExpensiveDataset:
    """A dataset that is not an AbstractDataset: duck typing is enough."""

    loads = 0

    def __init__(self, source):
        self.source = source

    def load(self):
        ExpensiveDataset.loads += 1
        return [1, 2, 3]

    def save(self, data):
        raise NotImplementedError


def test_cached_dataset_loads_once(runner):
    ExpensiveDataset.loads = 0
    catalog = DataCatalog()
    catalog["input"] = CachedDataset(ExpensiveDataset("source.db"))
    outputs = runner.run(fan_pipeline(), catalog)
    assert outputs["final"].load() == 21
    assert ExpensiveDataset.loads == 1


def boom(x):
    raise ValueError(f"bad value {x}")


def test_failure_keeps_the_original_exception_names_the_node_and_says_where_to_resume(
    tmp_path, runner
):
    pipe = pipeline(
        [
            node(identity, "raw", "saved", name="save_first"),
            node(boom, "saved", "never", name="explode"),
            node(identity, "never", "end", name="after"),
        ]
    )
    catalog = DataCatalog({"raw": 7, "saved": PickleDataset(filepath=str(tmp_path / "s.pkl"))})
    with pytest.raises(ValueError, match="bad value 7") as info, pytest.warns(RuntimeWarning):
        runner.run(pipe, catalog)
    failure = failure_of(info.value)
    assert (failure.node, failure.runner) == ("explode", type(runner).__name__)
    assert failure.resume_from == ("explode",)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "Node 'explode' failed" in notes
    assert "pipeline.from_nodes('explode')" in notes
    assert "--from-nodes" not in notes  # the library names Python calls, not CLI flags
    assert catalog.load("saved") == 7  # what was saved stays saved


def test_in_flight_nodes_finish_after_a_failure(tmp_path):
    def slow(x):
        time.sleep(0.3)
        return x

    def fail(x):
        time.sleep(0.05)
        raise RuntimeError("early")

    pipe = pipeline([node(slow, "x", "slow_out", name="slow"), node(fail, "x", "f", name="fail")])
    catalog = DataCatalog({"x": 1, "slow_out": PickleDataset(filepath=str(tmp_path / "o.pkl"))})
    with pytest.raises(RuntimeError, match="early"), pytest.warns(RuntimeWarning):
        ParallelRunner(max_workers=2).run(pipe, catalog)
    assert catalog.load("slow_out") == 1


def test_worker_death_names_the_node():
    pipe = pipeline([node(lambda x: os._exit(3), "x", "y", name="dies")])
    with pytest.raises(WorkerDiedError, match=r"Node 'dies' was running in worker process \d+"):
        with pytest.warns(RuntimeWarning):
            ParallelRunner(max_workers=1).run(pipe, DataCatalog({"x": 1}))


def test_unpicklable_free_input_is_named_before_running():
    holder = {"client": threading.Lock()}
    pipe = pipeline([node(lambda h: 1, "conn", "y", name="use")])
    with pytest.raises(
        RunnerError, match=r"(?s)catalog\['conn'\]\['client'\]: cannot pickle.*ThreadRunner"
    ):
        ParallelRunner(max_workers=1).run(
            pipe, DataCatalog({"conn": MemoryDataset(holder, copy_mode="assign")})
        )


def test_unpicklable_output_names_node_and_output():
    pipe = pipeline([node(lambda x: threading.Lock(), "x", "lock", name="make_lock")])
    with pytest.raises(
        TypeError, match=r"(?s)Node .make_lock. returned output .lock.*ThreadRunner"
    ):
        with pytest.warns(RuntimeWarning):
            ParallelRunner(max_workers=1).run(pipe, DataCatalog({"x": 1}))


def test_run_timeout_is_reported_on_every_runner(runner):
    pipe = pipeline([node(lambda x: time.sleep(1.5), "x", None, name="hangs")])
    start = time.perf_counter()
    with pytest.raises(RunTimeoutError, match=r"still running: 'hangs'") as info:
        runner.run(pipe, DataCatalog({"x": 1}), timeout=0.3)
    assert time.perf_counter() - start < 1.4  # it stopped waiting
    if isinstance(runner, ParallelRunner):
        assert "worker processes were stopped" in str(info.value)
    else:
        assert "cannot be killed" in str(info.value)


def test_node_timeout_names_the_late_node(runner):
    pipe = pipeline(
        [
            node(lambda x: x, "x", "y", name="quick"),
            node(lambda y: time.sleep(8), "y", None, name="slow"),
        ]
    )
    # A generous timeout: a worker starting late on a busy machine must not make 'quick' late.
    with pytest.raises(RunTimeoutError, match=r"node timeout of 2 s; still running: 'slow'"):
        runner.run(pipe, DataCatalog({"x": 1}), node_timeout=2)


def test_large_arrays_travel_through_shared_memory_and_are_not_shared_for_writing():
    data = np.arange(2_000_000, dtype=np.float64)

    def mutate(a):
        a[0] = -1.0
        return a.sum()

    pipe = pipeline(
        [
            node(mutate, "arr", "s1", name="m1"),
            node(mutate, "arr", "s2", name="m2"),
            node(lambda a: a * 2, "arr", "doubled", name="double"),
        ]
    )
    catalog = DataCatalog({"arr": MemoryDataset(data)})
    outputs = ParallelRunner(max_workers=2).run(pipe, catalog)
    expected = data.sum() - 1.0
    assert outputs["s1"].load() == expected
    assert outputs["s2"].load() == expected
    np.testing.assert_array_equal(outputs["doubled"].load(), data * 2)
    assert data[0] == 0.0


def test_observers_get_one_event_per_node_with_probe_extras(runner):
    class Probe:
        def before(self):
            return os.getpid()

        def after(self, state, outputs):
            return {"pid_seen": state, "outputs": sorted(outputs or {})}

    events = []

    def observer(event):
        events.append(event)

    observer.task_probe = Probe()
    runner.run(fan_pipeline(), DataCatalog({"input": [1]}), observers=[observer])
    assert sorted(e.node for e in events) == sorted(n.name for n in fan_pipeline().nodes)
    for event in events:
        assert event.end >= event.start and event.cpu >= 0
        assert event.extras["pid_seen"] == event.pid
        assert event.error is None
    by_name = {e.node: e for e in events}
    assert by_name[fan_pipeline().nodes[-1].name].extras["outputs"] == ["final"]
