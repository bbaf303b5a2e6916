"""How busy the rest of the machine is, and waiting for it to calm down.

On a shared 2-core machine another process's test run takes a core from the
benchmark, and a parallel run loses more to it than the sequential reference
does. ``Outside`` measures the CPU time the whole machine spent (``/proc/stat``)
less what this process and its reaped children spent (``os.times()``) and what
the helper processes named in ``extra_pids`` spent: what is left is everyone
else's load, in cores. ``wait_quiet`` waits (boundedly) until that load drops.

Linux only; elsewhere every figure is None and nothing waits.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_busy() -> float | None:
    """Seconds of non-idle CPU time of the whole machine since boot."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = f.readline().split()[1:9]
    except OSError:
        return None
    values = [int(v) for v in fields]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / _TICK


def _pid_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read()
    except OSError:
        return 0.0
    fields = text.rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


class Outside:
    """CPU load of everything but this process tree, between ``start()`` and ``stop()``."""

    def __init__(self, extra_pids: Iterable[int] = ()) -> None:
        self.extra_pids = list(extra_pids)
        self._start: tuple[float, float, float] | None = None

    def _own(self) -> float:
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        return own + sum(_pid_cpu(pid) for pid in self.extra_pids)

    def start(self) -> None:
        busy = _machine_busy()
        self._start = None if busy is None else (busy, self._own(), time.perf_counter())

    def stop(self) -> float | None:
        """Average cores used by other processes since ``start()`` (None if unknown)."""
        if self._start is None:
            return None
        busy = _machine_busy()
        if busy is None:
            return None
        busy0, own0, t0 = self._start
        wall = time.perf_counter() - t0
        if wall <= 0:
            return None
        return max(0.0, (busy - busy0) - (self._own() - own0)) / wall


def wait_quiet(
    outside: Outside, threshold: float = 0.25, window: float = 0.3, limit: float = 10.0
) -> float:
    """Wait until other processes use under ``threshold`` cores over ``window`` seconds.

    Gives up after ``limit`` seconds; returns the seconds waited.
    """
    started = time.perf_counter()
    while True:
        outside.start()
        time.sleep(window)
        load = outside.stop()
        waited = time.perf_counter() - started
        if load is None or load < threshold or waited >= limit:
            return waited
