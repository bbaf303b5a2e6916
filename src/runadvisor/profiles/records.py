"""What a profiled run leaves behind: plain dataclasses, saved as versioned JSON.

A ``RunProfile`` holds everything the advisor and the reports need without the
pipeline at hand: one ``NodeRecord`` per node that ran (its measurements, its
tags, the datasets it read and wrote), the DAG's edges, the sampler's time
series and the machine. pandas is imported only inside :meth:`RunProfile.to_frame`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from runadvisor.exceptions import RunAdvisorError
from runadvisor.jsonfile import check_header, read_json, write_json
from runadvisor.profiles.machine import Machine
from runadvisor.profiles.sampler import Samples

SCHEMA = "runadvisor.profile"
SCHEMA_VERSION = 1
DEFAULT_FOLDER = "profiles"

FRAME_COLUMNS = [
    "name",
    "tags",
    "inputs",
    "outputs",
    "start",
    "end",
    "wall",
    "cpu",
    "noncpu",
    "cpu_wait",
    "gil_held",
    "rss_start",
    "peak_rss",
    "peak_rss_delta",
    "peak_source",
    "out_bytes",
    "pid",
    "thread",
    "error",
]


class ProfileError(RunAdvisorError):
    """A profile file that cannot be read: corrupt, truncated, or of another schema version."""


@dataclass(slots=True)
class NodeRecord:
    """One node's run, measured where it ran.

    Times are seconds relative to the run's start. ``cpu`` is the CPU time of
    the thread that ran the node; ``gil_held`` the estimated wall-clock seconds
    it held the GIL, time the OS kept it off the CPU while holding included
    (None when not measured; see profiles/gil.py); ``cpu_wait`` the seconds its thread was
    ready to run but had no CPU (Linux; the share of ``noncpu`` due to an
    oversubscribed machine). ``peak_rss`` is the peak resident memory
    of the process that ran it during its span, ``peak_rss_delta`` the rise
    over ``rss_start`` (bytes); ``peak_source`` says where the peak came from:
    ``"hwm"`` (kernel peak, exact), ``"sampler"`` (sampled) or ``"probe"``
    (only start/end readings). ``out_bytes`` is the pickled size of all its
    outputs (protocol 5), ``out_bytes_by_output`` per output (None where an
    output did not pickle); both None unless the profiler was asked to measure.
    """

    name: str
    start: float
    end: float
    cpu: float
    pid: int
    thread: int
    tags: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    gil_held: float | None = None
    cpu_wait: float | None = None
    rss_start: int | None = None
    peak_rss: int | None = None
    peak_rss_delta: int | None = None
    peak_source: str | None = None
    out_bytes: int | None = None
    out_bytes_by_output: dict[str, int | None] | None = None
    error: str | None = None

    @property
    def wall(self) -> float:
        """Seconds from start to end (loading inputs and saving outputs included)."""
        return self.end - self.start

    @property
    def noncpu(self) -> float:
        """``wall - cpu``, never negative: waiting on I/O, sleep, locks or the GIL."""
        return max(0.0, self.wall - self.cpu)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NodeRecord:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class RunProfile:
    """A whole run: runner, timing, node records, DAG, samples and machine."""

    runner: str
    max_workers: int | None
    wall: float
    nodes: list[NodeRecord]
    machine: Machine
    edges: list[tuple[str, str]] = field(default_factory=list)  # (parent, child) node names
    samples: Samples = field(default_factory=Samples)
    started_at: str = ""  # ISO 8601, UTC
    error: str | None = None  # the run's exception, if it failed
    settings: dict[str, Any] = field(default_factory=dict)  # how it was measured

    # queries ---------------------------------------------------------------
    def node(self, name: str) -> NodeRecord:
        """The record of the node called ``name`` (KeyError if it did not run)."""
        for record in self.nodes:
            if record.name == name:
                return record
        raise KeyError(f"no node {name!r} in this profile")

    def dependencies(self) -> dict[str, list[str]]:
        """Each recorded node's parents among the recorded nodes (sorted names).

        Enough to compute critical paths from a saved profile alone; nodes
        that did not run (skipped or after a failure) are left out.
        """
        ran = {record.name for record in self.nodes}
        parents: dict[str, set[str]] = {name: set() for name in ran}
        for parent, child in self.edges:
            if parent in ran and child in ran:
                parents[child].add(parent)
        return {name: sorted(parents[name]) for name in sorted(parents)}

    @property
    def total_cpu(self) -> float:
        """Sum of the nodes' CPU seconds."""
        return sum(record.cpu for record in self.nodes)

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per node (columns: ``FRAME_COLUMNS``)."""
        import pandas as pd

        rows = []
        for r in self.nodes:
            rows.append(
                {
                    "name": r.name,
                    "tags": tuple(r.tags),
                    "inputs": tuple(r.inputs),
                    "outputs": tuple(r.outputs),
                    "start": r.start,
                    "end": r.end,
                    "wall": r.wall,
                    "cpu": r.cpu,
                    "noncpu": r.noncpu,
                    "cpu_wait": r.cpu_wait,
                    "gil_held": r.gil_held,
                    "rss_start": r.rss_start,
                    "peak_rss": r.peak_rss,
                    "peak_rss_delta": r.peak_rss_delta,
                    "peak_source": r.peak_source,
                    "out_bytes": r.out_bytes,
                    "pid": r.pid,
                    "thread": r.thread,
                    "error": r.error,
                }
            )
        frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
        for column in ("gil_held", "cpu_wait"):
            frame[column] = frame[column].astype("float64")
        for column in ("rss_start", "peak_rss", "peak_rss_delta", "out_bytes"):
            frame[column] = frame[column].astype("Int64")
        return frame

    def samples_frame(self) -> Any:
        """The sampler's time series as a pandas DataFrame."""
        return self.samples.to_frame()

    # JSON ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data, schema header first."""
        return {
            "schema": SCHEMA,
            "version": SCHEMA_VERSION,
            "runner": self.runner,
            "max_workers": self.max_workers,
            "wall": self.wall,
            "started_at": self.started_at,
            "error": self.error,
            "settings": self.settings,
            "machine": self.machine.to_dict(),
            "nodes": [record.to_dict() for record in self.nodes],
            "edges": [list(edge) for edge in self.edges],
            "samples": self.samples.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "<data>") -> RunProfile:
        """Build from :meth:`to_dict` output; ProfileError if it is not a version-1 profile."""
        check_header(data, SCHEMA, SCHEMA_VERSION, source, ProfileError, "profile")
        try:
            return cls(
                runner=str(data["runner"]),
                max_workers=data.get("max_workers"),
                wall=float(data["wall"]),
                started_at=str(data.get("started_at", "")),
                error=data.get("error"),
                settings=dict(data.get("settings") or {}),
                machine=Machine.from_dict(data["machine"]),
                nodes=[NodeRecord.from_dict(item) for item in data["nodes"]],
                edges=[(str(a), str(b)) for a, b in data.get("edges", [])],
                samples=Samples.from_dict(data.get("samples") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ProfileError(f"{source}: malformed profile: {what}") from exc

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write as JSON and return the file's path.

        ``path`` may be a file, an existing folder, or None for ``profiles/``
        (created if needed); a folder gets ``<started_at>-<runner>.json``. The
        write is atomic: a crash leaves either the old file or the new one.
        """
        target = Path(DEFAULT_FOLDER if path is None else path)
        if path is None or target.is_dir():
            stamp = (self.started_at or _now_iso()).replace(":", "").replace("-", "")
            target = target / f"{stamp.replace('+0000', 'Z')}-{self.runner}.json"
        write_json(target, self.to_dict())
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RunProfile:
        """Read a profile saved by :meth:`save`; ProfileError if corrupt or of another version."""
        source = os.fspath(path)
        data = read_json(source, ProfileError, "profile")
        return cls.from_dict(data, source)

    # Chrome / Perfetto trace ----------------------------------------------
    def to_chrome_trace(self, path: str | os.PathLike[str]) -> Path:
        """Write a Chrome trace (open in Perfetto or chrome://tracing); returns the path.

        One lane per (process, thread); each node is a complete event with its
        CPU, GIL and memory figures as args; memory and CPU of the process tree
        are counter tracks.
        """
        events: list[dict[str, Any]] = []
        lanes: dict[tuple[int, int], None] = {}
        for r in self.nodes:
            lanes.setdefault((r.pid, r.thread))
            events.append(
                {
                    "name": r.name,
                    "cat": ",".join(r.tags) or "node",
                    "ph": "X",
                    "ts": r.start * 1e6,
                    "dur": max(0.0, r.wall) * 1e6,
                    "pid": r.pid,
                    "tid": r.thread,
                    "args": {
                        "cpu_s": r.cpu,
                        "noncpu_s": r.noncpu,
                        "gil_held_s": r.gil_held,
                        "cpu_wait_s": r.cpu_wait,
                        "peak_rss": r.peak_rss,
                        "peak_rss_delta": r.peak_rss_delta,
                        "out_bytes": r.out_bytes,
                        "error": r.error,
                    },
                }
            )
        for pid in sorted({pid for pid, _ in lanes}):
            events.append(
                {"name": "process_name", "ph": "M", "pid": pid, "args": {"name": f"pid {pid}"}}
            )
        for pid, tid in lanes:
            events.append(
                {
                    "name": "thread_name",
                    "ph": "M",
                    "pid": pid,
                    "tid": tid,
                    "args": {"name": f"thread {tid}"},
                }
            )
        counter_pid = self.nodes[0].pid if self.nodes else 0
        s = self.samples
        for i, t in enumerate(s.t):
            events.append(
                {
                    "name": "memory (process tree)",
                    "ph": "C",
                    "ts": t * 1e6,
                    "pid": counter_pid,
                    "args": {"rss": s.rss[i]},
                }
            )
            events.append(
                {
                    "name": "cpu % (process tree)",
                    "ph": "C",
                    "ts": t * 1e6,
                    "pid": counter_pid,
                    "args": {"cpu": s.cpu_percent[i]},
                }
            )
        trace = {
            "traceEvents": events,
            "displayTimeUnit": "ms",
            "otherData": {"runner": self.runner, "max_workers": self.max_workers},
        }
        return write_json(path, trace)


def _now_iso() -> str:
    """Now, as ISO 8601 in UTC (``2024-05-01T12:00:00.123456+00:00``)."""
    return datetime.now(timezone.utc).isoformat()
