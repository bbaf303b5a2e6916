"""The measured runs of the advisor: one profiled run of a (runner kind, workers) in
a fresh subprocess (see ``isolate.py``), and what the runs of one candidate found.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from runadvisor.advisor.isolate import (
    Outcome,
    classify,
    describe_error,
    kill_tree,
    node_watcher,
    run_isolated,
)
from runadvisor.advisor.status import OK

__all__ = [
    "MeasuredRun",
    "Outcome",
    "Runs",
    "classify",
    "describe_error",
    "kill_tree",
    "measure_run",
    "measured_run_job",
    "node_watcher",
    "peak_rss",
    "run_isolated",
]


def measured_run_job(
    pipeline: Any,
    catalog: Any,
    kind: str,
    workers: int,
    start_method: str | None = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One profiled run (in the child): its wall time, the tree's peak memory, its profile.

    ``start_method``: how process workers start, as they would in the caller's process.
    ``options``: the candidate's runner options beyond its worker count.
    """
    from runadvisor.profiles import Profiler
    from runadvisor.runners import registry

    spec = registry.get(kind)
    options = dict(options or {})
    if start_method and spec.model in ("processes", "hybrid"):
        options["mp_context"] = start_method
    runner = spec.build(workers, **options)
    profiler = Profiler(pipeline, runner=runner)
    watcher = node_watcher()
    with profiler:
        runner.run(pipeline, catalog, observers=[profiler, *([watcher] if watcher else [])])
    profile = profiler.profile
    return {
        "wall": profile.wall,
        "peak_rss": peak_rss(profile),
        "profile": profile.to_dict(),
    }


def peak_rss(profile: Any) -> int | None:
    """The process tree's peak resident memory during a run, from the sampler (or the nodes).

    Pages a forked worker shares with its parent count in each process, so
    this errs high for ParallelRunner.
    """
    sampled = [value for value in profile.samples.rss if value is not None]
    if sampled:
        return int(max(sampled))
    nodes = [r.peak_rss for r in profile.nodes if r.peak_rss is not None]
    return int(max(nodes)) if nodes else None


def measure_run(
    pipeline: Any,
    catalog: Any,
    kind: str,
    workers: int,
    timeout: float | None,
    start_method: str | None = None,
    options: dict[str, Any] | None = None,
) -> Outcome:
    """One profiled run of (``kind``, ``workers``) in a fresh child, under ``timeout``.

    Its value, when ok, is ``{"wall", "peak_rss", "profile"}`` (the profile as a dict).
    """
    watch = [node.name for node in pipeline.nodes]
    args = (pipeline, catalog, kind, workers, start_method, options)
    return run_isolated(measured_run_job, args, timeout, watch)


@dataclass(frozen=True)
class MeasuredRun:
    """One run that ended well: its wall time, the tree's peak memory, its profile (a dict)."""

    wall: float
    peak_rss: int | None
    profile: dict[str, Any]


@dataclass
class Runs:
    """The runs of one candidate so far: wall times, peak memory, profiles; or why it stopped."""

    walls: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)
    status: str = OK
    reason: str | None = None

    def add(self, outcome: Outcome) -> None:
        """Record one run; a failed run ends the candidate with its status and reason."""
        if outcome.status != OK:
            self.status = outcome.status
            self.reason = outcome.reason
            return
        value = outcome.value
        self.record(float(value["wall"]), value.get("peak_rss"), value["profile"])

    def record(self, wall: float, peak_rss: int | None, profile: dict[str, Any]) -> None:
        """Record one run that ended well."""
        self.walls.append(wall)
        if peak_rss is not None:
            self.peaks.append(int(peak_rss))
        self.profiles.append(profile)

    def stop(self, status: str, reason: str) -> None:
        """No more runs for this candidate, and why."""
        self.status = status
        self.reason = reason

    @property
    def failed(self) -> bool:
        """Whether a run did not end well (no more runs for this candidate)."""
        return self.status != OK

    @property
    def median(self) -> float | None:
        """Median wall time so far."""
        return statistics.median(self.walls) if self.walls else None

    @property
    def peak_rss(self) -> int | None:
        """Highest process-tree peak over the runs."""
        return max(self.peaks) if self.peaks else None

    def median_profile(self) -> dict[str, Any] | None:
        """The profile of the run closest to the median."""
        if not self.walls:
            return None
        middle = statistics.median(self.walls)
        index = min(range(len(self.walls)), key=lambda i: abs(self.walls[i] - middle))
        return self.profiles[index]
