"""Measuring runs: ``Profiler`` / ``profile_run`` -> ``RunProfile`` (saved as versioned JSON).

Per node: wall, CPU and non-CPU time, an estimate of GIL holding, peak memory
of the process that ran it, pickled output size. Per run: the process tree's
memory and CPU over time and the machine. pandas loads only in ``to_frame``.
"""

from __future__ import annotations

from runadvisor.profiles.machine import Machine, collect_machine
from runadvisor.profiles.probe import TaskProbe, pickled_size
from runadvisor.profiles.profiler import Profiler, profile_run
from runadvisor.profiles.records import (
    DEFAULT_FOLDER,
    FRAME_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    NodeRecord,
    ProfileError,
    RunProfile,
)
from runadvisor.profiles.sampler import Samples, TreeSampler

__all__ = [
    "DEFAULT_FOLDER",
    "FRAME_COLUMNS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Machine",
    "NodeRecord",
    "ProfileError",
    "Profiler",
    "RunProfile",
    "Samples",
    "TaskProbe",
    "TreeSampler",
    "collect_machine",
    "pickled_size",
    "profile_run",
]
