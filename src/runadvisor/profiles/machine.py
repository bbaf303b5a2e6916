"""Facts about the machine a run happened on, so a saved profile explains itself.

The advisor needs them to size worker counts (cores, memory) and to know whether
threads can run Python in parallel at all (``gil_enabled``).
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass, fields
from typing import Any

import psutil

from runadvisor.machine import (
    StartMethodError,
    cgroup_cpu_quota,
    default_start_method,
    gil_enabled,
    resolve_start_method,
    usable_cores,
)


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
    start_method: str | None  # what ParallelRunner's workers start with
    platform: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Machine:
        """Inverse of :meth:`to_dict`; unknown keys (from newer writers) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def _start_method() -> str:
    """What ParallelRunner would use here by default (environment included)."""
    try:
        return resolve_start_method(None)
    except StartMethodError:
        return default_start_method()


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
        start_method=start_method_override or _start_method(),
        platform=platform.platform(terse=True),
    )
