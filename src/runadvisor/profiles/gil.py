"""Estimate how long each running node held the GIL, from a sleeping thread's wake-up lag.

One daemon monitor thread per process loops ``sleep(interval)``. Sleeping
releases the GIL; waking up needs it back. If another thread holds the GIL and
runs Python, the monitor waits for the interpreter's switch interval (5 ms by
default) before it gets the GIL, so its wake-up comes late. A cycle that ends
more than ``threshold`` late is counted as "GIL held" for its whole length (the
holder held it while the monitor slept too); a cycle on time counts as free.
This is the idea behind gilknocker. On a busy machine the monitor also wakes
late because no CPU is free; on Linux that wait is read from the thread's
``schedstat`` (run delay) and subtracted before deciding "late".

Measured on a shared 2-core machine (interval 2 ms, threshold 1 ms): a
pure-Python loop reads 0.96-1.00 of its wall time, ``time.sleep`` 0.00,
``zlib.compress``/``hashlib.sha256`` on 16-32 MB buffers 0.03-0.08, numpy
matmul ~0.0. With four CPU-burning processes on the 2 cores the loop reads
0.88-1.00, sleep 0.00 and hashing 0.03-0.11; without the run-delay correction
sleep and hashing read 0.4-0.95 there.

What is counted: wall-clock seconds the node held the GIL, including time the
OS kept it off the CPU while it held it (other threads were blocked then too;
on a busy machine this can exceed ``cpu``). A node registers a *slot* (its
thread) while it runs. At a late wake-up the cycle's length is shared among the
registered slots in proportion to how busy each thread was in the cycle (CPU
time plus run-queue wait from its ``schedstat``, else CPU time from its CPU
clock). A sleeping node next to a pure-Python one under ThreadRunner gets ~0
and the Python one ~all. Limitation: a GIL-free C node
(hashing, numpy) running next to a Python node on another thread also gets a
share, since both use CPU in those cycles; the sum over the two stays right.
Where per-thread clocks are missing (macOS) the share is equal. A late cycle
with no registered thread on the CPU (the GIL was held by the scheduler or the
profiler's sampler) is counted as unattributed.

The monitor parks on a condition once no node has run for ``IDLE_AFTER``
seconds, so it costs nothing between runs. While nodes run it sleeps 2 ms at
first and longer as the busy period ages (``age / 10``, up to 10 ms): a short
node still gets several cycles, a long one ~100 wake-ups a second instead of
500 (each wake-up preempts a worker when every core is busy), and a
Python-bound node is forced to hand the GIL over once per cycle.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from runadvisor.machine import register_background
from runadvisor.profiles._procfs import make_reader, open_ro, thread_reader

DEFAULT_INTERVAL = 0.002
DEFAULT_MAX_INTERVAL = 0.01  # sleep grows to this as the running nodes age (age / 10)
IDLE_AFTER = 0.1  # park the monitor after this long without a node

_perf_counter = time.perf_counter
_cpu_clock_of = getattr(time, "pthread_getcpuclockid", None)


class _ThreadSched:
    """The monitor thread's scheduler facts from procfs (Linux), to tell OS delay from GIL wait.

    On a busy machine a sleeping thread also wakes late because no CPU is free;
    that wait is "run delay" in ``/proc/.../schedstat``, while waiting for the
    GIL is not (the thread sleeps on a condition variable). Subtracting it
    keeps GIL-free nodes near 0 even with every core taken.
    """

    def __init__(self, tid: int) -> None:
        self._pread: Any = None
        self.schedstat = open_ro(f"/proc/self/task/{tid}/schedstat")
        self.stat = open_ro(f"/proc/self/task/{tid}/stat")
        if self.schedstat is not None or self.stat is not None:
            self._pread = make_reader(512)

    def run_delay(self) -> float:
        """Seconds this thread has waited on a run queue so far (0 where unknown)."""
        if self.schedstat is None:
            return 0.0
        try:
            return int(self._pread(self.schedstat).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            self.schedstat = None
            return 0.0

    def runnable(self) -> bool:
        """Whether the thread is waiting for a CPU right now (state R); False where unknown."""
        if self.stat is None:
            return False
        try:
            text = self._pread(self.stat)
            return text[text.rindex(b")") + 2 : text.rindex(b")") + 3] == b"R"
        except (OSError, ValueError):
            self.stat = None
            return False


def default_threshold() -> float:
    """Lateness that means "the GIL was held": 1 ms, or half the switch interval if smaller."""
    return min(0.001, sys.getswitchinterval() / 2)


def _nothing() -> None:
    return None


class _Slot:
    """One node running in one thread of this process.

    ``busy`` is how long the thread has run or waited for a CPU, at the last
    look: CPU time plus run-queue wait from its ``schedstat`` when the probe
    passes that file, else CPU time from its CPU clock. A thread that holds the
    GIL while the OS keeps it off the CPU is still busy; one that sleeps or
    waits for the GIL is not.
    """

    __slots__ = ("busy", "clock", "held", "mark", "sched_fd")

    def __init__(self, now: float, sched_fd: int | None, busy: float | None = None) -> None:
        self.clock: int | None = None
        self.sched_fd = sched_fd
        self.held = 0.0
        self.mark = now  # start of the part of the current cycle this slot was present for
        if sched_fd is None and _cpu_clock_of is not None:
            try:
                self.clock = _cpu_clock_of(threading.get_ident())
            except (OSError, AttributeError):  # pragma: no cover - platform without it
                self.clock = None
        if busy is None or sched_fd is None:
            busy = self.read_busy(thread_reader())
        self.busy = busy or 0.0

    def read_busy(self, pread: Any) -> float | None:
        """Seconds this thread has run or waited for a CPU so far; None if unknown here."""
        if self.sched_fd is not None:
            try:
                fields = pread(self.sched_fd).split()
                return (int(fields[0]) + int(fields[1])) / 1e9
            except (OSError, ValueError, IndexError):
                self.sched_fd = None
                return None
        if self.clock is None:
            return None
        return time.clock_gettime(self.clock)


class GilMonitor:
    """The per-process wake-up-lag monitor; use :func:`get_monitor`, not this directly."""

    def __init__(
        self,
        interval: float = DEFAULT_INTERVAL,
        threshold: float | None = None,
        max_interval: float = DEFAULT_MAX_INTERVAL,
    ) -> None:
        self.interval = interval
        self.max_interval = max(interval, max_interval)
        self._sleep = interval  # the current cycle's sleep
        self._busy_since = _perf_counter()  # when the slots last went from none to some
        self.threshold = default_threshold() if threshold is None else threshold
        self._cond = threading.Condition(threading.Lock())
        self._slots: dict[int, _Slot] = {}
        self._last_wake = _perf_counter()
        self._thread: threading.Thread | None = None
        self._quit = False  # set to end the thread (before a fork)
        self._token: int | None = None  # registration with runadvisor.machine
        self._idle = False  # parked on the condition, waiting for a slot
        self._sched: _ThreadSched | None = None  # set by the monitor thread
        self._pread: Any = None  # the monitor thread's own /proc reader
        self._run_delay = 0.0  # the monitor's run-queue wait at its last wake-up
        self._last_active = _perf_counter()
        # diagnostics
        self.wakeups = 0
        self.late = 0
        self.unattributed = 0.0

    def register(self, sched_fd: int | None = None, busy: float | None = None) -> _Slot:
        """Start measuring the calling thread (call in the thread that runs the node).

        ``sched_fd``: the thread's open ``/proc/.../schedstat``, if the caller has
        one; ``busy``: what the caller just read from it (CPU + run-queue seconds).
        """
        now = _perf_counter()
        slot = _Slot(now, sched_fd, busy)
        with self._cond:
            if not self._slots:
                self._busy_since = now
            if self._idle:
                # The monitor is parked: its next cycle starts now.
                self._idle = False
                self._last_wake = now
                self._cond.notify()
            self._slots[id(slot)] = slot
            if self._thread is None:
                self._last_wake = now
                self._quit = False
                self._thread = threading.Thread(
                    target=self._run, name="runadvisor-gil-monitor", daemon=True
                )
                self._thread.start()
                if self._token is None:  # a process pool about to fork stops it first
                    self._token = register_background(self._pause, _nothing, self._threads)
        return slot

    def _pause(self) -> None:
        """End the monitor thread (around a fork); the next node to register restarts it."""
        with self._cond:
            thread = self._thread
            self._quit = True
            self._idle = False
            self._cond.notify_all()
        if thread is not None:
            thread.join()
        with self._cond:
            if self._thread is thread:
                self._thread = None

    def _threads(self) -> list[threading.Thread]:
        thread = self._thread
        return [thread] if thread is not None else []

    def unregister(self, slot: _Slot) -> float:
        """Stop measuring ``slot``; returns the seconds of GIL holding attributed to it.

        If the monitor is overdue right now, the current (unfinished) cycle is
        counted as held too: a node shorter than the switch interval that runs
        Python keeps the monitor from waking at all.
        """
        now = _perf_counter()
        with self._cond:
            self._slots.pop(id(slot), None)
            self._last_active = now
            last = self._last_wake
            sched = self._sched
            overdue = now - last > self._sleep + self.threshold
            if overdue and not (sched is not None and sched.runnable()):
                # Overdue and not waiting for a CPU: it waits for the GIL we hold.
                slot.held += self._pending_share(slot, now - max(last, slot.mark))
        return slot.held

    def _pending_share(self, slot: _Slot, period: float) -> float:
        """``slot``'s part of an unfinished late cycle of ``period`` seconds (baselines kept)."""
        pread = thread_reader()
        mine = slot.read_busy(pread)
        if mine is None:
            return period / (len(self._slots) + 1)
        mine = max(0.0, mine - slot.busy)
        total = mine
        for other in self._slots.values():
            busy = other.read_busy(pread)
            if busy is not None:
                total += max(0.0, busy - other.busy)
        return period * mine / total if total > 0 else 0.0

    def _run(self) -> None:
        sleep = time.sleep
        self._pread = thread_reader()
        sched = self._sched = _ThreadSched(threading.get_native_id())
        self._run_delay = sched.run_delay()
        with self._cond:
            # Our own start-up (thread, ctypes) held the GIL, not a node: start afresh.
            self._last_wake = _perf_counter()
        while True:
            with self._cond:
                if not self._slots and _perf_counter() - self._last_active > IDLE_AFTER:
                    # Park until a node registers. Not at every gap between nodes:
                    # waking a parked thread per node would cost a GIL hand-off each.
                    self._idle = True
                    while self._idle:
                        self._cond.wait()
                if self._quit:
                    return
                start = self._last_wake
                # Short cycles while nodes are young, longer ones for long nodes:
                # each wake-up preempts a worker when every core is busy.
                nap = (start - self._busy_since) / 10
                nap = self._sleep = min(self.max_interval, max(self.interval, nap))
            sleep(nap)
            now = _perf_counter()
            delay = sched.run_delay()
            with self._cond:
                self._wake(start, now, delay - self._run_delay, nap)
                self._run_delay = delay
                self._last_wake = now

    def _wake(
        self, start: float, now: float, os_delay: float = 0.0, nap: float | None = None
    ) -> None:
        """Account one cycle ``[start, now]`` (a sleep of ``nap``) with ``os_delay`` of CPU wait.

        The cycle is GIL-held when it ran late by more than the threshold beyond
        what the OS scheduler explains. Its whole length is then shared among
        the slots by how busy each thread was in it (lock held).
        """
        self.wakeups += 1
        slots = self._slots
        if not slots:
            return
        nap = self.interval if nap is None else nap
        late = now - start - os_delay > nap + self.threshold
        used: list[tuple[_Slot, float | None]] = []
        total = 0.0
        pread = self._pread
        for key, slot in list(slots.items()):
            try:
                busy = slot.read_busy(pread)
            except OSError:  # its thread is gone without unregistering
                del slots[key]
                continue
            delta = None
            if busy is not None:
                delta = max(0.0, busy - slot.busy)
                slot.busy = busy
                total += delta
            used.append((slot, delta))
        if late:
            self.late += 1
            attributed = False
            for slot, delta in used:
                period = now - max(start, slot.mark)
                if delta is None:  # no per-thread clock: equal shares
                    slot.held += period / len(used)
                    attributed = True
                elif total > 0 and delta > 0:
                    slot.held += period * delta / total
                    attributed = True
            if not attributed:
                self.unattributed += now - start
        for slot, _ in used:
            slot.mark = now


_monitor: GilMonitor | None = None
_monitor_lock = threading.Lock()


def get_monitor(interval: float = DEFAULT_INTERVAL, threshold: float | None = None) -> GilMonitor:
    """This process's monitor, created on first use (its thread starts on first register)."""
    global _monitor
    monitor = _monitor
    if monitor is None:
        with _monitor_lock:
            if _monitor is None:
                _monitor = GilMonitor(interval, threshold)
            monitor = _monitor
    return monitor


def monitor_stats() -> dict[str, Any]:
    """Diagnostics of this process's monitor (empty when none was started)."""
    monitor = _monitor
    if monitor is None:
        return {}
    return {
        "interval": monitor.interval,
        "max_interval": monitor.max_interval,
        "threshold": monitor.threshold,
        "wakeups": monitor.wakeups,
        "late": monitor.late,
        "unattributed": monitor.unattributed,
    }


def _after_fork_in_child() -> None:
    # Threads do not survive fork and the lock may have been held: start afresh.
    global _monitor, _monitor_lock
    _monitor = None
    _monitor_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
