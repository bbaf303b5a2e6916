"""The start method is chosen on purpose: fork only with no other thread alive."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from runadvisor import machine
from runadvisor.runners import ParallelRunner


@pytest.fixture(autouse=True)
def no_thread_left_by_earlier_tests():
    """Earlier tests' timed-out nodes keep their pool threads until the node returns (a
    thread cannot be killed): these tests count threads, so wait for those to end."""
    for thread in threading.enumerate():
        if thread.name.startswith("runadvisor-thread"):
            thread.join(15)


def alone() -> str:
    """What the default is without other threads (threads a hung node left in earlier
    tests may still be alive: a timed-out thread cannot be killed)."""
    return "fork" if not machine.other_threads() else "forkserver"


def test_fork_when_alone_forkserver_beside_another_thread():
    assert machine.default_start_method() == alone()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="someone-elses", daemon=True)
    thread.start()
    try:
        assert "someone-elses" in machine.other_threads()
        assert machine.default_start_method() == "forkserver"
        assert ParallelRunner().mp_context == "forkserver"
        assert ParallelRunner(mp_context="spawn").mp_context == "spawn"  # asked for: kept
    finally:
        stop.set()
        thread.join()
    assert ParallelRunner().mp_context == alone()


def test_registered_background_threads_pause_around_a_fork_and_resume():
    events: list[str] = []
    stop = threading.Event()
    box: dict[str, threading.Thread] = {}

    def spawn() -> None:
        stop.clear()
        box["t"] = threading.Thread(target=stop.wait, name="ours", daemon=True)
        box["t"].start()
        events.append("resume")

    def pause() -> None:
        stop.set()
        box["t"].join()
        events.append("pause")

    spawn()
    token = machine.register_background(pause, spawn, lambda: [box["t"]])
    try:
        assert "ours" not in machine.other_threads()  # ours do not count: they will pause
        with machine.background_paused():
            assert not box["t"].is_alive()
        assert box["t"].is_alive() and events == ["resume", "pause", "resume"]
    finally:
        machine.unregister_background(token)
        pause()


def test_no_fork_deprecation_warning_under_the_profiler_on_any_runner():
    """On Python 3.12+ os.fork() warns when threads run; the profiler's threads pause."""
    script = textwrap.dedent(
        """
        from runadvisor import DataCatalog, node, pipeline
        from runadvisor import ParallelRunner, SequentialRunner, ThreadRunner
        from runadvisor.profiles import profile_run

        def inc(x):
            return x + 1

        p = pipeline([node(inc, "x", f"y{i}", name=f"n{i}") for i in range(4)])
        for runner in (SequentialRunner(), ThreadRunner(2), ParallelRunner(2)):
            profile = profile_run(p, DataCatalog(raw_data={"x": 1}), runner)
            ParallelRunner(2).run(p, DataCatalog(raw_data={"x": 1}))
        assert profile.machine.start_method == "fork", profile.machine.start_method
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
