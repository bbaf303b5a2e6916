"""Profiler and profile_run driven by a fake runner that follows the engine's contract."""

from __future__ import annotations

import os

import pytest
from profiles_helpers import (
    FakeNode,
    FakePipeline,
    FakeRunner,
    allocate,
    python_loop,
    sleep_for,
)

from runadvisor.profiles import Profiler, RunProfile, profile_run

MB = 2**20


def chain() -> FakePipeline:
    return FakePipeline(
        [
            FakeNode("first", lambda: sleep_for(0.05), outputs=["a"], tags={"io", "slow"}),
            FakeNode("second", lambda: python_loop(0.2), inputs=["a"], outputs=["b"]),
            FakeNode("third", allocate, inputs=["b"], outputs=["c"]),
        ]
    )


def test_profile_run_sequential(tmp_path):
    pipe = chain()
    profile = profile_run(pipe, {}, FakeRunner(1), measure_output_bytes=True)
    assert profile.runner == "FakeRunner" and profile.max_workers == 1
    assert [r.name for r in profile.nodes] == ["first", "second", "third"]
    first, second, third = profile.nodes
    assert first.tags == ["io", "slow"] and first.outputs == ["a"] and second.inputs == ["a"]
    assert 0 <= first.start < first.end <= second.start < second.end <= profile.wall
    # the sleeper is off the CPU, the loop on it or waiting for it (a busy
    # machine stretches both walls, not the sleeper's CPU)
    assert first.wall >= 0.05 and first.noncpu > 0.8 * first.wall
    assert second.cpu + second.cpu_wait > 4 * (first.cpu + first.cpu_wait)
    assert second.gil_held > 0.5 * second.cpu and first.gil_held < 0.25 * second.gil_held
    assert 180 * MB < third.peak_rss_delta < 260 * MB
    assert third.peak_source in ("hwm", "sampler")
    assert first.out_bytes_by_output == {"a": first.out_bytes} and first.out_bytes > 0
    assert all(r.pid == os.getpid() for r in profile.nodes)
    assert profile.dependencies() == {"first": [], "second": ["first"], "third": ["second"]}
    assert len(profile.samples) >= 3  # first, last, and at least one while nodes ran
    assert profile.settings["measure_output_bytes"] is True
    assert profile.machine.cores >= 1
    assert RunProfile.load(profile.save(tmp_path / "p.json")) == profile


def test_context_manager_and_reuse():
    pipe = chain()
    runner = FakeRunner(1)
    prof = Profiler(pipe, runner=runner, gil=False)
    with prof:
        runner.run(pipe, {}, observers=[prof])
    first = prof.profile
    assert first is not None and len(first.nodes) == 3
    assert all(r.gil_held is None for r in first.nodes)
    assert all(r.out_bytes is None for r in first.nodes)
    with prof:
        pass
    assert prof.profile is not first and prof.profile.nodes == []


def test_stop_without_start_and_double_start():
    prof = Profiler()
    with pytest.raises(RuntimeError, match="not started"):
        prof.stop()
    prof.start()
    with pytest.raises(RuntimeError, match="already running"):
        prof.start()
    assert prof.stop().runner == "unknown"


def test_failure_keeps_the_partial_profile():
    pipe = FakePipeline(
        [
            FakeNode("ok", lambda: 1, outputs=["a"]),
            FakeNode("boom", lambda: 1 / 0, inputs=["a"], outputs=["b"]),
            FakeNode("never", lambda: 1, inputs=["b"]),
        ]
    )
    with pytest.raises(RuntimeError, match="boom") as info:
        profile_run(pipe, {}, FakeRunner(1))
    profile = info.value.profile
    assert [r.name for r in profile.nodes] == ["ok", "boom"]
    assert profile.node("boom").error.startswith("ZeroDivisionError")
    assert profile.error.startswith("RuntimeError")
    assert any("exc.profile" in note for note in info.value.__notes__)
    assert profile.dependencies() == {"boom": ["ok"], "ok": []}


def test_with_block_failure_leaves_profile_on_profiler():
    prof = Profiler()
    with pytest.raises(KeyError), prof:
        raise KeyError("x")
    assert prof.profile is not None and prof.profile.error.startswith("KeyError")


def test_threads_without_kernel_peak_fall_back_to_the_sampler():
    """Two concurrent nodes in one process: the peak comes from the parent's sampler."""
    pipe = FakePipeline(
        [
            # held for three of the sampler's longest intervals (a busy machine delays them)
            FakeNode("alloc", lambda: allocate(hold=0.3), outputs=["a"]),
            FakeNode("sleep", lambda: sleep_for(0.3), outputs=["b"]),
        ]
    )
    profile = profile_run(pipe, {}, FakeRunner(2))
    alloc = profile.node("alloc")
    assert alloc.peak_source == "sampler"
    assert alloc.peak_rss_delta > 150 * MB
    assert profile.node("sleep").peak_source == "sampler"


def test_no_pipeline_no_sampler():
    runner = FakeRunner(1)
    prof = Profiler(sample=False)
    with prof:
        runner.run(chain(), {}, observers=[prof])
    profile = prof.profile
    assert len(profile.samples) == 0 and profile.edges == []
    assert profile.nodes[0].tags == [] and profile.nodes[2].peak_source == "hwm"


def test_events_without_extras_still_make_records():
    from profiles_helpers import FakeEvent

    prof = Profiler(sample=False)
    prof.start()
    t = prof._t0
    prof(FakeEvent("n", t + 0.1, t + 0.3, 0.1, 1, 2))
    profile = prof.stop()
    record = profile.nodes[0]
    assert record.start == pytest.approx(0.1) and record.wall == pytest.approx(0.2)
    assert record.gil_held is None and record.peak_rss is None and record.peak_source is None
