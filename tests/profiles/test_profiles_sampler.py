"""The process-tree sampler: series shape, children included, back-off, per-pid queries.

How often it samples depends on how busy the machine is (it backs off when its
wake-ups come late), so counts are checked against what its own schedule
allows, and the schedule itself as a function; the sampler's cost belongs to
benchmarks/test_profiler_overhead.py.
"""

from __future__ import annotations

import multiprocessing
import time

import pytest

from runadvisor.profiles import Samples, TreeSampler
from runadvisor.profiles.sampler import CONTENDED_INTERVAL, next_interval

MB = 2**20


def _hold_memory(ready, done):
    block = bytearray(100 * MB)
    ready.set()
    done.wait(5)
    return len(block)


def test_samples_the_parent():
    t0 = time.perf_counter()
    sampler = TreeSampler(t0, interval=0.004)
    sampler.start()
    time.sleep(0.2)
    samples = sampler.stop()
    elapsed = time.perf_counter() - t0
    # the first and last sample, some between; never more often than every 4 ms
    assert 3 <= len(samples) <= elapsed / 0.004 + 2
    assert samples.t == sorted(samples.t) and samples.t[-1] <= elapsed
    assert all(n >= 1 for n in samples.n_processes)
    assert all(r > 0 for r in samples.rss)
    assert samples.uss[0] is None or samples.uss[0] > 0
    assert sampler.cost > 0


def test_cpu_percent_adds_up_to_the_cpu_used():
    """Integrated over time, the tree's CPU percent gives the CPU seconds the process used."""
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    sampler = TreeSampler(t0, interval=0.01, uss=False)
    sampler.start()
    end = time.perf_counter() + 0.3
    while time.perf_counter() < end:
        pass
    samples = sampler.stop()
    used = time.process_time() - cpu0
    integrated = sum(
        p / 100 * (b - a) for p, a, b in zip(samples.cpu_percent[1:], samples.t, samples.t[1:])
    )
    assert integrated == pytest.approx(used, rel=0.25, abs=0.03)


def test_child_processes_are_included():
    ctx = multiprocessing.get_context(
        "spawn" if "spawn" in multiprocessing.get_all_start_methods() else None
    )
    ready, done = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold_memory, args=(ready, done))
    t0 = time.perf_counter()
    sampler = TreeSampler(t0, interval=0.005)
    sampler.start()
    child.start()
    try:
        assert ready.wait(20)
        allocated = time.perf_counter() - t0
        # let the sampler re-list the tree and read the child a few times since it
        # allocated (it was also sampled while starting up, before that)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            times = sampler.series(child.pid)[0]
            if sum(t > allocated for t in times) >= 2:
                break
            time.sleep(0.02)
    finally:
        done.set()
        child.join(10)
    samples = sampler.stop()
    assert max(samples.n_processes) >= 2
    ts, rss = sampler.series(child.pid)
    assert ts and max(rss) > 90 * MB
    assert sampler.peak_rss(child.pid, 0, ts[-1]) == max(rss)
    assert sampler.peak_rss(child.pid, -2, -1) is None
    assert sampler.rss_before(child.pid, ts[0] - 1) is None
    assert sampler.rss_before(child.pid, ts[-1] + 1) == rss[-1]


def test_interval_backs_off_on_long_runs_and_when_late():
    assert next_interval(0.0, 0.0, 0.005, 0.1) == 0.005
    assert next_interval(0.5, 0.0, 0.005, 0.1) == pytest.approx(0.02)
    assert next_interval(10.0, 0.0, 0.005, 0.1) == 0.1
    # woken late (a node holds the GIL, or every core is busy): back off
    assert next_interval(0.0, 0.01, 0.005, 0.1) == CONTENDED_INTERVAL
    assert next_interval(10.0, 0.01, 0.005, 0.1) == 0.1


def test_sampler_follows_its_schedule():
    t0 = time.perf_counter()
    sampler = TreeSampler(t0, interval=0.002, max_interval=0.05, uss=False)
    sampler.start()
    time.sleep(0.5)
    samples = sampler.stop()
    gaps = [b - a for a, b in zip(samples.t[:-1], samples.t[1:-1])]  # the last is stop()'s
    # never sooner than its schedule allows, whatever the load
    assert all(gap >= next_interval(t, 0.0, 0.002, 0.05) * 0.9 for gap, t in zip(gaps, samples.t))
    assert all(u is None for u in samples.uss)


def test_samples_dict_round_trip_and_validation():
    samples = Samples(
        t=[0.0, 0.1], rss=[1, 2], uss=[None, 3], cpu_percent=[0.0, 50.0], n_processes=[1, 1]
    )
    assert Samples.from_dict(samples.to_dict()) == samples
    frame = samples.to_frame()
    assert list(frame.columns) == ["t", "rss", "uss", "cpu_percent", "n_processes"]
    with pytest.raises(ValueError, match="differ in length"):
        Samples.from_dict({"t": [0.0], "rss": []})
