"""Isolated runs: a hang, a crash, an exception or unpicklable data is a finding."""

from __future__ import annotations

import os
import signal
import time

import numpy
import pipelines as P
import pytest

from runadvisor import DataCatalog, node, pipeline
from runadvisor.advisor.measure import Outcome, Runs, kill_tree, measure_run, run_isolated
from runadvisor.machine import SHM_DIR
from runadvisor.runners import UnpicklableDataError, transfer


def answer(x):
    return {"twice": 2 * x, "pid": os.getpid()}


def hang():
    time.sleep(30)


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def fail():
    raise ValueError("bad value\nsecond line")


def unpicklable_answer():
    return lambda: None


def test_a_job_runs_in_another_process():
    outcome = run_isolated(answer, (21,), timeout=10)
    assert outcome.status == "ok" and outcome.value["twice"] == 42
    assert outcome.value["pid"] != os.getpid()


def test_a_hang_is_stopped_at_the_timeout():
    began = time.perf_counter()
    outcome = run_isolated(hang, (), timeout=0.3)
    assert outcome.status == "timeout" and "0.3 s" in outcome.reason
    assert time.perf_counter() - began < 3


def test_a_killed_child_is_a_crash():
    outcome = run_isolated(die, (), timeout=10)
    assert outcome.status == "crashed"
    assert "SIGKILL" in outcome.reason and "out-of-memory" in outcome.reason
    assert outcome.exitcode == -signal.SIGKILL


def test_an_exception_comes_back_with_its_traceback():
    outcome = run_isolated(fail, (), timeout=10)
    assert outcome.status == "failed"
    assert outcome.reason == "ValueError: bad value"
    assert isinstance(outcome.error, ValueError)
    assert "in fail" in str(outcome.error.__cause__)


def test_an_answer_that_does_not_pickle_is_found_unpicklable_by_type():
    outcome = run_isolated(unpicklable_answer, (), timeout=10)
    assert outcome.status == "unpicklable"
    assert isinstance(outcome.error, UnpicklableDataError)
    assert "does not pickle" in outcome.reason


def hang_with(array, seconds):
    time.sleep(seconds)


def ones(seconds):
    return numpy.ones(1 << 20)


def test_a_hung_parallel_run_is_stopped_with_its_workers(tmp_path, monkeypatch):
    # The array is produced by a node, so it reaches the hanging nodes through /dev/shm
    # (a free input is inherited by forked workers and never touches /dev/shm). Every
    # segment the run makes is noted in a file (the child inherits this patch), so no
    # watching thread is needed: a thread here would make the advisor avoid fork.
    made = tmp_path / "segments"
    dumps = transfer.dumps

    def noting_dumps(value, prefix, **kwargs):
        payload = dumps(value, prefix, **kwargs)
        if payload.segment is not None:
            with open(made, "a") as fh:
                fh.write(payload.segment + "\n")
        return payload

    monkeypatch.setattr(transfer, "dumps", noting_dumps)
    hangs = [node(hang_with, ["array", "s"], None, name=f"hang_{i}") for i in range(2)]
    pipe = pipeline([node(ones, "s", "array", name="make"), *hangs])
    catalog = DataCatalog(raw_data={"s": 30.0})
    outcome = measure_run(pipe, catalog, "parallel", 2, timeout=1.5)
    assert outcome.status == "timeout"
    assert outcome.running == ["hang_0", "hang_1"]  # named, though they ran in workers
    assert "'hang_0', 'hang_1'" in outcome.reason
    seen = made.read_text().split()
    made.unlink()
    assert seen, "expected the input in a shared-memory segment"
    assert not any(os.path.exists(os.path.join(SHM_DIR, name)) for name in seen)
    # and the conftest fixture checks that no worker process is left


def test_a_worker_killed_mid_node_is_a_crash():
    pipe = pipeline([node(die_in_node, "x", "y", name="killer")])
    outcome = measure_run(pipe, DataCatalog(raw_data={"x": 1}), "parallel", 1, timeout=10)
    assert outcome.status == "crashed"
    assert "killer" in outcome.reason and "SIGKILL" in outcome.reason


def die_in_node(x):
    os.kill(os.getpid(), signal.SIGKILL)


def test_unpicklable_data_in_processes_is_its_own_status():
    pipe, catalog = P.unpicklable_outputs(n=1, seconds=0.001)
    outcome = measure_run(pipe, catalog, "parallel", 1, timeout=10)
    assert outcome.status == "unpicklable"
    assert "handle_0" in outcome.reason


def test_a_measured_run_returns_wall_memory_and_profile():
    pipe, catalog = P.sleep_fanout(n=2, seconds=0.05)
    outcome = measure_run(pipe, catalog, "thread", 2, timeout=10)
    assert outcome.status == "ok"
    assert 0.05 < outcome.value["wall"] < 1.0
    assert outcome.value["peak_rss"] > 0
    assert outcome.value["profile"]["runner"] == "ThreadRunner"


def test_runs_keep_the_median_profile():
    runs = Runs()
    for wall in (0.3, 0.1, 0.2):
        runs.add(Outcome("ok", value={"wall": wall, "peak_rss": 10, "profile": {"w": wall}}))
    assert runs.median == pytest.approx(0.2) and runs.median_profile() == {"w": 0.2}
    assert runs.peak_rss == 10 and not runs.failed
    runs.add(Outcome("timeout", reason="too slow"))
    assert runs.failed and runs.status == "timeout" and runs.walls == [0.3, 0.1, 0.2]


def test_kill_tree_of_a_gone_process_is_harmless():
    kill_tree(None)
    kill_tree(2**22 + 12345)


def test_spawned_children_get_the_job_by_cloudpickle(monkeypatch):
    from runadvisor.advisor import isolate

    monkeypatch.setattr(isolate, "default_start_method", lambda: "spawn")
    pipe = pipeline([node(lambda x: x + 1, "x", "y", name="lambda_node")])
    outcome = measure_run(pipe, DataCatalog(raw_data={"x": 1}), "sequential", 1, timeout=60)
    assert outcome.status == "ok", outcome.reason
    assert outcome.value["profile"]["nodes"][0]["name"] == "lambda_node"
