"""Faults: each gives one clear answer, loses nothing and leaves no process behind."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings

import pytest

from runadvisor import (
    DataCatalog,
    DatasetError,
    MemoryDataset,
    ParallelRunner,
    PickleDataset,
    SequentialRunner,
    ThreadRunner,
    machine,
    node,
    pipeline,
)
from runadvisor.runners import ForkWithThreadsWarning, WorkerDiedError, failure_of


def identity(x):
    return x


def test_sigkilled_worker_is_reported_with_the_node_and_the_likely_cause():
    pipe = pipeline([node(lambda x: os.kill(os.getpid(), signal.SIGKILL), "x", "y", name="oom")])
    with pytest.raises(WorkerDiedError) as info, pytest.warns(RuntimeWarning):
        ParallelRunner(max_workers=1).run(pipe, DataCatalog({"x": 1}))
    message = str(info.value)
    assert "Node 'oom' was running in worker process" in message
    assert "SIGKILL" in message and "out-of-memory" in message


def test_explicit_memory_dataset_intermediate_carries_the_right_object_under_processes():
    """Kedro's ParallelRunner delivers a stale copy here; ours keeps memory in the parent."""
    pipe = pipeline(
        [
            node(lambda x: {"value": x * 3}, "x", "middle", name="make"),
            node(lambda m: m["value"] + 1, "middle", "result", name="use"),
        ]
    )
    catalog = DataCatalog({"x": 2, "middle": MemoryDataset(), "result": MemoryDataset()})
    ParallelRunner(max_workers=2).run(pipe, catalog)
    assert catalog.load("result") == 7


class FailingLoad:
    def load(self):
        raise ConnectionError("database is down")

    def save(self, data):
        pass


def test_dataset_whose_load_fails_names_the_node(runner):
    pipe = pipeline([node(identity, "db", "out", name="read_db")])
    with pytest.raises(ConnectionError, match="database is down") as info:
        with pytest.warns(RuntimeWarning):
            runner.run(pipe, DataCatalog({"db": FailingLoad()}))
    assert "Node 'read_db' failed" in "\n".join(info.value.__notes__)


def test_missing_file_input_is_a_dataset_error_naming_the_file(tmp_path, runner):
    path = tmp_path / "absent.pkl"
    pipe = pipeline([node(identity, "raw", "out", name="read")])
    with pytest.raises(DatasetError, match=r"absent\.pkl"), pytest.warns(RuntimeWarning):
        runner.run(pipe, DataCatalog({"raw": PickleDataset(filepath=str(path))}))


def test_fork_asked_for_with_threads_running_warns_with_the_fix():
    stop = threading.Event()
    library_thread = threading.Thread(target=stop.wait, name="library-pool", daemon=True)
    library_thread.start()
    try:
        with pytest.warns(ForkWithThreadsWarning, match=r"library-pool.*Leave mp_context unset"):
            ParallelRunner(max_workers=1, mp_context="fork").run(
                pipeline([node(identity, "x", "y")]), DataCatalog({"x": 1})
            )
    finally:
        stop.set()
        library_thread.join()


def hold_lock_then_use_it(x):
    # In a child forked while another thread held this lock, the lock stays held forever.
    with _HELD:
        return x + 1


_HELD = threading.Lock()


def test_a_run_beside_a_thread_holding_a_lock_does_not_fork_and_completes():
    """The default start method forks only when no other thread is alive: here a
    thread holds a lock across the run, so the workers start by forkserver."""
    taken, release = threading.Event(), threading.Event()

    def holder():
        with _HELD:
            taken.set()
            release.wait(30)

    thread = threading.Thread(target=holder, name="lock-holder", daemon=True)
    thread.start()
    taken.wait(5)
    try:
        runner = ParallelRunner(max_workers=2)
        assert runner.mp_context != "fork"
        pipe = pipeline([node(hold_lock_then_use_it, "x", f"y{i}", name=f"n{i}") for i in range(2)])
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no fork warning of any kind
            outputs = runner.run(pipe, DataCatalog({"x": 1}), timeout=60)
        assert {name: ds.load() for name, ds in outputs.items()} == {"y0": 2, "y1": 2}
    finally:
        release.set()
        thread.join()
    gone = ParallelRunner().mp_context  # with the thread gone: fork, unless others linger
    assert gone == ("fork" if not machine.other_threads() else "forkserver")


def test_resume_hint_walks_back_to_producers_of_lost_memory_data(tmp_path):
    def fail(x):
        raise RuntimeError("late failure")

    pipe = pipeline(
        [
            node(identity, "raw", "mem", name="a_make_memory"),
            node(identity, "raw", "disk", name="b_make_file"),
            node(lambda m, d: m + d, ["mem", "disk"], "both", name="c_combine"),
            node(fail, "both", "end", name="d_fail"),
        ]
    )
    catalog = DataCatalog({"raw": 1, "disk": PickleDataset(filepath=str(tmp_path / "d.pkl"))})
    with pytest.raises(RuntimeError) as info, pytest.warns(RuntimeWarning):
        SequentialRunner().run(pipe, catalog)
    # 'both' lived in memory and is gone: resume from c_combine, whose inputs are
    # 'mem' (memory, lost: rerun its producer) and 'disk' (a file that exists).
    assert failure_of(info.value).resume_from == ("a_make_memory",)
    assert "pipeline.from_nodes('a_make_memory')" in "\n".join(info.value.__notes__)


CTRL_C_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from runadvisor import DataCatalog, ParallelRunner, node, pipeline

    def slow(x):
        time.sleep(30)

    pipe = pipeline([node(slow, "x", f"y{i}", name=f"slow{i}") for i in range(2)])
    print("started", flush=True)
    try:
        ParallelRunner(max_workers=2).run(pipe, DataCatalog({"x": 1}))
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    """
)


def test_ctrl_c_stops_the_workers(tmp_path):
    import psutil

    script = tmp_path / "run.py"
    script.write_text(CTRL_C_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "started"
    parent = psutil.Process(proc.pid)
    for _ in range(100):
        if len(parent.children()) >= 2:
            break
        psutil.wait_procs([], timeout=0.05)
    children = parent.children(recursive=True)
    assert len(children) >= 2
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 130, err
    assert "interrupted" in out
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"workers outlived Ctrl-C: {alive}"


def test_thread_runner_with_a_failing_and_a_slow_node_keeps_the_slow_output(tmp_path):
    import time

    def slow(x):
        time.sleep(0.2)
        return x

    def fail(x):
        raise KeyError("nope")

    pipe = pipeline([node(slow, "x", "kept", name="slow"), node(fail, "x", "lost", name="fail")])
    catalog = DataCatalog({"x": 5, "kept": PickleDataset(filepath=str(tmp_path / "k.pkl"))})
    with pytest.raises(KeyError), pytest.warns(RuntimeWarning):
        ThreadRunner(max_workers=2).run(pipe, catalog)
    assert catalog.load("kept") == 5
