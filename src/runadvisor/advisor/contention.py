"""How many CPUs this process tree gets when it asks for n: the machine's load, measured.

On a quiet machine, n threads that want a CPU get ``min(n, cores)`` of them.
On a shared one they get less, and how much less depends on the scheduler:
with per-thread fairness n threads beside k busy others get about
``n * cores / (n + k)``, so more threads take a larger share; with Linux's
autogroups (one share per session) they get about one session's share
however many threads ask. Predictions made as if the machine were ours alone
are then far too optimistic for every parallel candidate.

The facts run measures, in its child process:

- :class:`LoadMeter`: the CPU time other processes used during the run
  (``/proc/stat``'s busy time less this process tree's), in cores;
- :func:`measure_capacity`: when that load is not negligible, what cores and
  2 x cores spinning child processes of ours get, in short windows taken in
  turn: with what one node's thread got during the run (its CPU time over its
  CPU time and its wait for a CPU), the points of the capacity curve the
  simulation uses (:class:`CpuCapacity` in ``simulate.py``).

Linux (``/proc/stat``) and ``os.fork``; elsewhere the load is unknown and the
machine is taken as quiet.
"""

from __future__ import annotations

import os
import time

from runadvisor.advisor.native import children_cpu
from runadvisor.machine import background_paused

BUSY_LOAD = 0.25  # cores used by others above which the capacity curve is measured
WINDOW = 0.06  # seconds each spin of the probe lasts
SAMPLES = 2  # spins per point, taken in turn

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (None where unknown)."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / _TICK


def own_cpu_seconds() -> float:
    """CPU seconds of this process and its reaped children so far."""
    return time.process_time() + children_cpu()


class LoadMeter:
    """CPU load of every other process on the machine between ``start()`` and ``stop()``."""

    def __init__(self) -> None:
        self._start: tuple[float, float, float] | None = None

    def start(self) -> None:
        """Note the machine's and our own CPU time now."""
        busy = machine_busy_seconds()
        if busy is not None:
            self._start = (busy, own_cpu_seconds(), time.perf_counter())

    def stop(self) -> float | None:
        """Average cores other processes used since :meth:`start` (None if unknown)."""
        if self._start is None:
            return None
        busy = machine_busy_seconds()
        if busy is None:
            return None
        busy0, own0, t0 = self._start
        wall = time.perf_counter() - t0
        if wall <= 0:
            return None
        others = (busy - busy0) - (own_cpu_seconds() - own0)
        return max(0.0, others / wall)


def _spin_until(deadline: float) -> None:
    while time.perf_counter() < deadline:
        pass


def capacity_point(count: int, window: float = WINDOW) -> float | None:
    """Cores ``count`` spinning child processes of ours get over ``window`` seconds.

    Uses ``os.fork``; the children only spin and exit, so forking a process
    with other threads is safe; our own background threads (the profiler's)
    stop for it all the same. None where fork is not available.
    """
    fork = getattr(os, "fork", None)
    if fork is None:
        return None
    before = children_cpu()
    began = time.perf_counter()
    deadline = began + window
    pids = []
    try:
        with background_paused():
            for _ in range(count):
                pid = fork()
                if pid == 0:  # pragma: no cover - runs in the child
                    try:
                        _spin_until(deadline)
                    finally:
                        os._exit(0)
                pids.append(pid)
    finally:
        for pid in pids:
            os.waitpid(pid, 0)
    elapsed = max(time.perf_counter() - began, 1e-6)
    return max(0.0, children_cpu() - before) / elapsed


def measure_capacity(
    cores: int, window: float = WINDOW, samples: int = SAMPLES
) -> list[tuple[int, float]] | None:
    """``[(n, cores got)]`` for n = cores and 2 x cores spinning processes, each the mean of
    ``samples`` windows taken in turn (a busy machine's load comes in bursts); None where
    fork is not available. What one thread gets is not probed: the facts run's nodes
    measured it over the whole run, which a short spin cannot match."""
    counts = sorted({max(2, cores), 2 * cores})
    got: dict[int, list[float]] = {n: [] for n in counts}
    for _ in range(samples):
        for count in counts:
            point = capacity_point(count, window)
            if point is None:
                return None
            got[count].append(point)
    return [(n, sum(values) / len(values)) for n, values in got.items()]
