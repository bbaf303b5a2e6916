"""DaskRunner on real clusters: run in a child pytest by ../test_in_child.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import psutil
import pytest

distributed = pytest.importorskip("distributed")

from runadvisor import DataCatalog, PickleDataset, node, pipeline  # noqa: E402
from runadvisor.dask import DaskRunner, WorkerLostError  # noqa: E402
from runadvisor.profiles import profile_run  # noqa: E402
from runadvisor.runners import failure_of  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """One cluster for the module: two single-threaded worker processes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    yield local
    local.close()


class Tracked:
    """Appends the pid of every process that unpickles it to ``log``."""

    def __init__(self, log, payload):
        self.log = log
        self.payload = payload

    def __getstate__(self):
        return {"log": self.log, "payload": self.payload}

    def __setstate__(self, state):
        self.__dict__.update(state)
        with open(self.log, "a") as fh:
            fh.write(f"{os.getpid()}\n")


def make_tracked(log):
    return Tracked(log, bytes(1_000_000))


def size_of(tracked):
    return len(tracked.payload)


def pid_of(tracked):
    return os.getpid()


def test_in_memory_data_moves_between_workers_never_through_the_client(cluster, tmp_path):
    log = tmp_path / "unpickled"
    pipe = pipeline(
        [
            node(make_tracked, "log", "big", name="make"),
            node(size_of, "big", "size", name="measure"),
            node(pid_of, "big", "where", name="locate"),
        ]
    )
    catalog = DataCatalog({"log": str(log)})
    outputs = DaskRunner(cluster.scheduler_address).run(pipe, catalog)
    assert outputs["size"].load() == 1_000_000
    unpickled_in = set(log.read_text().split()) if log.exists() else set()
    assert str(os.getpid()) not in unpickled_in  # the client never held it
    assert not catalog.exists("big")  # released, never copied into the client's catalog


def test_a_finished_dataset_is_released_on_the_cluster(cluster):
    pipe = pipeline(
        [
            node(lambda x: list(range(x)), "n", "items", name="make"),
            node(len, "items", "count", name="count"),
        ]
    )
    with distributed.Client(cluster, set_as_default=False) as client:
        DaskRunner(client=client).run(pipe, DataCatalog({"n": 1000}))
        for _ in range(100):  # the scheduler forgets released keys asynchronously
            if not client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)):
                break
            time.sleep(0.05)
        assert client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks)) == []


def test_node_events_are_measured_on_the_workers(cluster):
    def burn(x):
        total = 0
        for i in range(200_000):
            total += i % 7
        return total + x

    pipe = pipeline([node(burn, "x", f"y{i}", name=f"burn{i}") for i in range(2)])
    profile = profile_run(pipe, DataCatalog({"x": 1}), DaskRunner(cluster.scheduler_address))
    with distributed.Client(cluster, set_as_default=False) as client:
        workers = set(client.run(os.getpid).values())
    assert {r.pid for r in profile.nodes} <= workers and os.getpid() not in workers
    for record in profile.nodes:
        assert 0 <= record.start < record.end <= profile.wall  # on this process's clock
        assert record.cpu > 0 and record.gil_held is not None and record.peak_rss
    assert profile.runner == "DaskRunner"


def test_file_datasets_load_and_save_on_the_workers(cluster, tmp_path):
    pipe = pipeline(
        [
            node(lambda x: (os.getpid(), x), "x", "saved", name="write"),
            node(lambda s: s, "saved", "copy", name="read"),
        ]
    )
    catalog = DataCatalog({"x": 3, "saved": PickleDataset(filepath=str(tmp_path / "s.pkl"))})
    outputs = DaskRunner(cluster.scheduler_address).run(pipe, catalog)
    pid, x = outputs["copy"].load()
    assert x == 3 and pid != os.getpid()
    assert catalog.load("saved") == (pid, 3)


def test_an_embedded_cluster_runs_the_pipeline_and_is_closed_after():
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    pipe = pipeline([node(lambda x: os.getpid(), "x", "pid", name="where")])
    outputs = DaskRunner(max_workers=1).run(pipe, DataCatalog({"x": 1}))
    assert outputs["pid"].load() != os.getpid()
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    _, alive = psutil.wait_procs(left, timeout=5)
    assert not alive, f"the local cluster's processes outlived the run: {alive}"


def die(x):
    os._exit(3)


def test_a_lost_worker_names_the_node_it_was_running():
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as lost:
        with distributed.Client(lost, set_as_default=False) as client:
            client.run_on_scheduler(_no_retries)
            pipe = pipeline([node(die, "x", "y", name="dies")])
            with pytest.raises(WorkerLostError, match=r"Node 'dies' was running on Dask worker"):
                with pytest.warns(RuntimeWarning):
                    DaskRunner(client=client).run(pipe, DataCatalog({"x": 1}))


def _no_retries(dask_scheduler):
    dask_scheduler.allowed_failures = 0


def test_after_a_failure_nothing_new_starts(tmp_path):
    """A node the loop has not handed out when another fails is cancelled on the cluster.

    One worker with three threads, so both first nodes start at once (on two
    single-threaded workers Dask may queue them on one, and then the failure
    comes only after the slow node, as it would on any runner)."""
    marker = tmp_path / "late_ran"

    def fail(x):
        raise RuntimeError("early")

    def slow(x):
        time.sleep(1.0)
        return x

    def late(x):
        marker.touch()
        return x

    pipe = pipeline(
        [
            node(fail, "x", "f", name="a_fail"),
            node(slow, "x", "s", name="b_slow"),
            node(late, "s", "l", name="c_late"),
        ]
    )
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=3, processes=False, dashboard_address=None
    ) as local:
        with pytest.raises(RuntimeError, match="early") as info, pytest.warns(RuntimeWarning):
            DaskRunner(local.scheduler_address).run(pipe, DataCatalog({"x": 1}))
        assert failure_of(info.value).node == "a_fail"
        time.sleep(1.5)  # b_slow finishes on its worker; c_late must not start after it
    assert not marker.exists()


CTRL_C_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from runadvisor import DataCatalog, node, pipeline
    from runadvisor.dask import DaskRunner

    def slow(x):
        print("running", flush=True)
        time.sleep(60)

    if __name__ == "__main__":
        pipe = pipeline([node(slow, "x", "y", name="slow")])
        try:
            DaskRunner(max_workers=1).run(pipe, DataCatalog({"x": 1}))
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(130)
    """
)


def test_ctrl_c_cancels_and_closes_the_cluster_it_started(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(CTRL_C_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "running"  # printed by the worker, inherited
    children = psutil.Process(proc.pid).children(recursive=True)
    assert children
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in out
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"the cluster outlived Ctrl-C: {alive}"
