"""CPU a node spends outside its own thread: native thread pools and child processes.

A node's ``cpu`` in a profile is the CPU time of the one thread that ran it.
Two kinds of work escape that figure, and both change what running nodes side
by side can gain:

- native libraries that run their own threads (BLAS and OpenMP behind numpy,
  pandas, scikit-learn...): a matrix product may keep every core busy while
  the calling thread accounts for a fraction of it;
- child processes (``subprocess``, a tool the node calls): their CPU shows in
  no thread of ours, so the node looks as if it were waiting for I/O.

:class:`CpuMeter` measures both around one node, in the facts run's child
process, where nodes run one at a time so the process's CPU is the node's:
the process's CPU time less that of the profiler's own threads and of the
node's thread is the native pools' share; the CPU of children reaped during
the node (``RUSAGE_CHILDREN``) plus what live children spent (psutil) is the
children's. :func:`native_pools` names the thread pools threadpoolctl finds,
where it is installed.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

try:
    import resource as _resource
except ImportError:  # pragma: no cover - Windows
    _resource = None  # type: ignore[assignment]

# Threads of ours that run beside the nodes (the profiler's sampler and GIL monitor).
OWN_THREAD_PREFIX = "runadvisor-"


def _thread_clock(ident: int | None) -> int | None:
    if ident is None:
        return None
    try:
        return time.pthread_getcpuclockid(ident)
    except (AttributeError, OSError, ValueError):
        return None


def _clock_seconds(clock: int) -> float | None:
    try:
        return time.clock_gettime(clock)
    except OSError:  # the thread has ended
        return None


def children_cpu() -> float:
    """CPU seconds of this process's children that have ended and been reaped."""
    if _resource is None:
        return 0.0
    usage = _resource.getrusage(_resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _live_children() -> list[int]:
    """Pids of this process's live children (Linux's per-thread ``children`` files, else psutil)."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        tasks = []
    pids: list[int] = []
    readable = False
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/children", "rb") as f:
                pids += [int(p) for p in f.read().split()]
            readable = True
        except (OSError, ValueError):
            continue
    if readable:
        return pids
    try:  # no /proc children files (another OS, an old kernel): ask psutil
        import psutil

        return [child.pid for child in psutil.Process().children()]
    except Exception:
        return []


def live_children_cpu() -> dict[int, float]:
    """CPU seconds so far of each live child process, its own reaped children included."""
    pids = _live_children()
    if not pids:
        return {}
    import psutil

    spent: dict[int, float] = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        spent[pid] = times.user + times.system + times.children_user + times.children_system
    return spent


def thread_sched() -> tuple[float, int] | None:
    """(seconds the calling thread waited for a CPU, times it was put on one) so far, from
    ``/proc/thread-self/schedstat`` (Linux); None elsewhere."""
    try:
        with open("/proc/thread-self/schedstat", "rb") as f:
            fields = f.read().split()
        return int(fields[1]) / 1e9, int(fields[2])
    except (OSError, ValueError, IndexError):
        return None


def sleeper_wakeup(name: str = OWN_THREAD_PREFIX + "gil-monitor") -> float | None:
    """Seconds a sleeping thread waited for a CPU each time it woke, on average: from the
    ``schedstat`` of our thread ``name`` (the profiler's GIL monitor, which sleeps a few
    milliseconds at a time while nodes run). None where there is no such thread or file."""
    for thread in threading.enumerate():
        if thread.name != name or thread.native_id is None:
            continue
        try:
            with open(f"/proc/self/task/{thread.native_id}/schedstat", "rb") as f:
                fields = f.read().split()
            waited, slices = int(fields[1]) / 1e9, int(fields[2])
        except (OSError, ValueError, IndexError):
            return None
        return waited / slices if slices else None
    return None


@dataclass(frozen=True)
class NativeCpu:
    """What :class:`CpuMeter` measured around one node: CPU seconds of the process's other
    threads (native pools) and of its child processes."""

    pool_cpu: float = 0.0
    child_cpu: float = 0.0


class CpuMeter:
    """Measures, around one node in the calling thread, the CPU spent outside that thread.

    ``start()`` then ``stop()`` -> :class:`NativeCpu`: CPU of the process's other
    threads (but the profiler's own) and of child processes. Valid when the node
    is the only one running in this process.
    """

    def __init__(self) -> None:
        self._start: tuple[float, float, float, dict[int, float], dict[int, int]] | None = None
        self._helpers0: dict[int, float] = {}

    @staticmethod
    def _own_threads() -> dict[int, int]:
        """CPU clocks of our own helper threads (not the caller), by thread ident."""
        me = threading.get_ident()
        clocks = {}
        for thread in threading.enumerate():
            if thread.ident is None or thread.ident == me:
                continue
            if thread.name.startswith(OWN_THREAD_PREFIX):
                clock = _thread_clock(thread.ident)
                if clock is not None:
                    clocks[thread.ident] = clock
        return clocks

    @staticmethod
    def _read(clocks: dict[int, int]) -> dict[int, float]:
        out = {}
        for ident, clock in clocks.items():
            seconds = _clock_seconds(clock)
            if seconds is not None:
                out[ident] = seconds
        return out

    def start(self) -> None:
        """Read the clocks before the node."""
        clocks = self._own_threads()
        self._helpers0 = self._read(clocks)
        self._start = (
            time.process_time(),
            time.thread_time(),
            children_cpu(),
            live_children_cpu(),
            clocks,
        )

    def stop(self) -> NativeCpu:
        """What was spent since :meth:`start` (zeros if it was not started)."""
        if self._start is None:
            return NativeCpu()
        process = time.process_time()
        thread = time.thread_time()
        reaped = children_cpu()
        live = live_children_cpu()
        process0, thread0, reaped0, live0, clocks = self._start
        self._start = None
        # Our helpers' CPU is not the node's: those started meanwhile count in full. One
        # that ended meanwhile is not subtracted (its share errs towards pool CPU).
        helpers = self._read({**self._own_threads(), **clocks})
        helper_spent = sum(
            seconds - self._helpers0.get(ident, 0.0) for ident, seconds in helpers.items()
        )
        pool = (process - process0) - (thread - thread0) - helper_spent
        child = reaped - reaped0
        for pid, spent in live.items():
            child += spent - live0.get(pid, 0.0)
        for pid, spent in live0.items():
            if pid not in live:  # reaped during the node: RUSAGE_CHILDREN has all of it
                child -= spent
        return NativeCpu(max(0.0, pool), max(0.0, child))


def native_pools() -> list[dict[str, Any]]:
    """The native thread pools loaded in this process (threadpoolctl, where installed):
    each ``{"api": "blas" | "openmp", "library": ..., "threads": n}``; [] without it."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    try:
        info = threadpool_info()
    except Exception:
        return []
    return [
        {
            "api": str(pool.get("user_api")),
            "library": str(pool.get("internal_api") or pool.get("prefix")),
            "threads": int(pool.get("num_threads") or 1),
        }
        for pool in info
    ]
