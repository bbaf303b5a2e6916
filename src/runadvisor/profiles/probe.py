"""The task probe: what the profiler measures inside the worker that runs a node.

The runner calls ``before()`` right before a node's inputs load and
``after(state, outputs)`` right after its outputs are produced, in the thread
or process that runs the node, and hands the returned dict back to the parent
as ``NodeEvent.extras``: one key, :data:`READING`, whose value is a plain tuple
of :data:`FIELDS` (cheap to build and to pickle back from a worker process;
:func:`unpack` names them). The probe is a small picklable object; its
per-process state (open /proc files, the GIL monitor, the count of nodes in
flight) lives in module globals that are rebuilt after a fork.

Memory: RSS at ``before`` (from ``/proc/self/statm``, ~1 us). When
the node is the only one running in its process for its whole span
(sequential runs, process workers) the kernel's peak RSS (``VmHWM``) is reset
at ``before`` (``/proc/self/clear_refs``, ~0.5 us) and read at ``after``, which
gives the exact peak however briefly it lasted. (When the mark the thread's
previous node left is still within ``_MAXRSS_SLACK``, 4 MB, of RSS it is kept:
the peak read is then the node's give or take that.) That reset also resets the
process's ``ru_maxrss``; pass ``reset_peak=False`` to the profiler to avoid it.
With concurrent nodes in one process the probe reads RSS at ``after`` too and
the parent's sampler supplies the peak.

The peak is read with ``getrusage`` (~1 us) when its mark was reset along with
VmHWM, else from ``/proc/self/status`` (~5 us).

CPU wait: the node thread's run-queue wait (``/proc/.../schedstat``), i.e. how
long it was ready to run but had no CPU: the part of ``noncpu`` that comes from
an oversubscribed machine rather than I/O, sleep or the GIL. The same reading
gives the GIL monitor the thread's busy time (see profiles/gil.py). A node
starting right after another on its thread begins from that node's closing
reading, so a chain of nodes costs one schedstat read per node.

/proc is read with plain ``os.pread`` while the node is alone in its process
and without releasing the GIL (ctypes) while other nodes run beside it.

Light nodes: a long chain of tiny nodes (a few microseconds each) would spend
more time in these readings than in the nodes. So a node alone in its process
whose thread's last full reading (schedstat, the kernel's mark) is under
``_STALE`` (1 ms) old, with only that thread's nodes run in the process since,
starts *light*: it still reads RSS (so that memory freed in between, such as a
dataset released by the scheduler, is seen), keeps the kernel's mark when that
reading was within the slack of RSS now, and takes its schedstat baseline from
the full reading. If it then ends within ``_LIGHT_NODE`` (0.2 ms), still alone,
it reads nothing more: its ``cpu_wait`` and ``gil_held`` are None (not measured;
far below what the GIL monitor can resolve, and the advisor takes an unknown
GIL share as the CPU time, which is what Python code holds) and its peak is
left to the sampler (else RSS at its start). The first node to start after the
reading is ``_STALE`` old is read in full at both ends, so every thread running
such a chain is measured in full about once a millisecond. A node that starts
light and runs longer is read at its end as any other; its CPU wait and memory
rise can then include what the nodes of the millisecond before it did (their
run-queue waits, under 1 ms in all; memory they touched, a few MB at most).

Cost: per node alone in its process ~3 system calls of ~1 us (light nodes: 1)
and a few microseconds of Python (before + after, GIL monitor included), plus
pickling when output sizes are asked for.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from runadvisor.profiles import gil as _gil
from runadvisor.profiles._procfs import thread_reader
from runadvisor.profiles.node_threads import node_thread

# The key this probe puts into NodeEvent.extras (extras of all probes share a dict),
# and the fields of the tuple stored under it, in order.
READING = "profile"
FIELDS = ("rss_start", "rss_end", "peak_rss", "gil_held", "cpu_wait", "out_bytes", "probe_error")


def unpack(extras: dict[str, Any] | None) -> dict[str, Any]:
    """This probe's reading in ``extras`` as a dict of :data:`FIELDS` (empty if absent)."""
    reading = (extras or {}).get(READING)
    return {} if reading is None else dict(zip(FIELDS, reading))


try:
    from resource import RUSAGE_SELF as _RUSAGE_SELF
    from resource import getrusage as _getrusage
except ImportError:  # pragma: no cover - Windows
    _getrusage = None  # type: ignore[assignment]

# getrusage's peak may keep a mark that clear_refs did not reset (some kernels
# fold exited threads' peaks into it): trust it only if it is this close to RSS
# right after the reset.
_MAXRSS_SLACK = 4 * 2**20
# A node starting within this long of the previous node's end on the same thread
# begins from that node's schedstat reading instead of reading again.
_REUSE_SCHED = 0.0002
# Light nodes (see TaskProbe): a node that starts within _STALE of its thread's
# last full reading, with only that thread's nodes run in the process since,
# keeps that reading's baselines; if it ends within _LIGHT_NODE, alone, it reads
# nothing at its end.
_STALE = 0.001
_LIGHT_NODE = 0.0002
_LIGHT = "light"  # before()'s ``reset`` for a light start (truthy: the mark counts for the node)

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_perf_counter = time.perf_counter


_pread = os.pread


def _os_read(fd: int) -> bytes:
    return _pread(fd, 8192, 0)


class _ProcessState:
    """Per-process bookkeeping: open /proc files and the nodes in flight here.

    ``running`` holds one entry per node running in this process and
    ``ticks`` counts every node start and end, both without a lock: a list's
    ``append``/``pop`` and ``next()`` on a counter are single atomic steps. A
    node was alone for its whole span when it was the only entry at its start
    and nobody ticked between its start and its end.
    """

    def __init__(self) -> None:
        self.running: list[None] = []
        self.ticks = itertools.count()
        self.statm = _open("/proc/self/statm", os.O_RDONLY)
        self.status = _open("/proc/self/status", os.O_RDONLY)
        self.clear_refs = _open("/proc/self/clear_refs", os.O_WRONLY)
        self.high: tuple[int, int] | None = None  # (peak, tick) at the last node's end, alone
        self._psutil: Any = None

    def rss(self, read: Callable[[int], bytes] = _os_read) -> int | None:
        """Resident set size in bytes."""
        if self.statm is not None:
            try:
                return int(read(self.statm).split()[1]) * _PAGE
            except (OSError, ValueError, IndexError):
                pass
        try:
            if self._psutil is None:
                import psutil

                self._psutil = psutil.Process()
            return int(self._psutil.memory_info().rss)
        except Exception:
            return None

    def reset_peak(self) -> bool:
        """Reset the kernel's peak-RSS mark (Linux); False where that is not possible."""
        if self.clear_refs is None:
            return False
        try:
            os.write(self.clear_refs, b"5")
            return True
        except OSError:
            os.close(self.clear_refs)
            self.clear_refs = None
            return False

    def peak_and_rss(
        self, read: Callable[[int], bytes] = _os_read
    ) -> tuple[int | None, int | None]:
        """(VmHWM, VmRSS) in bytes from /proc/self/status."""
        if self.status is None:
            return None, self.rss()
        try:
            text = read(self.status)
            return _kb_field(text, b"VmHWM:"), _kb_field(text, b"VmRSS:")
        except (OSError, ValueError):
            return None, self.rss()


def _kb_field(text: bytes, key: bytes) -> int | None:
    at = text.find(key)
    if at < 0:
        return None
    end = text.index(b"kB", at)
    return int(text[at + len(key) : end]) * 1024


def _open(path: str, flags: int) -> int | None:
    try:
        return os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None


_state: _ProcessState | None = None
_state_lock = threading.Lock()


def _process_state() -> _ProcessState:
    global _state
    state = _state
    if state is None:
        with _state_lock:
            if _state is None:
                _state = _ProcessState()
            state = _state
    return state


def _after_fork_in_child() -> None:
    # The child must not read its parent's /proc files nor count its parent's nodes.
    global _state, _state_lock
    old, _state = _state, None
    _state_lock = threading.Lock()
    if old is not None:
        for fd in (old.statm, old.status, old.clear_refs):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def pickled_size(obj: Any) -> int | None:
    """Bytes ``obj`` takes as it would travel to another process (pickle protocol 5,
    out-of-band buffers counted without copying); None if it does not pickle."""
    from runadvisor.runners.transfer import sizes

    try:
        stream, buffers = sizes(obj)
    except Exception:
        return None
    return stream + buffers


class TaskProbe:
    """Measures one node in its worker; picklable, cheap, and never raises.

    ``before()`` returns a small tuple; ``after()`` returns ``{READING: tuple}``
    (see :data:`FIELDS`; a field is None where it was not measured, as for the
    light nodes of the module's docstring).
    """

    def __init__(
        self,
        *,
        gil: bool = True,
        measure_output_bytes: bool = False,
        reset_peak: bool = True,
        gil_interval: float = _gil.DEFAULT_INTERVAL,
        gil_threshold: float | None = None,
    ) -> None:
        self.gil = gil
        self.measure_output_bytes = measure_output_bytes
        self.reset_peak = reset_peak
        self.gil_interval = gil_interval
        self.gil_threshold = gil_threshold

    def before(self) -> Any:
        """Mark the node's start in this process: count it in flight, reset peak, note RSS."""
        proc = None
        try:
            now = _perf_counter()
            proc = _state or _process_state()
            running = proc.running
            running.append(None)
            tick = next(proc.ticks)
            thread = node_thread()
            if len(running) == 1:
                # Alone in this process: plain os.pread is cheapest (the common
                # path, written out: every call here is paid once per node).
                read = _os_read
                statm = proc.statm
                rss = proc.rss() if statm is None else int(_pread(statm, 128, 0).split()[1]) * _PAGE
                if (
                    thread.chain == tick - 1
                    and now <= thread.fresh_until
                    and rss is not None
                    and thread.seen - rss <= _MAXRSS_SLACK
                ):
                    # A light start (see the module's docstring): only this
                    # thread's nodes ran here since its last full reading, under
                    # _STALE ago, and the kernel's mark then was within the slack
                    # of RSS now: keep the mark, begin from that reading.
                    monitor = held = None
                    if self.gil and (_is_gil_enabled is None or _is_gil_enabled()):
                        monitor = _gil._monitor or self._monitor()
                        held = monitor.begin(thread, now)
                    return (proc, tick, _LIGHT, rss, thread, thread.last, monitor, held, now)
                reset = self.reset_peak and proc.reset_peak()
            else:
                # Other nodes run here: read without releasing the GIL (getting it
                # back from a Python-bound neighbour can take a whole switch interval).
                read = thread_reader()
                reset = False
                rss = proc.rss(read)
                thread.chain = -2
            # Right after the previous node on this thread, its closing reading
            # is this node's opening one: what ran in between (the scheduler, a
            # few microseconds) is counted in, the system call is saved.
            sched = thread.last
            if sched is None or now - thread.last_at > _REUSE_SCHED:
                sched = thread.read_sched(read)
            # Begin with the GIL monitor last and end with it after the last read:
            # a read that releases the GIL lets a waiting monitor account its late
            # cycle while this node still counts as running.
            monitor = held = None
            if self.gil and (_is_gil_enabled is None or _is_gil_enabled()):
                monitor = _gil._monitor or self._monitor()
                if sched is not None:
                    thread.busy = sched[0] + sched[1]
                else:
                    thread.busy = thread.read_busy(read) or 0
                held = monitor.begin(thread, now)
            return (proc, tick, reset, rss, thread, sched, monitor, held, now)
        except Exception as exc:  # a probe must never break a run
            if proc is not None and proc.running:  # after() will not undo the count
                proc.running.pop()
            return exc

    def _monitor(self) -> _gil.GilMonitor:
        return _gil.get_monitor(self.gil_interval, self.gil_threshold)

    def after(self, state: Any, outputs: dict[str, Any] | None) -> dict[str, Any]:
        """Read what happened since ``before``: GIL held, CPU wait, RSS and peak, output sizes."""
        if type(state) is not tuple:
            return {READING: _failed(state)}
        try:
            proc, tick, reset, rss_start, thread, sched0, monitor, held0, t0 = state
            running = proc.running
            running.pop()
            end_tick = next(proc.ticks) if reset else -1
            alone = end_tick == tick + 1
            if reset is _LIGHT and alone:
                now = _perf_counter()
                if now - t0 < _LIGHT_NODE:
                    # A light node: nothing more to read (see the module's docstring).
                    thread.chain = end_tick
                    if monitor is not None:
                        monitor.leave(thread, now)
                        held = None  # far too short for the monitor to tell
                    else:
                        held = 0.0 if self.gil else None  # no GIL here: nothing to hold
                    sizes = None
                    if self.measure_output_bytes and outputs is not None:
                        sizes = {name: pickled_size(value) for name, value in outputs.items()}
                    return {READING: (rss_start, None, None, held, None, sizes, None)}
            read = thread_reader() if running else _os_read
            cpu_wait = sched = None
            if sched0 is not None:
                sched = thread.read_sched(read)
                if sched is not None:
                    waited = sched[1] - sched0[1]
                    cpu_wait = waited / 1e9 if waited > 0 else 0.0
            now = _perf_counter()
            thread.last = sched
            thread.last_at = now
            held = None
            if monitor is not None:
                busy = None if sched is None else sched[0] + sched[1]
                held = monitor.end(thread, now, busy) - held0
                if held > now - t0:
                    held = now - t0
            elif self.gil:
                held = 0.0  # no GIL in this interpreter: nothing to hold
            rss_end = peak = None
            if alone:
                # Alone for the whole span: the kernel's mark is the node's peak.
                # getrusage (~1 us) is max(that, what exited threads left); near
                # the start it is the peak within _MAXRSS_SLACK, above it the
                # exact VmHWM comes from /proc/self/status (~5 us).
                if _getrusage is not None and rss_start is not None:
                    peak = _getrusage(_RUSAGE_SELF).ru_maxrss * 1024
                    if peak - rss_start > _MAXRSS_SLACK:
                        peak, rss_end = proc.peak_and_rss(read)
                else:
                    peak, rss_end = proc.peak_and_rss(read)
            else:
                rss_end = proc.rss(read)
            if peak is not None:
                # A full reading, alone: the next nodes on this thread may start from it.
                thread.chain = end_tick
                thread.seen = peak
                thread.fresh_until = now + _STALE
            else:
                thread.chain = -2
            sizes = None
            if self.measure_output_bytes and outputs is not None:
                sizes = {name: pickled_size(value) for name, value in outputs.items()}
            return {READING: (rss_start, rss_end, peak, held, cpu_wait, sizes, None)}
        except Exception as exc:  # a probe must never break a run
            return {READING: _failed(exc)}

    def __repr__(self) -> str:
        return (
            f"TaskProbe(gil={self.gil}, measure_output_bytes={self.measure_output_bytes}, "
            f"reset_peak={self.reset_peak})"
        )


def _failed(exc: BaseException) -> tuple[Any, ...]:
    return (None, None, None, None, None, None, f"{type(exc).__name__}: {exc}")


_is_gil_enabled = getattr(sys, "_is_gil_enabled", None)  # None: this Python always has a GIL
