"""A background sampler of the whole process tree: memory and CPU over time.

Runs in the parent as a daemon thread. Every sample reads RSS and CPU times of
the root process and all its descendants (worker processes included); USS
(``memory_full_info``, ~170 us per process) is read only now and then, so that
it stays under ~2% of the sampler's time. The interval starts at a few
milliseconds, so short runs get a dense series, and grows with the run's age
(``age / 25``, up to ``max_interval``) so long runs stay cheap: about 75
samples in the first second, 10 a second after 2.5 s. Each wake-up of a thread
costs the workers a preemption when every core is busy (measured: 4 ms fixed
cost +7% on an 8-node CPU fan-out on 2 cores, against +2-4% at this rate).
So it samples at most every 100 ms while its own wake-ups come late (more than
2 ms: a node in this process runs Python and holds the GIL, or every core is
busy), while the tree itself keeps every usable core busy (its CPU over the
last 0.1 s), and while this process's main thread is busy nine tenths of the
time (a sequential run's nodes: one that lets the GIL go in system calls, as
a chain of tiny nodes does between steps, never makes the sampler late, yet
each sample takes the GIL from it): each sample would otherwise force a GIL
hand-off or a preemption on a node (and a GIL hand-off lets the GIL monitor wake on time in a window
the sampler opened, so that a Python-bound node read 0.75-0.9 GIL-held instead
of ~1.0). Exact per-node peaks do not depend on it where the probe can read
the kernel's mark (a node alone in its process).
Descendants are re-listed every ``10 * interval`` (at least 50 ms): from
``/proc/<pid>/task/*/children`` on Linux (tens of microseconds), else through
psutil.

Per-process RSS series are kept so that the profiler can give a node the peak
RSS of the process that ran it during its span (:meth:`TreeSampler.peak_rss`).
"""

from __future__ import annotations

import bisect
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil

from runadvisor.machine import register_background, unregister_background, usable_cores
from runadvisor.profiles._procfs import make_reader, open_ro

DEFAULT_INTERVAL = 0.005
GROWTH = 0.04  # interval = age * GROWTH, clamped to [interval, max_interval]
CONTENDED_INTERVAL = 0.1  # at least this while our wake-ups come late
_CONTENDED_LAG = 0.002
_SATURATION_WINDOW = 0.1  # how far back "the tree keeps every core busy" looks
_MAIN_BUSY = 0.9  # the root's main thread busy this share of the window: a node runs there
DEFAULT_MAX_INTERVAL = 0.1
_USS_BUDGET = 100  # read USS at most every 100x what one USS pass costs
_USS_MIN_GAP = 0.5
_USS_FIRST = 0.2  # not at the start: a run's baseline USS says little, and it costs ~1 ms

_perf_counter = time.perf_counter
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def next_interval(
    age: float, late: float, interval: float, max_interval: float, saturated: bool = False
) -> float:
    """The sleep before the next sample, ``age`` seconds into the run.

    ~25 samples per doubling of the run's age: ``interval`` (5 ms) for the
    first 0.125 s, 20 ms at 0.5 s, ``max_interval`` (100 ms) from 2.5 s on.
    While the last wake-up came more than 2 ms ``late`` (we waited for the GIL:
    a node runs Python here; or for a CPU: every core busy), or the tree keeps
    every core busy (``saturated``), at least 100 ms: each sample would cost a
    node a hand-off or a preemption, and the GIL monitor's view a forced switch.
    """
    sleep = min(max_interval, max(interval, age * GROWTH))
    if late > _CONTENDED_LAG or saturated:
        sleep = max(sleep, CONTENDED_INTERVAL)
    return sleep


@dataclass
class Samples:
    """The sampler's time series, one list per column (all of equal length).

    ``t`` is seconds since the run started; ``rss`` and ``uss`` are bytes summed
    over the process tree (``uss`` is None where it was not read); ``cpu_percent``
    is the tree's CPU use since the previous sample (100 = one core);
    ``n_processes`` counts the processes alive in the tree.
    """

    t: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    uss: list[int | None] = field(default_factory=list)
    cpu_percent: list[float] = field(default_factory=list)
    n_processes: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.t)

    def to_dict(self) -> dict[str, list[Any]]:
        """Columns as plain lists, for JSON."""
        return {
            "t": self.t,
            "rss": self.rss,
            "uss": self.uss,
            "cpu_percent": self.cpu_percent,
            "n_processes": self.n_processes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, list[Any]]) -> Samples:
        """Inverse of :meth:`to_dict`; raises ValueError when columns differ in length."""
        columns = {name: list(data.get(name, [])) for name in cls().to_dict()}
        lengths = {len(values) for values in columns.values()}
        if len(lengths) > 1:
            raise ValueError(
                f"sample columns differ in length: { {k: len(v) for k, v in columns.items()} }"
            )
        return cls(**columns)

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per sample."""
        import pandas as pd

        return pd.DataFrame(self.to_dict())


class _Gone(Exception):
    """The process ended (or became a zombie) since the last sample."""


class _Proc:
    """One process of the tree: how to read it, and its own RSS series."""

    __slots__ = ("cpu", "handle", "pid", "rss", "stat_fd", "statm_fd", "t")

    def __init__(self, handle: psutil.Process, cpu: float) -> None:
        self.handle = handle
        self.pid = handle.pid
        self.cpu = cpu
        self.t: list[float] = []
        self.rss: list[int] = []
        # Linux: keep /proc/<pid>/stat and statm open and pread them (~4 us a
        # process against ~25 us through psutil, without releasing the GIL).
        self.stat_fd = open_ro(f"/proc/{self.pid}/stat")
        self.statm_fd = open_ro(f"/proc/{self.pid}/statm") if self.stat_fd is not None else None

    def read(self, pread: Callable[[int], bytes]) -> tuple[int, float]:
        """(rss bytes, user+system CPU seconds); raises _Gone when it has ended."""
        if self.stat_fd is not None and self.statm_fd is not None:
            try:
                stat = pread(self.stat_fd)
                statm = pread(self.statm_fd)
            except OSError as exc:  # ESRCH once the process is gone
                raise _Gone from exc
            tail = stat[stat.rindex(b")") + 2 :].split()
            if not tail or tail[0] in (b"Z", b"X"):
                raise _Gone
            return int(statm.split()[1]) * _PAGE, (int(tail[11]) + int(tail[12])) / _TICKS
        try:
            with self.handle.oneshot():
                rss = int(self.handle.memory_info().rss)
                times = self.handle.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied) as exc:
            raise _Gone from exc
        return rss, times.user + times.system

    def close(self) -> None:
        """Close the /proc files (the series stay)."""
        for fd in (self.stat_fd, self.statm_fd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.stat_fd = self.statm_fd = None


class TreeSampler:
    """Samples the process tree under ``root_pid`` in a daemon thread."""

    def __init__(
        self,
        t0: float,
        *,
        interval: float = DEFAULT_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        uss: bool = True,
        root_pid: int | None = None,
    ) -> None:
        self.t0 = t0
        self.interval = interval
        self.max_interval = max(max_interval, interval)
        self.uss = uss
        self.root_pid = os.getpid() if root_pid is None else root_pid
        self.samples = Samples()
        self.cost = 0.0  # CPU seconds the sampler thread spent sampling
        self._procs: dict[int, _Proc] = {}
        self._gone: dict[int, _Proc] = {}  # processes that ended: keep their series
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_t: float | None = None
        self._last_refresh = -1e9
        self._next_uss = t0 + _USS_FIRST
        self._wall0 = time.time()
        self._current = interval
        self._pread = make_reader(1024)  # keeps the GIL: one hand-off per sample, not per file
        self._cpu_used = 0.0  # CPU seconds of the tree since the first sample
        # (t, _cpu_used, the root's main thread on a CPU or waiting for one, s)
        self._window: deque[tuple[float, float, float]] = deque([(0.0, 0.0, 0.0)])
        self._cores = usable_cores()
        self._main_sched = open_ro(f"/proc/{self.root_pid}/schedstat")
        self._main_busy0: int | None = None
        self._fast_children = os.path.exists(f"/proc/{self.root_pid}/task/{self.root_pid}/children")

    # lifecycle -------------------------------------------------------------
    def start(self) -> None:
        """Take a first sample now and keep sampling in the background.

        The first sample is taken here, not by the thread: a thread started
        next to a node that runs Python gets the GIL back only every switch
        interval (5 ms), and looking a process up takes several hand-offs, so
        its first sample could come a good part of a second late. The thread
        registers with :mod:`runadvisor.machine` so that a process pool about
        to fork can pause it (forking beside a thread is unsafe).
        """
        self._sample()
        self._spawn()
        self._token = register_background(self._pause, self._spawn, self._threads)

    def _spawn(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="runadvisor-sampler", daemon=True)
        self._thread.start()

    def _pause(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _threads(self) -> list[threading.Thread]:
        return [self._thread] if self._thread is not None else []

    def stop(self) -> Samples:
        """Stop, take a last sample, and return the series."""
        unregister_background(getattr(self, "_token", -1))
        self._pause()
        self._sample()
        for proc in self._procs.values():
            proc.close()
        if self._main_sched is not None:
            os.close(self._main_sched)
            self._main_sched = None
        return self.samples

    def _run(self) -> None:
        while True:
            asleep = _perf_counter()
            if self._stop.wait(self._current):
                break
            woke = _perf_counter()
            late = woke - asleep - self._current
            self._sample()
            self._current = next_interval(
                woke - self.t0, late, self.interval, self.max_interval, self._saturated()
            )

    def _saturated(self) -> bool:
        """Whether a sample now would take a CPU or the GIL from a node.

        Over the last 0.1 s, either the tree used every usable core (less half
        of one), or the root's main thread ran or waited to run nine tenths of
        the time (a node runs there: each sample takes the GIL from it, even
        when it lets the GIL go in system calls and so never makes us late).
        """
        window = self._window
        t, cpu, main = window[-1]
        while len(window) > 2 and t - window[1][0] >= _SATURATION_WINDOW:
            window.popleft()
        t0, cpu0, main0 = window[0]
        if t - t0 < _SATURATION_WINDOW:
            return False
        span = t - t0
        return (cpu - cpu0) / span >= self._cores - 0.5 or (main - main0) / span >= _MAIN_BUSY

    # sampling --------------------------------------------------------------
    def _sample(self) -> None:
        cpu0 = time.thread_time()
        began = _perf_counter()
        try:
            if began - self._last_refresh >= max(0.05, 10 * self._current):
                self._refresh()
                self._last_refresh = began
            self._read(began)
        except Exception:  # the sampler must never take a run down
            pass
        self.cost += time.thread_time() - cpu0

    def _read(self, now: float) -> None:
        t = now - self.t0
        rss_total = 0
        cpu_total = 0.0
        alive = 0
        for pid, proc in list(self._procs.items()):
            try:
                rss, cpu = proc.read(self._pread)
            except _Gone:
                self._gone[pid] = self._procs.pop(pid)
                proc.close()
                continue
            cpu_total += max(0.0, cpu - proc.cpu)
            proc.cpu = cpu
            proc.t.append(t)
            proc.rss.append(rss)
            rss_total += rss
            alive += 1
        uss_total: int | None = None
        if self.uss and now >= self._next_uss:
            uss_total = self._read_uss()
            cost = _perf_counter() - now
            self._next_uss = _perf_counter() + max(_USS_MIN_GAP, _USS_BUDGET * cost)
        self._cpu_used += cpu_total
        self._window.append((t, self._cpu_used, self._main_busy()))
        last = self._last_t
        percent = 0.0 if last is None or t <= last else 100.0 * cpu_total / (t - last)
        self._last_t = t
        samples = self.samples
        samples.t.append(t)
        samples.rss.append(rss_total)
        samples.uss.append(uss_total)
        samples.cpu_percent.append(percent)
        samples.n_processes.append(alive)

    def _main_busy(self) -> float:
        """Seconds the root's main thread has run or waited for a CPU since the first sample."""
        if self._main_sched is None:
            return 0.0
        try:
            fields = self._pread(self._main_sched).split()
            busy = int(fields[0]) + int(fields[1])
        except (OSError, ValueError, IndexError):
            self._main_sched = None
            return 0.0
        if self._main_busy0 is None:
            self._main_busy0 = busy
        return (busy - self._main_busy0) / 1e9

    def _read_uss(self) -> int | None:
        total = 0
        for proc in list(self._procs.values()):
            try:
                total += int(proc.handle.memory_full_info().uss)
            except psutil.NoSuchProcess:
                continue
            except (psutil.AccessDenied, AttributeError):
                self.uss = False  # not readable here: stop trying
                return None
        return total

    def _refresh(self) -> None:
        """Find processes that joined the tree since the last look."""
        pids = self._descendants()
        for pid in pids:
            if pid in self._procs:
                continue
            try:
                handle = psutil.Process(pid)
                with handle.oneshot():
                    times = handle.cpu_times()
                    born = handle.create_time()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            # A process born during the run counts all its CPU; an older one from now on.
            cpu0 = 0.0 if born >= self._wall0 - 0.01 else times.user + times.system
            self._procs[pid] = _Proc(handle, cpu0)

    def _descendants(self) -> list[int]:
        root = self.root_pid
        if self._fast_children:
            try:
                found = [root]
                todo = [root]
                while todo:
                    pid = todo.pop()
                    for kid in _proc_children(pid):
                        found.append(kid)
                        todo.append(kid)
                return found
            except OSError:
                self._fast_children = False
        try:
            handle = psutil.Process(root)
            return [root] + [child.pid for child in handle.children(recursive=True)]
        except psutil.Error:
            return [root]

    # queries ---------------------------------------------------------------
    def series(self, pid: int) -> tuple[list[float], list[int]]:
        """(times, rss) sampled for ``pid``; empty lists if it was never seen."""
        proc = self._procs.get(pid) or self._gone.get(pid)
        if proc is None:
            return [], []
        return proc.t, proc.rss

    def peak_rss(self, pid: int, start: float, end: float) -> int | None:
        """Highest RSS sampled for ``pid`` in ``[start, end]`` (run-relative seconds)."""
        ts, rss = self.series(pid)
        lo = bisect.bisect_left(ts, start)
        hi = bisect.bisect_right(ts, end)
        return max(rss[lo:hi]) if hi > lo else None

    def rss_before(self, pid: int, when: float) -> int | None:
        """The last RSS sampled for ``pid`` at or before ``when``."""
        ts, rss = self.series(pid)
        at = bisect.bisect_right(ts, when)
        return rss[at - 1] if at else None


def _proc_children(pid: int) -> list[int]:
    """Direct children of ``pid`` from procfs (children of every thread of it)."""
    kids: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return kids
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                kids.extend(int(x) for x in fh.read().split())
        except FileNotFoundError:
            continue
    return kids
