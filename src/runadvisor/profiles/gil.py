"""Estimate how long each running node held the GIL, from a sleeping thread's wake-up lag.

One daemon monitor thread per process loops ``sleep(interval)``. Sleeping
releases the GIL; waking up needs it back. If another thread holds the GIL and
runs Python, the monitor waits for the interpreter's switch interval (5 ms by
default) before it gets the GIL, so its wake-up comes late. A cycle that ends
more than ``threshold`` late is counted as "GIL held" for its whole length (the
holder held it while the monitor slept too); a cycle on time counts as free.
This is the idea behind gilknocker. Measured on a 2-core machine (interval
2 ms, threshold 1 ms): a pure-Python loop reads 0.99-1.00 of its wall time,
``time.sleep``, ``zlib.compress``/``hashlib.sha256`` on 32 MB buffers and numpy
matmul read 0.00-0.05, also with two CPU-burning processes alongside.

Attribution: a node registers a *slot* (its thread) while it runs. At a late
wake-up the held time is shared among the registered slots in proportion to
the CPU time each thread used during that cycle (read from the thread's CPU
clock), so a sleeping node next to a pure-Python one under ThreadRunner gets
~0 and the Python one ~all. Where per-thread CPU clocks are missing (macOS) the
share is equal. Held time with no registered thread on the CPU (the scheduler,
the profiler's own sampler) is counted as unattributed.

The monitor sleeps on a condition while no slot is registered, so it costs
nothing between runs; while nodes run it costs one short wake-up per interval
(< 1% of a core for GIL-free work, one forced GIL switch per ~7 ms for
Python-bound work; no measurable slowdown of a pure-Python loop).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

DEFAULT_INTERVAL = 0.002

_perf_counter = time.perf_counter
_cpu_clock_of = getattr(time, "pthread_getcpuclockid", None)


def default_threshold() -> float:
    """Lateness that means "the GIL was held": 1 ms, or half the switch interval if smaller."""
    return min(0.001, sys.getswitchinterval() / 2)


class _Slot:
    """One node running in one thread of this process."""

    __slots__ = ("clock", "cpu", "held", "mark")

    def __init__(self, now: float) -> None:
        self.clock: int | None = None
        self.cpu = 0.0
        self.held = 0.0
        self.mark = now  # start of the part of the current cycle this slot was present for
        if _cpu_clock_of is not None:
            try:
                self.clock = _cpu_clock_of(threading.get_ident())
                self.cpu = time.clock_gettime(self.clock)
            except (OSError, AttributeError):  # pragma: no cover - platform without it
                self.clock = None

    def read_cpu(self) -> float | None:
        """This thread's CPU seconds now, or None without a per-thread clock."""
        if self.clock is None:
            return None
        return time.clock_gettime(self.clock)


class GilMonitor:
    """The per-process wake-up-lag monitor; use :func:`get_monitor`, not this directly."""

    def __init__(self, interval: float = DEFAULT_INTERVAL, threshold: float | None = None) -> None:
        self.interval = interval
        self.threshold = default_threshold() if threshold is None else threshold
        self._cond = threading.Condition(threading.Lock())
        self._slots: dict[int, _Slot] = {}
        self._last_wake = _perf_counter()
        self._thread: threading.Thread | None = None
        # diagnostics
        self.wakeups = 0
        self.late = 0
        self.unattributed = 0.0

    def register(self) -> _Slot:
        """Start measuring the calling thread (call in the thread that runs the node)."""
        now = _perf_counter()
        slot = _Slot(now)
        with self._cond:
            if not self._slots:
                # The monitor was idle (or about to idle): its next cycle starts now.
                self._last_wake = now
                self._cond.notify()
            self._slots[id(slot)] = slot
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="runadvisor-gil-monitor", daemon=True
                )
                self._thread.start()
        return slot

    def unregister(self, slot: _Slot) -> float:
        """Stop measuring ``slot``; returns the seconds of GIL holding attributed to it.

        If the monitor is overdue right now, the current (unfinished) cycle is
        counted as held too: a node shorter than the switch interval that runs
        Python keeps the monitor from waking at all.
        """
        now = _perf_counter()
        with self._cond:
            self._slots.pop(id(slot), None)
            last = self._last_wake
            if now - last > self.interval + self.threshold:
                share = self._share_of(slot)
                if share:
                    slot.held += (now - max(last, slot.mark)) * share
        return slot.held

    def _share_of(self, slot: _Slot) -> float:
        """``slot``'s share of this cycle's CPU among all slots (without moving baselines)."""
        mine = slot.read_cpu()
        if mine is None:
            return 1.0 / (len(self._slots) + 1)
        mine = max(0.0, mine - slot.cpu)
        total = mine
        for other in self._slots.values():
            try:
                cpu = other.read_cpu()
            except OSError:
                continue
            if cpu is not None:
                total += max(0.0, cpu - other.cpu)
        return mine / total if total > 0 else 0.0

    def _run(self) -> None:
        sleep = time.sleep
        while True:
            with self._cond:
                while not self._slots:
                    self._cond.wait()
                start = self._last_wake
            sleep(self.interval)
            now = _perf_counter()
            with self._cond:
                self._wake(start, now)
                self._last_wake = now

    def _wake(self, start: float, now: float) -> None:
        """Account one cycle ``[start, now]`` (lock held)."""
        self.wakeups += 1
        slots = self._slots
        if not slots:
            return
        late = now - start > self.interval + self.threshold
        used: list[tuple[_Slot, float]] = []
        total = 0.0
        equal = False
        for key, slot in list(slots.items()):
            try:
                cpu = slot.read_cpu()
            except OSError:  # its thread is gone without unregistering
                del slots[key]
                continue
            if cpu is None:
                equal = True
                delta = 1.0
            else:
                delta = max(0.0, cpu - slot.cpu)
                slot.cpu = cpu
            used.append((slot, delta))
            total += delta
        if late:
            self.late += 1
            if total > 0:
                for slot, delta in used:
                    if delta or equal:
                        slot.held += (now - max(start, slot.mark)) * (delta / total)
            else:
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
