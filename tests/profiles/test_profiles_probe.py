"""The task probe: memory peaks, output sizes, picklability, and never raising."""

from __future__ import annotations

import os
import pickle
import sys
import threading

import cloudpickle
import numpy as np
import psutil
import pytest
from profiles_helpers import FakeNode, allocate, execute, reading, sleep_for

from runadvisor.profiles import TaskProbe, pickled_size
from runadvisor.profiles import probe as probe_module
from runadvisor.profiles.probe import unpack

MB = 2**20
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc peak RSS")


@linux_only
def test_exclusive_node_gets_exact_peak_even_after_freeing():
    event = execute(FakeNode("alloc", allocate, outputs=["n"]), TaskProbe())
    got = reading(event)
    rise = got["peak_rss"] - got["rss_start"]
    assert 180 * MB < rise < 260 * MB
    # the block was freed before after(): only the kernel's peak mark saw it
    assert psutil.Process().memory_info().rss - got["rss_start"] < 50 * MB


@linux_only
def test_old_peak_is_reset_between_nodes():
    probe = TaskProbe()
    execute(FakeNode("alloc", allocate), probe)
    event = execute(FakeNode("small", lambda: sleep_for(0.01)), probe)
    got = reading(event)
    assert got["peak_rss"] - got["rss_start"] < 20 * MB


def test_no_reset_means_no_kernel_peak():
    event = execute(FakeNode("n", lambda: 1), TaskProbe(reset_peak=False))
    got = reading(event)
    assert got["peak_rss"] is None
    assert got["rss_start"] > 0 and got["rss_end"] > 0


def test_concurrent_nodes_do_not_claim_the_process_peak():
    probe = TaskProbe()
    events = []
    barrier = threading.Barrier(2)

    def run():
        events.append(execute(FakeNode("n", lambda: (barrier.wait(), sleep_for(0.02))), probe))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(reading(e)["peak_rss"] is None for e in events)
    assert all(reading(e)["cpu_wait"] is not None for e in events)  # never light
    assert probe_module._process_state().running == []


def test_output_bytes_counts_out_of_band_buffers():
    array = np.zeros(1_000_000)
    event = execute(
        FakeNode("n", lambda: array, outputs=["a", "b"]), TaskProbe(measure_output_bytes=True)
    )
    sizes = reading(event)["out_bytes"]
    assert sizes == {"a": pytest.approx(8_000_000, abs=500), "b": sizes["a"]}


def test_pickled_size():
    assert pickled_size(b"x" * 1000) == len(pickle.dumps(b"x" * 1000, protocol=5))
    assert pickled_size(lambda: 1) > 0  # cloudpickle fallback
    assert pickled_size(threading.Lock()) is None


def test_output_bytes_off_by_default_and_none_on_failure():
    probe = TaskProbe(measure_output_bytes=True)
    assert reading(execute(FakeNode("n", lambda: 1, ["x"]), TaskProbe()))["out_bytes"] is None
    failed = execute(FakeNode("bad", lambda: 1 / 0, outputs=["x"]), probe)
    assert failed.error.startswith("ZeroDivisionError")
    assert reading(failed)["out_bytes"] is None


def test_probe_pickles_and_works_after_a_round_trip():
    probe = cloudpickle.loads(cloudpickle.dumps(TaskProbe(measure_output_bytes=True)))
    assert pickle.loads(pickle.dumps(probe)).measure_output_bytes
    event = execute(FakeNode("n", lambda: 1, outputs=["x"]), probe)
    assert reading(event)["out_bytes"]["x"] > 0


def test_probe_never_raises():
    probe = TaskProbe()
    assert unpack(probe.after("not a state", None))["probe_error"]
    got = unpack(probe.after(ValueError("before failed"), None))
    assert got["probe_error"] == "ValueError: before failed"
    assert got["peak_rss"] is None and got["gil_held"] is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_reads_its_own_memory():
    probe = TaskProbe()
    execute(FakeNode("warm", lambda: 1), probe)  # open the parent's /proc files
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            event = execute(FakeNode("child", allocate), probe)
            got = reading(event)
            ok = got["peak_rss"] - got["rss_start"] > 150 * MB
            os.write(write, b"1" if ok and event.pid == os.getpid() else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
