"""The GIL estimate: high for pure Python, ~0 for sleeping and for C code that releases it."""

from __future__ import annotations

import threading
import time

import pytest
from profiles_helpers import FakeNode, execute, hash_and_compress, python_loop, sleep_for

from runadvisor.profiles import TaskProbe
from runadvisor.profiles.gil import GilMonitor, get_monitor, monitor_stats

SPAN = 0.3


def measure(func, seconds: float = SPAN):
    return execute(FakeNode("n", lambda: func(seconds), outputs=["out"]), TaskProbe())


def gil_share(event) -> float:
    return event.extras["profile.gil_held"] / event.wall


def test_sleep_holds_no_gil():
    event = measure(sleep_for)
    assert event.cpu < 0.05
    assert gil_share(event) < 0.1


def test_python_loop_holds_the_gil():
    event = measure(python_loop)
    assert gil_share(event) > 0.8
    # the probe spans a little more than the event; the Profiler caps at wall
    assert event.extras["profile.gil_held"] <= event.wall + 0.005


def test_hashlib_and_zlib_release_the_gil():
    event = measure(hash_and_compress)
    assert event.cpu > 0.5 * event.wall
    assert gil_share(event) < 0.25


def test_short_python_node_is_caught_before_the_monitor_wakes():
    # 3 ms of Python is shorter than the switch interval: the monitor never wakes
    # during it, so only the overdue check at after() can see it.
    for _ in range(3):  # let the monitor settle
        measure(python_loop, 0.003)
    event = measure(python_loop, 0.003)
    assert event.extras["profile.gil_held"] > 0.5 * event.wall


def test_concurrent_threads_get_their_own_share():
    """A Python loop and a sleep side by side: the held time goes to the loop."""
    probe = TaskProbe()
    events = {}

    def run(name, func):
        events[name] = execute(FakeNode(name, lambda: func(SPAN)), probe)

    threads = [
        threading.Thread(target=run, args=("loop", python_loop)),
        threading.Thread(target=run, args=("sleep", sleep_for)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gil_share(events["loop"]) > 0.7
    assert gil_share(events["sleep"]) < 0.15
    assert events["sleep"].cpu < 0.05  # thread CPU is not polluted by the loop


def test_monitor_idles_without_nodes():
    monitor = get_monitor()
    slot = monitor.register()
    time.sleep(0.02)
    monitor.unregister(slot)
    time.sleep(0.01)
    before = monitor.wakeups
    time.sleep(0.05)
    assert monitor.wakeups - before <= 1
    stats = monitor_stats()
    assert stats["interval"] == monitor.interval


def test_monitor_overhead_on_python_work_is_small():
    """Pure-Python throughput with the monitor running is within a few % of without."""

    def work() -> float:
        t = time.perf_counter()
        total = 0
        for i in range(1_500_000):
            total += i
        return time.perf_counter() - t

    monitor = GilMonitor()
    plain, watched = [], []
    for _ in range(5):
        plain.append(work())
        slot = monitor.register()
        watched.append(work())
        monitor.unregister(slot)
    assert min(watched) < min(plain) * 1.10  # target < 5%; slack for a shared machine


@pytest.mark.parametrize("threshold", [None, 0.0005])
def test_thresholds(threshold):
    monitor = GilMonitor(threshold=threshold)
    assert 0 < monitor.threshold <= 0.001
