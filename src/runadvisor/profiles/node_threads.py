"""Each thread that runs nodes in this process: its clocks and its GIL-held counter.

The GIL monitor (``gil.py``) adds late cycles to the active threads' counters;
the probe (``probe.py``) reads a thread's CPU and run-queue wait around each
node. One :class:`NodeThread` per thread, kept in a thread-local and made
afresh in a forked child (the parent's belong to threads that do not exist
there).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from runadvisor.profiles._procfs import open_ro

_cpu_clock_of = getattr(time, "pthread_getcpuclockid", None)


class NodeThread:
    """A thread that runs nodes in this process: its clocks and its GIL-held counter.

    ``sched_fd`` is its open ``/proc/self/task/<tid>/schedstat`` (Linux), read
    by the probe for CPU wait and by the monitor for shares; elsewhere
    ``clock`` is its CPU clock. ``held`` only grows: seconds of late cycles
    attributed to this thread while it was active. ``busy`` is how long the
    thread had run or waited for a CPU at the last look, in nanoseconds (CPU
    time plus run-queue wait; CPU time where schedstat is missing): a thread
    that holds the GIL while the OS keeps it off the CPU is still busy, one that
    sleeps or waits for the GIL is not. ``mark`` is when the part of the current
    cycle it is active for began; ``recent`` its share of the last cycle it was
    active in (0 for a cycle on time, None before its node's first).
    ``last``/``last_at`` keep the probe's latest schedstat reading and when it
    was taken, so that a node starting right after another on this thread can
    begin from it instead of reading again; ``chain``, ``seen`` and
    ``fresh_until`` say when a node may start light (see profiles/probe.py).
    """

    __slots__ = (
        "busy",
        "chain",
        "clock",
        "fresh_until",
        "generation",
        "held",
        "last",
        "last_at",
        "mark",
        "recent",
        "sched_fd",
        "seen",
    )

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.held = 0.0
        self.busy = 0
        self.mark = 0.0
        self.recent: float | None = None  # its share of the last cycle it was looked at in
        self.last: tuple[int, int] | None = None
        self.last_at = -1.0
        # the probe's light-node bookkeeping (see profiles/probe.py)
        self.chain = -2  # the process's tick at this thread's last node end, if alone
        self.seen = 0  # the kernel's peak-RSS mark at the last full reading, bytes
        self.fresh_until = -1.0  # light starts allowed until then
        self.clock: int | None = None
        self.sched_fd = open_ro(f"/proc/self/task/{threading.get_native_id()}/schedstat")
        if self.sched_fd is None and _cpu_clock_of is not None:
            try:
                self.clock = _cpu_clock_of(threading.get_ident())
            except (OSError, AttributeError):  # pragma: no cover - platform without it
                self.clock = None

    def read_sched(self, pread: Callable[[int], bytes]) -> tuple[int, int] | None:
        """(CPU ns, run-queue wait ns) so far from schedstat; None without it."""
        fd = self.sched_fd
        if fd is None:
            return None
        try:
            fields = pread(fd).split()
            return int(fields[0]), int(fields[1])
        except (OSError, ValueError, IndexError):
            self.sched_fd = None
            return None

    def read_busy(self, pread: Callable[[int], bytes]) -> int | None:
        """Nanoseconds this thread has run or waited for a CPU so far; None if unknown here."""
        if self.sched_fd is not None:
            sched = self.read_sched(pread)
            if sched is not None:
                return sched[0] + sched[1]
        if self.clock is None:
            return None
        return time.clock_gettime_ns(self.clock)

    def __del__(self) -> None:
        if self.sched_fd is not None:
            try:
                os.close(self.sched_fd)
            except OSError:
                pass


_local = threading.local()
_generation = 0  # bumped in a forked child: its threads' states belong to the parent


def node_thread() -> NodeThread:
    """The calling thread's :class:`NodeThread` (created on first use, again after fork)."""
    state = getattr(_local, "state", None)
    if state is None or state.generation != _generation:
        state = _local.state = NodeThread(_generation)
    return state


def _after_fork_in_child() -> None:
    global _generation
    _generation += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
