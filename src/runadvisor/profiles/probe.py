"""The task probe: what the profiler measures inside the worker that runs a node.

The runner calls ``before()`` right before a node's inputs load and
``after(state, outputs)`` right after its outputs are produced, in the thread
or process that runs the node, and hands the returned dict back to the parent
as ``NodeEvent.extras``. The probe is a small picklable object; its per-process
state (open /proc files, the GIL monitor, the count of nodes in flight) lives
in module globals that are rebuilt after a fork.

Memory: RSS at ``before`` (from ``/proc/self/statm``, ~1 us). When
the node is the only one running in its process for its whole span
(sequential runs, process workers) the kernel's peak RSS (``VmHWM``) is reset
at ``before`` (``/proc/self/clear_refs``, ~0.5 us) and read at ``after``, which
gives the exact peak however briefly it lasted. That reset also resets the
process's ``ru_maxrss``; pass ``reset_peak=False`` to the profiler to avoid it.
With concurrent nodes in one process the probe reads RSS at ``after`` too and
the parent's sampler supplies the peak.

The peak is read with ``getrusage`` (~1 us) when its mark was reset along with
VmHWM, else from ``/proc/self/status`` (~8 us).

CPU wait: the node thread's run-queue wait (``/proc/.../schedstat``), i.e. how
long it was ready to run but had no CPU: the part of ``noncpu`` that comes from
an oversubscribed machine rather than I/O, sleep or the GIL.

/proc is read with plain ``os.pread`` while the node is alone in its process
and without releasing the GIL (ctypes) while other nodes run beside it.

Cost: ~10 us per node (before + after, GIL monitor included), plus pickling
when output sizes are asked for.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from runadvisor.profiles import gil as _gil
from runadvisor.profiles._procfs import thread_reader

# Keys this probe puts into NodeEvent.extras (prefixed: extras of all probes share a dict).
RSS_START = "profile.rss_start"
RSS_END = "profile.rss_end"
PEAK_RSS = "profile.peak_rss"
GIL_HELD = "profile.gil_held"
OUT_BYTES = "profile.out_bytes"
CPU_WAIT = "profile.cpu_wait"
PROBE_ERROR = "profile.probe_error"

try:
    import resource as _resource
except ImportError:  # pragma: no cover - Windows
    _resource = None  # type: ignore[assignment]

# getrusage's peak may keep a mark that clear_refs did not reset (some kernels
# fold exited threads' peaks into it): trust it only if it is this close to RSS
# right after the reset.
_MAXRSS_SLACK = 4 * 2**20

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_perf_counter = time.perf_counter


def _os_read(fd: int) -> bytes:
    return os.pread(fd, 8192, 0)


class _ProcessState:
    """Per-process bookkeeping: open /proc files and the nodes in flight here."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inflight = 0
        self.starts = 0
        self.statm = _open("/proc/self/statm", os.O_RDONLY)
        self.status = _open("/proc/self/status", os.O_RDONLY)
        self.clear_refs = _open("/proc/self/clear_refs", os.O_WRONLY)
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

    def maxrss(self) -> int | None:
        """``getrusage`` peak RSS in bytes (Linux reports KiB); ~1 us against ~8 us for status."""
        if _resource is None:
            return None
        return _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss * 1024

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


class _SchedFd:
    """This thread's /proc schedstat, open for the thread's life (closed when it ends)."""

    __slots__ = ("fd", "pid")

    def __init__(self) -> None:
        self.pid = 0
        self.fd = _open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY)

    def __del__(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass


_thread_local = threading.local()


def sched_fd() -> int | None:
    """The calling thread's open ``/proc/.../schedstat`` (Linux), or None."""
    sched = getattr(_thread_local, "sched", None)
    if sched is None or sched.pid != os.getpid():
        sched = _thread_local.sched = _SchedFd()
        sched.pid = os.getpid()
    return sched.fd


def read_sched(
    fd: int | None, read: Callable[[int], bytes] = _os_read
) -> tuple[float, float] | None:
    """(CPU seconds, seconds waited for a CPU) so far of the thread of schedstat ``fd``."""
    if fd is None:
        return None
    try:
        fields = read(fd).split()
        return int(fields[0]) / 1e9, int(fields[1]) / 1e9
    except (OSError, ValueError, IndexError):
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

    ``before()`` returns a small tuple; ``after()`` returns a dict with the
    ``profile.*`` keys above.
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
        counted = None
        try:
            state = _process_state()
            with state.lock:
                state.inflight += 1
                state.starts += 1
                alone = state.inflight == 1
                starts = state.starts
            counted = state
            # Alone in this process, plain os.pread is cheapest; with other nodes
            # running here, read without releasing the GIL (getting it back from
            # a Python-bound neighbour can take a whole switch interval).
            read = _os_read if alone else thread_reader()
            peak_reset = alone and self.reset_peak and state.reset_peak()
            rss = state.rss(read)
            # How to read the peak at after(): 1 = getrusage (cheap), 2 = /proc status.
            peak_mode = 0
            if peak_reset:
                peak_mode = 2
                maxrss = state.maxrss()
                if maxrss is not None and rss is not None and maxrss - rss <= _MAXRSS_SLACK:
                    peak_mode = 1
            fd = sched_fd()
            sched = read_sched(fd, read)
            delay = None if sched is None else sched[1]
            # Register with the GIL monitor last and unregister first: the reads
            # around it may release the GIL, which would wake the monitor mid-measure.
            slot = None
            if self.gil and _gil_enabled():
                monitor = _gil.get_monitor(self.gil_interval, self.gil_threshold)
                slot = monitor.register(fd, None if sched is None else sched[0] + sched[1])
            return (state, starts, peak_mode, rss, slot, fd, delay, _perf_counter())
        except Exception as exc:  # a probe must never break a run
            if counted is not None:  # after() will not undo the count: do it here
                with counted.lock:
                    counted.inflight -= 1
            return exc

    def after(self, state: Any, outputs: dict[str, Any] | None) -> dict[str, Any]:
        """Read what happened since ``before``: GIL held, RSS and peak, output sizes."""
        if isinstance(state, BaseException):
            return {PROBE_ERROR: f"{type(state).__name__}: {state}"}
        extras: dict[str, Any] = {}
        try:
            proc, starts, peak_mode, rss_start, slot, fd, delay_start, t_start = state
            now = _perf_counter()
            if slot is not None:
                held = _gil.get_monitor().unregister(slot)
                extras[GIL_HELD] = min(held, now - t_start)
            elif self.gil:
                extras[GIL_HELD] = 0.0  # no GIL in this interpreter: nothing to hold
            with proc.lock:
                proc.inflight -= 1
                alone = peak_mode and proc.starts == starts
                read = _os_read if proc.inflight == 0 else thread_reader()
            if delay_start is not None:
                sched = read_sched(fd, read)
                if sched is not None:
                    extras[CPU_WAIT] = max(0.0, sched[1] - delay_start)
            extras[RSS_START] = rss_start
            if alone and peak_mode == 1:
                extras[PEAK_RSS] = proc.maxrss()  # the peak is what matters: skip RSS at end
            elif alone:
                extras[PEAK_RSS], extras[RSS_END] = proc.peak_and_rss(read)
            else:
                extras[RSS_END] = proc.rss(read)
            if self.measure_output_bytes and outputs is not None:
                extras[OUT_BYTES] = {name: pickled_size(value) for name, value in outputs.items()}
        except Exception as exc:  # a probe must never break a run
            extras[PROBE_ERROR] = f"{type(exc).__name__}: {exc}"
        return extras

    def __repr__(self) -> str:
        return (
            f"TaskProbe(gil={self.gil}, measure_output_bytes={self.measure_output_bytes}, "
            f"reset_peak={self.reset_peak})"
        )


def _gil_enabled() -> bool:
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())
