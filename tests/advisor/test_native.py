"""CPU a node spends outside its own thread, and the machine's load: measured in-process.

The assertions compare CPU time with CPU time (what the meter saw against what
the work itself reported), never against a wall clock.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from runadvisor.advisor.contention import LoadMeter, capacity_point, measure_capacity
from runadvisor.advisor.native import (
    CpuMeter,
    NativeCpu,
    children_cpu,
    native_pools,
    thread_sched,
)

CHILD = (
    "import time\n"
    "acc = 0\n"
    "for i in range(2_000_000):\n"
    "    acc += i % 7\n"
    "print(time.process_time())\n"
)


def burn(seconds_of_cpu: float) -> float:
    """Spin until this thread has used ``seconds_of_cpu`` of CPU; return what it used."""
    began = time.thread_time()
    while time.thread_time() - began < seconds_of_cpu:
        pass
    return time.thread_time() - began


def test_cpu_of_a_child_process_is_the_nodes():
    meter = CpuMeter()
    meter.start()
    out = subprocess.run([sys.executable, "-S", "-c", CHILD], capture_output=True, check=True)
    measured = meter.stop()
    pool, child = measured.pool_cpu, measured.child_cpu
    reported = float(out.stdout)  # the child's own CPU time, as it saw it
    assert child >= 0.9 * reported
    assert pool < reported  # the node's thread only waited for it


def test_cpu_of_another_thread_is_the_pools_but_our_own_helpers_are_not():
    used: dict[str, float] = {}
    start, done = threading.Event(), threading.Event()

    def helper(name: str) -> None:
        start.wait()
        used[name] = burn(0.05)
        done.wait()  # alive until the meter has stopped, as the profiler's threads are

    def pool_thread() -> None:
        used["pool"] = burn(0.05)

    # One helper of ours runs from before the node starts, one starts during it.
    before = threading.Thread(target=helper, args=("before",), name="runadvisor-sampler-x")
    before.start()
    meter = CpuMeter()
    meter.start()
    during = threading.Thread(target=helper, args=("during",), name="runadvisor-monitor-x")
    during.start()
    start.set()
    worker = threading.Thread(target=pool_thread, name="openblas-like")
    worker.start()
    worker.join()
    while len(used) < 3:
        time.sleep(0.001)
    measured = meter.stop()
    pool, child = measured.pool_cpu, measured.child_cpu
    done.set()
    before.join()
    during.join()
    assert child == 0.0
    assert pool >= 0.9 * used["pool"]
    assert pool < used["pool"] + 0.5 * min(used["before"], used["during"])


def test_a_meter_not_started_measures_nothing():
    assert CpuMeter().stop() == NativeCpu()


def test_children_cpu_grows_with_reaped_children():
    before = children_cpu()
    subprocess.run([sys.executable, "-S", "-c", CHILD], capture_output=True, check=True)
    assert children_cpu() > before


def test_native_pools_name_what_threadpoolctl_finds():
    pytest.importorskip("threadpoolctl")
    pytest.importorskip("numpy")
    pools = native_pools()
    assert any(pool["api"] == "blas" and pool["threads"] >= 1 for pool in pools)


def test_native_pools_without_threadpoolctl(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    assert native_pools() == []


def test_load_meter_counts_others_not_us():
    meter = LoadMeter()
    meter.start()
    burn(0.05)  # our own CPU is not others' load
    load = meter.stop()
    if load is None:
        pytest.skip("no /proc/stat here")
    assert load >= 0.0


def test_capacity_points_are_cores_for_spinning_children():
    got = capacity_point(1, window=0.02)
    if got is None:
        pytest.skip("no fork here")
    assert 0.0 <= got <= 1.05  # one process never gets more than one core
    points = measure_capacity(2, window=0.02)
    assert [n for n, _ in points] == [2, 4]  # one thread's share comes from the facts run
    assert [n for n, _ in measure_capacity(1, window=0.02)] == [2]
    assert all(cores <= n + 0.05 for n, cores in points)


def test_a_sleeping_helper_thread_tells_the_wake_up_latency():
    from runadvisor.advisor.native import sleeper_wakeup

    assert sleeper_wakeup("runadvisor-no-such-thread") is None
    stop = threading.Event()

    def nap() -> None:
        while not stop.wait(0.001):
            pass

    napper = threading.Thread(target=nap, name="runadvisor-napper")
    napper.start()
    time.sleep(0.02)
    latency = sleeper_wakeup("runadvisor-napper")
    stop.set()
    napper.join()
    if thread_sched() is None:
        assert latency is None
    else:
        assert latency is not None and latency >= 0.0
