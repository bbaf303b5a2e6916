"""Facts about the machine a run happened on, so a saved profile explains itself.

The advisor needs them to size worker counts (cores, memory) and to know whether
threads can run Python in parallel at all (``gil_enabled``).
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import sys
from dataclasses import asdict, dataclass, fields
from typing import Any

import psutil


@dataclass
class Machine:
    """The machine and interpreter a profile was measured on."""

    cores: int  # CPUs this process may run on (affinity respected)
    logical_cpus: int | None  # all logical CPUs of the machine
    cpu_quota: float | None  # cgroup v2 CPU limit in CPUs (None: no limit or unknown)
    total_memory: int  # bytes
    available_memory: int  # bytes, when the run started
    python_version: str
    implementation: str
    gil_enabled: bool
    start_method: str | None  # multiprocessing start method in effect
    platform: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Machine:
        """Inverse of :meth:`to_dict`; unknown keys (from newer writers) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def gil_enabled() -> bool:
    """Whether the GIL is on: ``sys._is_gil_enabled()`` on free-threaded builds, else True."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def usable_cores() -> int:
    """CPUs this process may run on: its affinity mask where the OS has one."""
    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is not None:
        try:
            return max(1, len(getaffinity(0)))
        except OSError:  # pragma: no cover - exotic kernels
            pass
    return os.cpu_count() or 1


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


def start_method() -> str | None:
    """The multiprocessing start method in effect, without fixing it as a side effect.

    ``multiprocessing.get_start_method()`` would set the default for the whole
    program, so ask with ``allow_none`` and fall back to the platform default.
    """
    method = multiprocessing.get_start_method(allow_none=True)
    if method is not None:
        return method
    default = getattr(multiprocessing.context, "_default_context", None)
    inner = getattr(default, "_default_context", None)
    try:
        return inner.get_start_method() if inner is not None else None
    except Exception:  # pragma: no cover - private API moved
        return None


def collect_machine(start_method_override: str | None = None) -> Machine:
    """Measure the machine now (a few hundred microseconds)."""
    vm = psutil.virtual_memory()
    return Machine(
        cores=usable_cores(),
        logical_cpus=os.cpu_count(),
        cpu_quota=cgroup_cpu_quota(),
        total_memory=int(vm.total),
        available_memory=int(vm.available),
        python_version=platform.python_version(),
        implementation=platform.python_implementation(),
        gil_enabled=gil_enabled(),
        start_method=start_method_override or start_method(),
        platform=platform.platform(terse=True),
    )
