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
on a busy machine this can exceed ``cpu``). Each thread that runs nodes has one
:class:`NodeThread`; while a node runs, its thread is *active*. At a late
wake-up the cycle's length is added to the active threads' ``held`` counters in
proportion to how busy each thread was in the cycle (CPU time plus run-queue
wait from its ``schedstat``, else CPU time from its CPU clock); a node's figure
is its thread's counter at the end less the counter at the start. A sleeping
node next to a pure-Python one under ThreadRunner gets ~0 and the Python one
~all. Limitation: a GIL-free C node (hashing, numpy) running next to a Python
node on another thread also gets a share, since both use CPU in those cycles;
the sum over the two stays right. Where per-thread clocks are missing (macOS)
the share is equal. A late cycle with no active thread on the CPU (the GIL was
held by the scheduler or the profiler's sampler) is counted as unattributed.

Cost per node: starting and ending a node are a few attribute writes and a set
insertion, without a lock (the GIL orders them); only the first node after the
monitor parked takes its lock to wake it. The monitor parks on a condition once
no node has run for ``IDLE_AFTER`` seconds, so it costs nothing between runs.
While nodes run it sleeps 2 ms at first and as long as the busy period's age
after that (up to 100 ms): a node of a few milliseconds still gets a cycle or
two, a Python-bound one of 0.15 s about four and one of 1 s about thirteen,
instead of 30 and 110 at ``age / 10`` up to 10 ms (and 10 and 25 at ``age / 2``
up to 50 ms). Each wake-up costs a Python-bound node a forced GIL hand-off
(the node thread sleeps until the monitor has taken the GIL and again until
it gets it back; and a preemption when every core is busy): on this 2-core VM
a few hundred microseconds, which made the monitor most of the profiler's
cost on CPU-bound work. Each late cycle counts for its whole length, so the
longer cycles of a long node weigh as much as the many short ones at its start.
After 32 nodes in a row shorter than the threshold (a chain of small steps,
whose GIL no cycle can resolve one by one) it sleeps the longest while such a
node runs.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from runadvisor.machine import register_background
from runadvisor.profiles._procfs import open_ro, thread_reader
from runadvisor.profiles.node_threads import NodeThread

DEFAULT_INTERVAL = 0.002
DEFAULT_MAX_INTERVAL = 0.1  # sleep grows to this as the running nodes age
GROWTH = 1.0  # sleep = age of the busy period * GROWTH, within [interval, max_interval]
TINY_RUN = 32  # after this many nodes in a row shorter than the threshold, sleep the longest
IDLE_AFTER = 0.1  # park the monitor after this long without a node
_RECHECK = 0.0005  # an overdue monitor found waiting for a CPU is looked at again after this

_perf_counter = time.perf_counter


class _MonitorSched:
    """The monitor thread's scheduler counters from procfs (Linux), to tell OS delay from GIL wait.

    On a busy machine a sleeping thread also wakes late because no CPU is free;
    that wait is "run delay" in ``/proc/.../schedstat``, while waiting for the
    GIL is not (the thread sleeps on a condition variable). Subtracting it
    keeps GIL-free nodes near 0 even with every core taken. The file's third
    field counts the times the thread got a CPU: if it has not grown since the
    monitor's last look, the monitor has not run since, so it cannot be the
    GIL that keeps it (still asleep, or waiting for a CPU).
    """

    def __init__(self, tid: int) -> None:
        self.schedstat = open_ro(f"/proc/self/task/{tid}/schedstat")

    def read(self, pread: Callable[[int], bytes]) -> tuple[int, int] | None:
        """(run-queue wait ns, times run) so far; None where unknown.

        ``pread`` is the calling thread's reader (readers own their buffers).
        """
        if self.schedstat is None:
            return None
        try:
            fields = pread(self.schedstat).split()
            return int(fields[1]), int(fields[2])
        except (OSError, ValueError, IndexError):
            self.schedstat = None
            return None


def default_threshold() -> float:
    """Lateness that means "the GIL was held": 1 ms, or half the switch interval if smaller."""
    return min(0.001, sys.getswitchinterval() / 2)


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
        self.threshold = default_threshold() if threshold is None else threshold
        self.active: set[NodeThread] = set()  # threads running a node now
        self.sleep = interval  # the current cycle's sleep
        self.last_wake = _perf_counter()
        self.busy_since = self.last_wake  # when the active set last went from empty to not
        self.last_active = self.last_wake  # when a node last ended
        self.idle = True  # not started yet, or parked on the condition: begin() wakes it
        self._cut = False  # set with a notify to end the monitor's nap early
        self.tiny = 0  # nodes in a row that ended within the threshold of the busy period's start
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._quit = False  # set to end the thread (before a fork)
        self._token: int | None = None  # registration with runadvisor.machine
        self._sched: _MonitorSched | None = None  # set by the monitor thread
        self._counters: tuple[int, int] | None = None  # its schedstat at its last wake-up
        self._verdict = (-1.0, False, -1.0)  # (cycle's last_wake, waits for the GIL, when looked)
        # diagnostics
        self.wakeups = 0
        self.late = 0
        self.unattributed = 0.0

    # called by the probe, in the node's thread ---------------------------------
    def begin(self, thread: NodeThread, now: float) -> float:
        """``thread`` starts a node at ``now``; returns its held counter to subtract at the end.

        The caller has set ``thread.busy`` (CPU + run-queue ns) from a reading
        just taken. No lock: the GIL orders these few operations, and only the
        first node after the monitor parked takes the lock to wake it.
        """
        thread.mark = now
        thread.recent = None
        active = self.active
        if not active:
            self.busy_since = now
        active.add(thread)
        if self.idle:
            self._wake_up(now)
        return thread.held

    def end(self, thread: NodeThread, now: float, busy: int | None) -> float:
        """``thread``'s node ended at ``now``; returns its held counter, pending part included.

        ``busy`` is the thread's CPU + run-queue ns read just now (None:
        unknown). If the monitor is overdue (a node shorter than a cycle that
        runs Python keeps it from waking at all) and not waiting for a CPU, the
        unfinished cycle counts as held too, shared with the other active threads.
        """
        self.active.discard(thread)
        self.last_active = now
        self.tiny = self.tiny + 1 if now - self.busy_since < self.threshold else 0
        last = self.last_wake
        if now - last > self.sleep + self.threshold and self._waits_for_the_gil(now, last):
            self._settle(thread, now, last, busy)
        elif thread.recent:
            # Ended mid-nap: the stretch since the monitor last looked is
            # unknown; count it as the last look found this thread (a long
            # Python node would otherwise lose up to a whole nap at its end).
            thread.held += (now - max(last, thread.mark)) * thread.recent
        if (
            not self.active
            and self.sleep > 2 * self.interval
            and now - self.busy_since > self.sleep
        ):
            # A long node ended and nothing else runs: the monitor is in a long
            # nap that would leave the next nodes unwatched. Cut it short: a new
            # cycle starts now with no nap, so the monitor is due at once (and
            # overdue for a node that holds the GIL until it gets it).
            with self._cond:
                self._cut = True
                self.busy_since = self.last_wake = now
                self.sleep = 0.0
                self._cond.notify()
        return thread.held

    def leave(self, thread: NodeThread, now: float) -> None:
        """``thread``'s node ended at ``now``, too short to be resolved: end it unaccounted.

        For the probe's light nodes (a fraction of a millisecond, far below
        the threshold): whether one held the GIL is not measured (the probe
        reports None), so none of :meth:`end`'s accounting is done.
        """
        self.active.discard(thread)
        self.last_active = now
        self.tiny = self.tiny + 1 if now - self.busy_since < self.threshold else 0

    def _wake_up(self, now: float) -> None:
        """Start the monitor thread, or wake it from its parking; its next cycle starts now."""
        with self._cond:
            if not self.idle:
                return
            self.idle = False
            self.last_wake = now
            if self._thread is None:
                self._quit = False
                self._thread = threading.Thread(
                    target=self._run, name="runadvisor-gil-monitor", daemon=True
                )
                self._thread.start()
                if self._token is None:  # a process pool about to fork stops it first
                    self._token = register_background(self._pause, _nothing, self._threads)
            else:
                self._cond.notify()

    def _pause(self) -> None:
        """End the monitor thread (around a fork); the next node to begin restarts it."""
        with self._cond:
            thread = self._thread
            self._quit = True
            self._cut = True
            self._cond.notify_all()
        if thread is not None:
            thread.join()
        with self._cond:
            if self._thread is thread:
                self._thread = None
                self.idle = True

    def _threads(self) -> list[threading.Thread]:
        thread = self._thread
        return [thread] if thread is not None else []

    def _waits_for_the_gil(self, now: float, last: float) -> bool:
        """Whether the overdue monitor waits for the GIL rather than for a CPU.

        It does when it has run since its last wake-up (so its nap is over) and
        is late by more than the threshold beyond its run-queue wait. A yes
        holds until the monitor's next wake-up (it cannot stop waiting for the
        GIL without getting it), so the nodes ending meanwhile do not read
        procfs again; a no is looked at again after ``_RECHECK`` seconds.
        """
        cycle, verdict, looked = self._verdict
        if cycle == last and (verdict or now - looked < _RECHECK):
            return verdict
        sched, counters = self._sched, self._counters
        current = None if sched is None else sched.read(thread_reader())
        if current is None or counters is None:
            verdict = True  # no counters here (or not started yet): lateness is all we know
        elif current[1] == counters[1]:
            verdict = False  # has not run since: still waiting for a CPU
        else:
            delay = (current[0] - counters[0]) / 1e9
            verdict = now - last - delay > self.sleep + self.threshold
        self._verdict = (last, verdict, now)
        return verdict

    def _settle(self, ending: NodeThread, now: float, last: float, busy: int | None) -> None:
        """Count the unfinished late cycle up to ``now``, as the monitor will count its rest.

        Shared like a whole cycle (see :meth:`_account`) among ``ending`` and the
        threads still active, whose marks then move to ``now``: the monitor's
        next wake-up, or the next node that ends overdue, counts only what
        follows, so no stretch is counted twice.
        """
        pread = None
        if busy is None:
            pread = thread_reader()
            busy = ending.read_busy(pread)
        others = list(self.active)
        if not others:  # the common case: no other node runs in this process
            ending.recent = 1.0 if busy is None or busy > ending.busy else 0.0
            ending.held += (now - max(last, ending.mark)) * ending.recent
            if busy is not None:
                ending.busy = busy
            ending.mark = now
            return
        pread = pread or thread_reader()
        used = [(ending, busy)] + [(other, other.read_busy(pread)) for other in others]
        self._share(used, last, now)

    def _share(self, used: list[tuple[NodeThread, int | None]], start: float, now: float) -> bool:
        """Add a late stretch ``[start, now]`` to the threads in ``used`` (thread, busy now).

        Each gets the part of the stretch since its mark, weighted by how busy
        it was since its last look (equal parts where no clock tells); marks
        and baselines move to ``now``. False when nobody was busy in it.
        """
        deltas = []
        total = 0
        for thread, busy in used:
            delta = None
            if busy is not None:
                delta = busy - thread.busy if busy > thread.busy else 0
                thread.busy = busy
                total += delta
            deltas.append(delta)
        attributed = False
        for (thread, _), delta in zip(used, deltas):
            share = 1 / len(used)  # no per-thread clock: equal shares
            if delta is not None:
                share = delta / total if total > 0 else 0.0
            thread.held += (now - max(start, thread.mark)) * share
            thread.recent = share
            attributed = attributed or share > 0
            thread.mark = now
        return attributed

    # the monitor thread ----------------------------------------------------------
    def _run(self) -> None:
        pread = thread_reader()
        sched = _MonitorSched(threading.get_native_id())
        counters = self._counters = sched.read(pread)
        self._sched = sched
        cond = self._cond
        with cond:
            # Our own start-up (thread, ctypes) held the GIL, not a node: start afresh.
            self.last_wake = _perf_counter()
        while True:
            if not self.active and _perf_counter() - self.last_active > IDLE_AFTER:
                with cond:
                    # Park until a node begins. Not at every gap between nodes:
                    # waking a parked thread per node would cost a GIL hand-off each.
                    # A node that began after the check above finds `idle` set and
                    # wakes us, or we see it here.
                    self.idle = True
                    while self.idle and not self.active and not self._quit:
                        cond.wait()
                    if self._quit:
                        return
                    if self.idle:
                        self.idle = False
                        self.last_wake = _perf_counter()
                counters = self._counters = sched.read(pread)
            start = self.last_wake
            # Short cycles while nodes are young, longer ones for long nodes:
            # each wake-up preempts a worker when every core is busy.
            age = start - self.busy_since
            if self.tiny >= TINY_RUN and age < self.threshold:
                # A run of nodes too short for any cycle to resolve (a long
                # chain of small steps): looking often would cost them a GIL
                # hand-off every 2 ms and tell nothing about each of them.
                nap = self.max_interval
            else:
                nap = min(self.max_interval, max(self.interval, age * GROWTH))
            self.sleep = nap
            with cond:
                if self._quit:
                    return
                notified = cond.wait(nap)
                if self._quit:
                    return
                if notified and self._cut:
                    # A long node ended and nothing else runs: end() made the
                    # cycle start then with no nap (see end()).
                    start, nap = self.last_wake, 0.0
                self._cut = False
            now = _perf_counter()
            previous, counters = counters, sched.read(pread)
            delay = 0.0
            if previous is not None and counters is not None:
                delay = (counters[0] - previous[0]) / 1e9
            self._account(start, now, delay, nap, pread)
            self.last_wake = now
            self._counters = counters

    def _account(
        self,
        start: float,
        now: float,
        os_delay: float = 0.0,
        nap: float | None = None,
        pread: Callable[[int], bytes] | None = None,
    ) -> None:
        """Account one cycle ``[start, now]`` (a sleep of ``nap``) with ``os_delay`` of CPU wait.

        The cycle is GIL-held when it ran late by more than the threshold beyond
        what the OS scheduler explains. Its length is then shared among the
        active threads by how busy each was in it. Runs with the GIL held and
        without blocking, so no node begins or ends half-way through.
        """
        self.wakeups += 1
        threads = list(self.active)
        if not threads:
            return
        pread = pread or thread_reader()
        nap = self.interval if nap is None else nap
        used = [(thread, thread.read_busy(pread)) for thread in threads]
        if now - start - os_delay > nap + self.threshold:
            self.late += 1
            if not self._share(used, start, now):
                self.unattributed += now - start
            return
        for thread, busy in used:  # on time: nobody held the GIL at this look
            if busy is not None:
                thread.busy = busy
            thread.recent = 0.0
            thread.mark = now


_monitor: GilMonitor | None = None
_monitor_lock = threading.Lock()


def get_monitor(interval: float = DEFAULT_INTERVAL, threshold: float | None = None) -> GilMonitor:
    """This process's monitor, created on first use (its thread starts with the first node)."""
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


def _nothing() -> None:
    return None


def _after_fork_in_child() -> None:
    # Threads do not survive fork and the lock may have been held: start afresh.
    global _monitor, _monitor_lock
    _monitor = None
    _monitor_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
