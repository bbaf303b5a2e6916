"""Facts about this machine and interpreter, in one place.

The engine sizes its pools from them, the profiler records them with every
run, and the advisor predicts from them: usable cores, whether the GIL is on,
which start method process workers use, and whether shared memory is there.
Standard library only, so every layer may import it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

MP_CONTEXT_ENV = "RUNADVISOR_MP_CONTEXT"
SHM_DIR = "/dev/shm"


class StartMethodError(ValueError):
    """A start method that this platform does not have."""


def usable_cores() -> int:
    """CPUs this process may run on: its affinity mask where the OS has one."""
    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is not None:
        try:
            return max(1, len(getaffinity(0)))
        except OSError:  # pragma: no cover - exotic kernels
            pass
    return max(1, os.cpu_count() or 1)


def gil_enabled() -> bool:
    """Whether the GIL is on: ``sys._is_gil_enabled()`` on free-threaded builds, else True."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def cgroup_cpu_quota(path: str = "/sys/fs/cgroup/cpu.max") -> float | None:
    """The cgroup v2 CPU limit in CPUs (``quota / period``), or None when unlimited/unknown."""
    try:
        with open(path) as fh:
            quota, period = fh.read().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return int(quota) / int(period)
    except (ValueError, ZeroDivisionError):
        return None


def shm_available() -> bool:
    """Whether large buffers can travel between processes through ``/dev/shm``."""
    return os.path.isdir(SHM_DIR) and os.access(SHM_DIR, os.W_OK)


def start_methods() -> list[str]:
    """The multiprocessing start methods this platform has."""
    return multiprocessing.get_all_start_methods()


# -- forking safely ---------------------------------------------------------------------
#
# A forked child inherits every lock as it was at the moment of the fork, but only the
# thread that forked: a lock another thread held (malloc's, logging's, an import lock)
# stays held forever in the child, and the child can hang. So runadvisor forks only when
# no other thread is alive. Its own background threads (the profiler's sampler) register
# here and are paused around the fork; any other thread makes the default ``forkserver``
# (a clean server process, started once, forks the workers) or ``spawn``.

_Background = tuple[Callable[[], None], Callable[[], None], Callable[[], list[threading.Thread]]]
_background: dict[int, _Background] = {}
_tokens = itertools.count()
_background_lock = threading.Lock()


def register_background(
    pause: Callable[[], None],
    resume: Callable[[], None],
    threads: Callable[[], list[threading.Thread]],
) -> int:
    """Register background threads of ours that can stop (``pause``: returns once they
    have ended) and start again (``resume``) around a fork; ``threads`` lists them.
    Returns a token for :func:`unregister_background`."""
    token = next(_tokens)
    with _background_lock:
        _background[token] = (pause, resume, threads)
    return token


def unregister_background(token: int) -> None:
    """Forget a thread registered with :func:`register_background`."""
    with _background_lock:
        _background.pop(token, None)


@contextmanager
def background_paused() -> Iterator[None]:
    """Pause every registered background thread for the block (around a fork)."""
    with _background_lock:
        entries = list(_background.values())
    paused = []
    try:
        for pause, resume, _ in entries:
            pause()
            paused.append(resume)
        yield
    finally:
        for resume in paused:
            resume()


def other_threads() -> list[str]:
    """Names of the threads alive besides the calling one and our registered background
    threads (which :func:`background_paused` stops around a fork)."""
    with _background_lock:
        ours = {id(t) for *_, threads in _background.values() for t in threads()}
    current = threading.current_thread()
    return [
        t.name
        for t in threading.enumerate()
        if t is not current and t.is_alive() and id(t) not in ours
    ]


def default_start_method() -> str:
    """The start method runadvisor uses when none is asked for, decided now: ``fork``
    where it exists and no other thread is alive (workers then inherit the run's data
    for free), else ``forkserver`` where it exists, else ``spawn``. The same rule on
    every Python version, whatever the interpreter's own default."""
    methods = start_methods()
    if "fork" in methods and not other_threads():
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def requested_start_method(requested: str | None = None) -> str | None:
    """The start method asked for (argument, then ``RUNADVISOR_MP_CONTEXT``), or None.

    Raises :class:`StartMethodError` naming where a bad value came from.
    """
    source = "mp_context"
    if requested is None:
        requested = os.environ.get(MP_CONTEXT_ENV) or None
        source = MP_CONTEXT_ENV
    if requested is None:
        return None
    methods = start_methods()
    if requested not in methods:
        raise StartMethodError(
            f"{source}={requested!r} is not a start method on this platform; use one of "
            f"{', '.join(repr(m) for m in methods)}."
        )
    return requested


def resolve_start_method(requested: str | None = None) -> str:
    """The start method asked for (argument, then ``RUNADVISOR_MP_CONTEXT``), else the
    default decided now (:func:`default_start_method`, our paused threads not counted).

    Raises :class:`StartMethodError` naming where the bad value came from.
    """
    asked = requested_start_method(requested)
    return asked if asked is not None else default_start_method()
