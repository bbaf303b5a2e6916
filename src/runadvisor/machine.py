"""Facts about this machine and interpreter, in one place.

The engine sizes its pools from them, the profiler records them with every
run, and the advisor predicts from them: usable cores, whether the GIL is on,
which start method process workers use, and whether shared memory is there.
Standard library only, so every layer may import it.
"""

from __future__ import annotations

import multiprocessing
import os
import sys

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


def default_start_method() -> str:
    """The start method runadvisor uses when none is asked for: ``fork`` where it
    exists (workers inherit the run's data for free), else ``spawn``."""
    return "fork" if "fork" in start_methods() else "spawn"


def resolve_start_method(requested: str | None = None) -> str:
    """The start method asked for (argument, then ``RUNADVISOR_MP_CONTEXT``), else the default.

    Raises :class:`StartMethodError` naming where the bad value came from.
    """
    source = "mp_context"
    if requested is None:
        requested = os.environ.get(MP_CONTEXT_ENV) or None
        source = MP_CONTEXT_ENV
    if requested is None:
        return default_start_method()
    methods = start_methods()
    if requested not in methods:
        raise StartMethodError(
            f"{source}={requested!r} is not a start method on this platform; use one of "
            f"{', '.join(repr(m) for m in methods)}."
        )
    return requested
