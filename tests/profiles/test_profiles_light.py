"""Light nodes: a chain of tiny nodes read in full about once a millisecond, not per node.

The policy is checked on a fake clock (what is read when is decided by the
probe's clock alone, so the test does not depend on how fast the machine is);
memory is checked for real: a node right after memory was freed between
nodes still gets its own peak.
"""

from __future__ import annotations

import mmap
import sys
from itertools import pairwise

import pytest
from profiles_helpers import FakeNode, execute, reading

from runadvisor.io import DataCatalog
from runadvisor.pipeline import node, pipeline
from runadvisor.profiles import TaskProbe, profile_run
from runadvisor.profiles import probe as probe_module
from runadvisor.profiles.node_threads import node_thread
from runadvisor.runners import ParallelRunner, SequentialRunner

MB = 2**20
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc readings")


class FakeClock:
    """The probe's clock: every reading moves it on by ``step`` seconds."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now

    def spend(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock(step=0.00001)  # 10 us per reading: a node every 20 us
    monkeypatch.setattr(probe_module, "_perf_counter", fake)
    node_thread().chain = -2  # forget what earlier tests left on this thread
    return fake


def is_full(event) -> bool:
    return reading(event)["cpu_wait"] is not None


def tiny(i: int) -> FakeNode:
    return FakeNode(f"tiny_{i}", lambda: 1, outputs=["x"])


@linux_only
def test_a_chain_of_tiny_nodes_is_read_in_full_once_per_stale_interval(clock):
    probe = TaskProbe(gil=False)
    events = [execute(tiny(i), probe) for i in range(500)]  # 10 ms of fake time
    full = [i for i, event in enumerate(events) if is_full(event)]
    assert full[0] == 0  # nothing to start from yet
    # a node every 20 us: a full reading, then light nodes for 1 ms, then the next
    per_stale = round(probe_module._STALE / (2 * clock.step))
    gaps = [b - a for a, b in pairwise(full)]
    assert gaps and all(per_stale - 1 <= gap <= per_stale + 1 for gap in gaps), gaps
    for i, event in enumerate(events):
        got = reading(event)
        if i in full:
            assert got["peak_rss"] is not None and got["cpu_wait"] >= 0
            assert got["rss_start"] > 0
        else:  # light: RSS at the start only, nothing read at the end
            assert got["rss_start"] > 0
            assert got["peak_rss"] is None and got["rss_end"] is None
            assert got["cpu_wait"] is None and got["gil_held"] is None


@linux_only
def test_a_light_start_that_runs_long_is_read_in_full(clock):
    probe = TaskProbe(gil=False)
    for i in range(3):
        execute(tiny(i), probe)
    slow = FakeNode("slow", lambda: clock.spend(0.0005), outputs=["x"])
    got = reading(execute(slow, probe))
    assert got["cpu_wait"] is not None and got["peak_rss"] is not None


@linux_only
def test_nodes_never_start_light_from_a_stale_reading(clock):
    probe = TaskProbe(gil=False)
    execute(tiny(0), probe)
    clock.spend(2 * probe_module._STALE)  # the scheduler was busy for 2 ms
    assert is_full(execute(tiny(1), probe))
    assert not is_full(execute(tiny(2), probe))


@linux_only
def test_no_light_nodes_without_the_kernel_peak():
    probe = TaskProbe(reset_peak=False)
    events = [execute(tiny(i), probe) for i in range(200)]
    assert all(is_full(event) for event in events)


@linux_only
@pytest.mark.parametrize("kept_mb, allocated_mb", [(100, 60), (20, 12)])
def test_memory_freed_between_nodes_does_not_hide_the_next_nodes_peak(kept_mb, allocated_mb):
    # A node leaves memory behind; a tiny node follows; that memory is freed
    # between nodes (as the scheduler releases a dataset: 20 MB in huge pages
    # goes in microseconds) and the next node allocates less than was freed.
    # Its peak must be its own, not the mark the first node left.
    probe = TaskProbe()
    kept = []
    for i in range(5):
        execute(tiny(i), probe)
    execute(FakeNode("make", lambda: kept.append(fresh_pages(kept_mb * MB))), probe)
    execute(tiny(5), probe)
    kept.pop().close()
    event = execute(FakeNode("alloc", lambda: fresh_pages(allocated_mb * MB).close()), probe)
    got = reading(event)
    rise = got["peak_rss"] - got["rss_start"]
    assert 0.75 * allocated_mb * MB < rise < allocated_mb * MB + 5 * MB


def fresh_pages(nbytes: int) -> mmap.mmap:
    """``nbytes`` of new, touched memory straight from the kernel. An allocator's block
    (numpy's, malloc's) may reuse pages an earlier test freed but kept resident, which
    would raise no RSS at all; an anonymous mapping always does, and unmaps on close."""
    block = mmap.mmap(-1, nbytes)
    for offset in range(0, nbytes, mmap.PAGESIZE):
        block[offset] = 1
    return block


def step(x: int) -> int:
    return x + 1


@linux_only
@pytest.mark.parametrize("runner_class", [SequentialRunner, ParallelRunner])
def test_a_profiled_chain_says_what_each_node_measured(runner_class):
    pipe = pipeline([node(step, f"d{i}", f"d{i + 1}", name=f"step_{i:03d}") for i in range(300)])
    profile = profile_run(pipe, DataCatalog({"d0": 0}), runner_class())
    assert len(profile.nodes) == 300
    full = [r for r in profile.nodes if r.cpu_wait is not None]
    assert full  # each process's first node at least
    for record in profile.nodes:
        assert record.rss_start > 0 and record.peak_rss > 0 and record.peak_rss_delta >= 0
        if record.cpu_wait is None:  # light: peak from the sampler or RSS at the start
            assert record.gil_held is None and record.peak_source in ("probe", "sampler")
        else:
            assert record.gil_held is not None and record.peak_source == "hwm"
