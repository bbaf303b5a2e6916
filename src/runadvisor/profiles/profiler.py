"""The profiler: an observer of node events plus a process-tree sampler -> RunProfile.

Two ways to use it::

    profile = profile_run(pipeline, catalog, runner)

    with Profiler(pipeline, runner=runner) as prof:
        runner.run(pipeline, catalog, observers=[prof])
    prof.profile.save()

The runner calls ``prof.task_probe`` around every node in its worker (GIL
monitor, memory, output sizes) and ``prof(event)`` in the parent as nodes
finish; the sampler thread records memory and CPU of the whole process tree.
When the run fails, the profile of what ran is still built: the ``with`` form
leaves it on ``prof.profile``; ``profile_run`` re-raises the run's exception
with the partial profile attached as ``exc.profile`` (and a note saying so).
"""

from __future__ import annotations

import gc
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from runadvisor.exceptions import add_note
from runadvisor.profiles import gil as _gil
from runadvisor.profiles import probe as _probe
from runadvisor.profiles.machine import collect_machine
from runadvisor.profiles.probe import READING
from runadvisor.profiles.records import NodeRecord, RunProfile, _now_iso
from runadvisor.profiles.sampler import (
    DEFAULT_INTERVAL,
    DEFAULT_MAX_INTERVAL,
    Samples,
    TreeSampler,
)


class Profiler:
    """Observe one run and build its :class:`RunProfile` (``.profile`` after the run).

    ``pipeline`` (optional) supplies tags, inputs/outputs and the DAG's edges;
    ``runner`` (optional) its name and ``max_workers``. ``measure_output_bytes``
    pickles every output in the worker to size it (costs time, off by default).
    ``gil=False`` skips the GIL monitor; ``sample=False`` the tree sampler;
    ``reset_peak=False`` leaves the kernel's peak-RSS mark alone (then a node's
    peak comes from the sampler only).
    """

    def __init__(
        self,
        pipeline: Any = None,
        *,
        runner: Any = None,
        measure_output_bytes: bool = False,
        gil: bool = True,
        reset_peak: bool = True,
        sample: bool = True,
        sample_interval: float = DEFAULT_INTERVAL,
        max_sample_interval: float = DEFAULT_MAX_INTERVAL,
        uss: bool = True,
        gil_interval: float = _gil.DEFAULT_INTERVAL,
        gil_threshold: float | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.runner = runner
        self.sample = sample
        self.sample_interval = sample_interval
        self.max_sample_interval = max_sample_interval
        self.uss = uss
        self.task_probe = _probe.TaskProbe(
            gil=gil,
            measure_output_bytes=measure_output_bytes,
            reset_peak=reset_peak,
            gil_interval=gil_interval,
            gil_threshold=gil_threshold,
        )
        self.profile: RunProfile | None = None
        self._rows: list[Any] = []
        self._lock = threading.Lock()
        self._t0: float | None = None
        self._sampler: TreeSampler | None = None
        self._started_at = ""
        self._machine: Any = None

    # observer --------------------------------------------------------------
    def __call__(self, event: Any) -> None:
        """Receive one NodeEvent (called by the runner in the parent).

        Kept as a plain tuple of what the profile needs, start first (so rows
        sort by start), not the event itself: a tuple of numbers and strings
        is soon left alone by the garbage collector, an event and its extras
        dict are rescanned at every collection while the run goes on.
        """
        extras = event.extras
        self._rows.append(
            (
                event.start,
                event.node,
                event.end,
                event.cpu,
                event.pid,
                event.thread,
                event.error,
                extras.get(READING) if extras else None,
            )
        )

    # lifecycle -------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether :meth:`start` was called without a matching :meth:`stop`."""
        return self._t0 is not None

    def start(self) -> None:
        """Start the clock and the sampler; forget any previous run."""
        if self.running:
            raise RuntimeError("this Profiler is already running; stop() it first")
        self._rows = []
        self.profile = None
        self._machine = collect_machine(_runner_start_method(self.runner))
        self._started_at = _now_iso()
        self._t0 = time.perf_counter()
        if self.sample:
            self._sampler = TreeSampler(
                self._t0,
                interval=self.sample_interval,
                max_interval=self.max_sample_interval,
                uss=self.uss,
            )
            self._sampler.start()

    def stop(self, error: BaseException | None = None) -> RunProfile:
        """Stop sampling and build the profile from the events received so far."""
        if self._t0 is None:
            raise RuntimeError("this Profiler was not started")
        wall = time.perf_counter() - self._t0
        sampler, self._sampler = self._sampler, None
        samples = sampler.stop() if sampler is not None else Samples()
        try:
            self.profile = self._build(wall, sampler, samples, error)
        finally:
            self._t0 = None
        return self.profile

    def __enter__(self) -> Profiler:
        self.start()
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self.stop(exc)

    # building --------------------------------------------------------------
    def _build(
        self,
        wall: float,
        sampler: TreeSampler | None,
        samples: Samples,
        error: BaseException | None,
    ) -> RunProfile:
        assert self._t0 is not None
        rows, self._rows = self._rows, []
        with _gc_paused():
            nodes, edges = _pipeline_facts(self.pipeline)
            records = _records(rows, self._t0, nodes, sampler)
        probe = self.task_probe
        settings = {
            "measure_output_bytes": probe.measure_output_bytes,
            "gil": probe.gil,
            "gil_interval": probe.gil_interval,
            "gil_threshold": (
                probe.gil_threshold if probe.gil_threshold is not None else _gil.default_threshold()
            ),
            "reset_peak": probe.reset_peak,
            "sample_interval": self.sample_interval if self.sample else None,
            "max_sample_interval": self.max_sample_interval if self.sample else None,
            "sampler_cost": sampler.cost if sampler is not None else None,
        }
        return RunProfile(
            runner=type(self.runner).__name__ if self.runner is not None else "unknown",
            max_workers=_max_workers(self.runner),
            wall=wall,
            nodes=records,
            machine=self._machine,
            edges=edges,
            samples=samples,
            started_at=self._started_at,
            error=None if error is None else f"{type(error).__name__}: {error}",
            settings=settings,
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection while the profile is built.

    Building a profile creates a few objects per node, all of which survive:
    collections in between would only rescan them (on a 5,000-node run a dozen
    young collections and, every other run, a full one of the whole heap).
    Left as it was found: a caller that disabled the collector keeps it off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _records(
    rows: list[tuple[Any, ...]],
    t0: float,
    nodes: dict[str, Any],
    sampler: TreeSampler | None,
) -> list[NodeRecord]:
    """One NodeRecord per row (see :meth:`Profiler.__call__`), times relative to
    ``t0``, sorted by start.

    Runs once, when the profiler stops, for every node of the run: kept to
    plain local work per row (the sampler is asked only where the probe did
    not see the node's peak). ``nodes`` maps names to the pipeline's nodes,
    for their tags and datasets.
    """
    rows.sort()  # completion order -> start order (starts differ: one pass when sorted)
    records = []
    append = records.append
    no_reading = (None, None, None, None, None, None, None)
    no_node = None
    by_pid: dict[int, list[Any]] = {}  # pid -> [sample times, RSS, where the last search began]
    for begin, name, finish, cpu, pid, thread, error, reading in rows:
        start = begin - t0
        end = finish - t0
        wall = end - start if end > start else 0.0
        rss_start, rss_end, peak, gil, cpu_wait, by_output, _ = reading or no_reading
        if gil is not None:
            gil = 0.0 if gil < 0 else wall if gil > wall else gil
        if cpu_wait is not None:
            room = wall - cpu if wall > cpu else 0.0
            cpu_wait = 0.0 if cpu_wait < 0 else room if cpu_wait > room else cpu_wait

        if peak is not None:
            # The kernel's mark is the exact peak of the node's span: no sample
            # in that span can exceed it.
            source: str | None = "hwm"
        else:
            sampled = None
            if sampler is not None:
                # The samples of the node's process within its span. Events come
                # by start, so each process's search starts where its last ended.
                series = by_pid.get(pid)
                if series is None:
                    series = by_pid[pid] = [*sampler.series(pid), 0]
                times = series[0]
                first = series[2] = bisect_left(times, start, series[2])
                if first < len(times) and times[first] <= end:
                    sampled = max(series[1][first : bisect_right(times, end, first)])
            source = "sampler" if sampled is not None else None
            for value in (sampled, rss_start, rss_end):
                if value is not None and (peak is None or value > peak):
                    peak = value
            if source is None and peak is not None:
                source = "probe"
        baseline = rss_start
        if baseline is None and sampler is not None:
            baseline = sampler.rss_before(pid, start)
        delta = None
        if peak is not None and baseline is not None:
            delta = peak - baseline if peak > baseline else 0

        out_bytes = None
        if by_output is not None:
            by_output = dict(by_output)
            out_bytes = sum(size for size in by_output.values() if size is not None)

        node = nodes.get(name, no_node)
        if node is None:
            tags: list[str] = []
            inputs: list[str] = []
            outputs: list[str] = []
        else:
            tags = node.tags
            tags = sorted(tags) if tags else []
            inputs = list(node.inputs)
            outputs = list(node.outputs)
        append(
            NodeRecord(  # positional, in field order: half the cost of keywords
                name,
                start,
                end,
                cpu,
                pid,
                thread,
                tags,
                inputs,
                outputs,
                gil,
                cpu_wait,
                baseline,
                peak,
                delta,
                source,
                out_bytes,
                by_output,
                error,
            )
        )
    return records


def profile_run(
    pipeline: Any,
    catalog: Any,
    runner: Any,
    *,
    measure_output_bytes: bool = False,
    only_missing_outputs: bool = False,
    **options: Any,
) -> RunProfile:
    """Run ``pipeline`` on ``catalog`` with ``runner`` under a :class:`Profiler`.

    ``options`` go to :class:`Profiler`. If the run fails its exception is
    re-raised with the partial profile attached as ``exc.profile``.
    """
    profiler = Profiler(
        pipeline, runner=runner, measure_output_bytes=measure_output_bytes, **options
    )
    try:
        with profiler:
            runner.run(
                pipeline, catalog, only_missing_outputs=only_missing_outputs, observers=[profiler]
            )
    except BaseException as exc:
        if profiler.profile is not None:
            try:
                exc.profile = profiler.profile  # type: ignore[attr-defined]
                add_note(
                    exc,
                    "runadvisor: the partial profile of this run is in `exc.profile`",
                    structured=True,
                )
            except (AttributeError, TypeError):  # exceptions that refuse attributes
                pass
        raise
    assert profiler.profile is not None
    return profiler.profile


def _pipeline_facts(pipeline: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(name -> node, edges) from a pipeline, or empty without one.

    Edges come child by child in the pipeline's order, each child's parents by
    name: deterministic without sorting them all.
    """
    if pipeline is None:
        return {}, []
    nodes = {n.name: n for n in pipeline.nodes}
    edges = []
    for child, parents in (getattr(pipeline, "node_dependencies", None) or {}).items():
        if parents:
            name = child.name
            if len(parents) == 1:
                for parent in parents:
                    edges.append((parent.name, name))
            else:
                edges.extend((parent, name) for parent in sorted(p.name for p in parents))
    return nodes, edges


def _max_workers(runner: Any) -> int | None:
    for attribute in ("max_workers", "_max_workers"):
        value = getattr(runner, attribute, None)
        if isinstance(value, int):
            return value
    return None


def _runner_start_method(runner: Any) -> str | None:
    """The start method a process runner will use, when it says so."""
    for attribute in ("start_method", "_start_method", "mp_context", "_mp_context", "_context"):
        value = getattr(runner, attribute, None)
        if isinstance(value, str):
            return value
        method = getattr(value, "get_start_method", None)
        if callable(method):
            try:
                return str(method())
            except Exception:
                continue
    return None
