"""What a report says, independent of its format.

:func:`from_recommendation` and :func:`from_profiles` turn a Recommendation (or
saved profiles) into a :class:`Report`: plain strings, tables and matplotlib
figures. ``html.py`` and ``markdown.py`` only lay that out, so both formats
carry the same content. Only the attributes that docs/architecture.md lists
for Recommendation, Candidate, PipelineFacts and RunProfile are read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

from runadvisor.reports import charts
from runadvisor.reports.common import shorten, slug
from runadvisor.runners import registry
from runadvisor.units import (
    fmt_bytes,
    fmt_number,
    fmt_percent,
    fmt_range,
    fmt_seconds,
    fmt_speedup,
    fmt_timestamp,
)

MAX_NODE_BARS = 30  # the per-node chart shows the longest nodes only
MAX_TABLE_ROWS = 300  # per-node tables stop here; report.json has everything
MAX_PATH_NODES = 12  # critical path shown in full up to this many nodes


@dataclass
class Chart:
    """One figure with the words that say how to read it."""

    key: str  # file-name-safe, unique within the report
    title: str
    caption: str
    figure: Figure
    alt: str


Cell = str | tuple[str, str]  # a value, or (value, a smaller second line)


@dataclass
class Table:
    """Cells as display strings; ``numeric`` columns are right-aligned."""

    columns: list[str]
    rows: list[list[Cell]]
    numeric: list[bool]
    highlight: set[int] = field(default_factory=set)  # row indexes to emphasise
    muted: set[int] = field(default_factory=set)  # rows that did not run properly
    note: str = ""  # e.g. "300 of 1200 nodes shown"


@dataclass
class Fact:
    """A labelled value with a short explanation."""

    label: str
    value: str
    help: str = ""


@dataclass
class Section:
    """One profiled run: summary, charts and a per-node table."""

    key: str
    title: str
    summary: list[Fact]
    charts: list[Chart]
    table: Table
    error: str | None = None
    n_nodes: int = 0


@dataclass
class Report:
    """Everything a report shows, in reading order."""

    title: str
    subject: str | None = None  # what the report is about, e.g. the pipeline's name
    verdict: str | None = None
    tagline: str | None = None
    confidence: str | None = None
    predict_only: bool = False
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    candidates: Table | None = None
    candidates_title: str = "Candidates"
    charts: list[Chart] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    meta: list[Fact] = field(default_factory=list)

    def all_charts(self) -> list[Chart]:
        """Top-level charts, then each section's."""
        return [*self.charts, *(c for s in self.sections for c in s.charts)]


# ---------------------------------------------------------------------------------------
def from_recommendation(rec: Any) -> Report:
    """The report of an advisor's Recommendation."""
    facts = rec.facts
    candidates = list(rec.candidates)
    profiles: Mapping[str, Any] = {
        display_label(label, p): p for label, p in (getattr(rec, "profiles", None) or {}).items()
    }
    predict_only = bool(getattr(rec, "predict_only", False))

    best = _recommended_index(rec, candidates)
    report = Report(
        title="runadvisor report",
        verdict=f"Use {_verdict_call(rec)}",
        tagline=_tagline(rec, predict_only),
        confidence=str(rec.confidence) if rec.confidence else None,
        predict_only=predict_only,
        reasons=[_sentence(step) for step in (getattr(rec, "path", None) or [])],
        warnings=[str(w) for w in (getattr(rec, "warnings", None) or [])],
        candidates=_candidate_table(candidates, best),
    )
    report.charts.append(_wall_chart(candidates, best, predict_only))
    report.charts.append(_speedup_chart(facts, candidates, best))
    memory = _memory_series(profiles)
    if len(memory) > 1:  # one run's memory is already under its Gantt
        report.charts.append(_memory_chart(memory, profiles))
    report.facts = _pipeline_facts(facts)
    report.sections = [
        _profile_section(label, p, i) for i, (label, p) in enumerate(profiles.items())
    ]
    for label, profile in profiles.items():
        if getattr(profile, "error", None):
            report.warnings.append(f"The profiled run {label} failed: {profile.error}")
    report.meta = _meta(getattr(rec, "created_at", ""), next(iter(profiles.values()), None))
    return report


def from_profiles(profiles: Mapping[str, Any]) -> Report:
    """The report of saved profiles alone: a summary, then one section per run."""
    report = Report(title="runadvisor profile report", candidates_title="Profiled runs")
    n = len(profiles)
    report.verdict = f"{n} profiled run{'s' if n != 1 else ''}"
    report.tagline = ", ".join(
        f"{shorten(label, 32)} in {fmt_seconds(p.wall)}" for label, p in list(profiles.items())[:4]
    ) + (", …" if n > 4 else "")
    rows: list[list[Cell]] = []
    muted = set()
    for i, (label, p) in enumerate(profiles.items()):
        lanes = {(r.pid, r.thread) for r in p.nodes}
        call = registry.call_for(p.runner, p.max_workers)
        rows.append(
            [
                (label, call),
                fmt_seconds(p.wall),
                str(len(p.nodes)),
                str(len(lanes)),
                fmt_seconds(sum(r.cpu for r in p.nodes)),
                _utilisation(p),
                fmt_bytes(max(p.samples.rss, default=None)),
                ("failed", str(p.error)) if p.error else "ok",
            ]
        )
        if p.error:
            muted.add(i)
            report.warnings.append(f"The run {label} failed: {p.error}")
    report.candidates = Table(
        columns=[
            "Run",
            "Wall time",
            "Nodes",
            "Lanes used",
            "CPU time",
            "CPU use",
            "Peak memory",
            "Status",
        ],
        rows=rows,
        numeric=[False, True, True, True, True, True, True, False],
        muted=muted,
    )
    memory = _memory_series(profiles)
    if len(memory) > 1:
        report.charts.append(_memory_chart(memory, profiles))
    report.sections = [
        _profile_section(label, p, i) for i, (label, p) in enumerate(profiles.items())
    ]
    report.meta = _meta("", next(iter(profiles.values()), None))
    return report


def display_label(label: str, profile: Any) -> str:
    """How a run is titled: its label, with the runner when the label does not say it.

    The advisor files the profiled run its facts come from under ``"facts"``.
    """
    if label == "facts":
        return f"{profile_label(profile)}, profiled for the facts"
    if label.startswith(profile.runner):
        return label
    return f"{label}: {profile_label(profile)}"


def profile_label(profile: Any) -> str:
    """``ThreadRunner(4)`` or ``SequentialRunner``: how a run is named in a report."""
    return registry.label_for(profile.runner, profile.max_workers)


# --- recommendation pieces --------------------------------------------------------------
def _is_sequential(runner: str) -> bool:
    return not registry.takes_workers(runner)


def _same_workers(a: int | None, b: int | None) -> bool:
    return (a or 1) == (b or 1)


def _recommended_index(rec: Any, candidates: Sequence[Any]) -> int | None:
    for i, c in enumerate(candidates):
        if c.runner == rec.runner and _same_workers(c.workers, rec.max_workers):
            return i
    return None


def _verdict_call(rec: Any) -> str:
    """The command line that runs the advice, when it has one; else the runner as code."""
    return getattr(rec, "command", "") or registry.call_for(rec.runner, rec.max_workers)


def _tagline(rec: Any, predict_only: bool) -> str:
    parts = []
    if _is_sequential(rec.runner):
        parts.append("run the nodes one after another; no parallel runner pays off")
    elif _finite(rec.speedup):
        verb = "predicted" if predict_only else ""
        parts.append(f"{verb} {fmt_speedup(rec.speedup)} faster than sequential".strip())
    if rec.confidence:
        parts.append(f"confidence {rec.confidence}")
    return ", ".join(parts)


def _label(c: Any) -> str:
    return registry.label_for(c.runner, c.workers)


def _candidate_table(candidates: Sequence[Any], best: int | None) -> Table:
    rows: list[list[Cell]] = []
    muted = set()
    for i, c in enumerate(candidates):
        measured = list(c.measured or [])
        runs = f"{len(measured)} run{'s' if len(measured) != 1 else ''}"
        speedup: Cell = fmt_speedup(c.speedup)
        if c.speedup is not None and not measured:
            speedup = (speedup, "predicted")
        rows.append(
            [
                c.runner,
                fmt_number(c.workers) if c.workers else "1",
                (fmt_seconds(c.predicted), "bounds " + fmt_range(c.lower_bound, c.upper_bound)),
                (fmt_seconds(c.median), f"spread {fmt_seconds(c.spread)}, {runs}")
                if len(measured) > 1
                else (fmt_seconds(c.median), runs)
                if measured
                else "—",
                fmt_bytes(c.peak_rss),
                speedup,
                (str(c.status), str(c.reason)) if c.reason else str(c.status),
            ]
        )
        if c.status not in ("ok", "predicted"):
            muted.add(i)
    return Table(
        columns=[
            "Runner",
            "Workers",
            "Predicted",
            "Measured median",
            "Peak memory",
            "Speedup",
            "Status",
        ],
        rows=rows,
        numeric=[False, True, True, True, True, True, False],
        highlight={best} if best is not None else set(),
        muted=muted,
    )


def _wall_chart(candidates: Sequence[Any], best: int | None, predict_only: bool) -> Chart:
    fig = charts.wall_time_chart(
        [_label(c) for c in candidates],
        [c.predicted for c in candidates],
        [list(c.measured or []) for c in candidates],
        highlight=best,
        notes=[None if c.measured else str(c.status) for c in candidates],
        title="",
    )
    caption = (
        "One row per candidate. The hatched bar is the wall time the advisor predicts from "
        "the profile (node times laid out on P workers, plus overheads). "
    )
    if predict_only:
        caption += "Nothing was measured: the advisor ran in predict-only mode. "
    else:
        caption += (
            "The solid bar is the median of the measured runs; its whisker spans the fastest "
            "to the slowest run. A wide whisker means a noisy machine. "
        )
    caption += "Shorter is better; the recommended candidate is darker, its label in bold."
    return Chart(
        "wall-time",
        "Wall time per candidate",
        caption,
        fig,
        "Bar chart of predicted and measured wall time for each runner and worker count",
    )


def _speedup_chart(facts: Any, candidates: Sequence[Any], best: int | None) -> Chart:
    seq = next((c for c in candidates if _is_sequential(c.runner) and _finite(c.predicted)), None)
    base = seq.predicted if seq is not None else getattr(facts, "t1", None)
    series: dict[str, list[tuple[int, float | None, float | None]]] = {}
    for c in candidates:
        predicted = base / c.predicted if _finite(base) and _positive(c.predicted) else None
        measured = c.speedup if c.measured and _finite(c.speedup) else None
        series.setdefault(c.runner, []).append((int(c.workers or 1), measured, predicted))
    highlight = None
    if best is not None:
        highlight = (candidates[best].runner, int(candidates[best].workers or 1))
    fig = charts.speedup_chart(facts.t1, facts.t_inf, series, highlight=highlight, title="")
    caption = (
        "Speedup over sequential against the number of workers P. The green band is what "
        "the pipeline's graph allows, as Cilkscale draws it: no runner can beat its top edge "
        "T1 / max(T1/P, T∞) (not enough cores below the knee, the critical path above it), "
        "and a scheduler without overhead reaches at least its bottom edge T1 / (T1/P + T∞). "
        "Filled points are measured, hollow ones predicted; the dashed diagonal is perfect "
        "scaling. Points under the band are overhead: the GIL for threads, start-up and "
        "copying data for processes."
    )
    return Chart(
        "speedup",
        "Speedup against workers",
        caption,
        fig,
        "Speedup against worker count per runner, inside the band of bounds the DAG allows",
    )


def _memory_series(profiles: Mapping[str, Any]) -> dict[str, tuple[list[float], list[float]]]:
    return {
        label: (list(p.samples.t), [float(r) for r in p.samples.rss])
        for label, p in profiles.items()
        if len(p.samples.t)
    }


def _memory_chart(
    series: Mapping[str, tuple[list[float], list[float]]], profiles: Mapping[str, Any]
) -> Chart:
    return Chart(
        "memory",
        "Memory over time",
        "Resident memory (RSS) of the whole process tree, worker processes included, sampled "
        "during each profiled run; the dot marks each run's peak. Process workers each hold "
        "their own interpreter and their own copies of the data they are sent, so they "
        "usually peak higher than threads.",
        charts.memory_chart(series, runners={k: p.runner for k, p in profiles.items()}, title=""),
        "Line chart of the process tree's memory over time, one line per profiled run",
    )


def _pipeline_facts(f: Any) -> list[Fact]:
    unpicklable = list(getattr(f, "unpicklable", None) or [])
    picklable = "yes" if f.picklable else "no"
    if unpicklable:
        picklable += ": " + ", ".join(shorten(str(n), 60) for n in unpicklable[:8])
        if len(unpicklable) > 8:
            picklable += f" and {len(unpicklable) - 8} more"
    path = [str(n) for n in (getattr(f, "critical_path", None) or [])]
    if len(path) > MAX_PATH_NODES:
        shown = " → ".join(path[: MAX_PATH_NODES - 2])
        path_text = f"{shown} → … ({len(path) - MAX_PATH_NODES + 1} more) → {path[-1]}"
    else:
        path_text = " → ".join(path) or "—"
    facts = [
        Fact("Work T1", fmt_seconds(f.t1), "sum of all node times: the run on one worker"),
        Fact(
            "Span T∞",
            fmt_seconds(f.t_inf),
            "the longest chain of dependent nodes: the run on unlimited workers",
        ),
        Fact(
            "Parallelism T1/T∞",
            fmt_number(f.parallelism),
            "how many workers the graph can keep busy on average; more do not help",
        ),
        Fact("Widest level", fmt_number(f.widest_level), "the most nodes that can run at once"),
        Fact("Nodes", fmt_number(f.n_nodes)),
        Fact("CPU share", fmt_percent(f.cpu_share), "of node time spent computing"),
        Fact(
            "Non-CPU share",
            fmt_percent(f.noncpu_share),
            "of node time spent waiting for I/O, sleep or locks; threads overlap this",
        ),
        Fact(
            "GIL share",
            fmt_percent(f.gil_share),
            "of the computing time spent holding the GIL; threads cannot overlap this",
        ),
        Fact(
            "Bytes moved",
            fmt_bytes(f.bytes_moved),
            "pickled size of the data passed between nodes: what process workers must copy",
        ),
        Fact(
            "Peak node memory",
            fmt_bytes(f.peak_node_memory),
            "the most one node added to its process's memory",
        ),
        Fact("Picklable", picklable, "whether nodes and data can go to process workers"),
        Fact("Critical path", path_text, "the nodes that make up T∞"),
        Fact("Cores", fmt_number(f.cores), "CPUs this process may use"),
        Fact("Available memory", fmt_bytes(f.available_memory)),
        Fact("GIL enabled", fmt_number(f.gil_enabled) if f.gil_enabled is not None else "—"),
        Fact("Start method", str(f.start_method or "—"), "how process workers start"),
    ]
    cpu_wait = getattr(f, "cpu_wait_share", None)  # newer advisors: a busy machine's share
    if _finite(cpu_wait) and cpu_wait > 0:  # type: ignore[operator]
        facts.insert(
            7,
            Fact(
                "Waiting for a CPU",
                fmt_percent(cpu_wait),
                "of node time ready to run while other processes had the cores: a busy machine",
            ),
        )
    return facts


# --- profile pieces ---------------------------------------------------------------------
def _lanes(profile: Any) -> dict[tuple[int, int], str]:
    """Worker lanes in order of first use, named for people, not by raw ids."""
    order = sorted(profile.nodes, key=lambda r: r.start)
    keys = list(dict.fromkeys((r.pid, r.thread) for r in order))
    pids = list(dict.fromkeys(pid for pid, _ in keys))
    names = {}
    for pid, tid in keys:
        threads = [t for p, t in keys if p == pid]
        if len(pids) == 1:
            names[(pid, tid)] = f"thread {threads.index(tid) + 1}"
        elif len(threads) == 1:
            names[(pid, tid)] = f"process {pids.index(pid) + 1}"
        else:
            names[(pid, tid)] = f"proc {pids.index(pid) + 1} / thr {threads.index(tid) + 1}"
    return names


def _utilisation(profile: Any) -> str:
    """Total CPU time over wall time: ``"1.7 cores"``."""
    cpu = sum(r.cpu for r in profile.nodes)
    if not _positive(profile.wall):
        return "—"
    return f"{cpu / profile.wall:.2g} cores"


def _profile_section(label: str, p: Any, index: int) -> Section:
    key = f"{index + 1}-{slug(label)}"
    lanes = _lanes(p)
    spans = [
        charts.Span(r.name, lanes[(r.pid, r.thread)], r.start, r.end, r.cpu, bool(r.error))
        for r in p.nodes
    ]
    memory = (list(p.samples.t), [float(x) for x in p.samples.rss]) if len(p.samples.t) else None
    gantt = Chart(
        f"gantt-{key}",
        f"{label}: nodes on workers",
        "Each lane is one worker (a thread or a process) and each bar one node, from the "
        "moment it started loading its inputs to the moment its outputs were saved. Blue "
        "nodes spent at least half their time on the CPU, amber ones mostly waited (I/O, "
        "sleep, locks, the GIL). Gaps in a lane are idle workers: nothing was ready, or the "
        "runner was busy handing out work."
        + (" Below: memory of the whole process tree, on the same time axis." if memory else ""),
        charts.gantt_chart(spans, wall=p.wall, memory=memory),
        f"Gantt chart of the nodes of {label} on their worker lanes",
    )
    longest = sorted(p.nodes, key=lambda r: r.wall, reverse=True)[:MAX_NODE_BARS]
    bars = Chart(
        f"nodes-{key}",
        f"{label}: where each node's time went"
        + (
            f" (the longest {len(longest)} of {len(p.nodes)} nodes)"
            if len(p.nodes) > len(longest)
            else ""
        ),
        "Each bar is one node's wall time split into CPU time spent holding the GIL (dark), "
        "CPU time without it (light: NumPy, compression, hashing and other C code that "
        "releases it) and time off the CPU (amber: I/O, sleep, locks; grey hatched, where "
        "measured: ready to run but waiting for a CPU another process had). Only the dark part "
        "stops threads from running Python side by side.",
        charts.node_time_chart(
            [r.name for r in longest],
            [r.cpu for r in longest],
            [r.gil_held for r in longest],
            [r.noncpu for r in longest],
            cpu_wait=[getattr(r, "cpu_wait", None) for r in longest],
            total=len(p.nodes),
            title="",
        ),
        f"Stacked bars of CPU, GIL and non-CPU time per node of {label}",
    )
    summary = [
        Fact("Runner", registry.call_for(p.runner, p.max_workers)),
        Fact("Wall time", fmt_seconds(p.wall)),
        Fact("Nodes", str(len(p.nodes))),
        Fact("Lanes used", str(len(lanes))),
        Fact("CPU time", fmt_seconds(sum(r.cpu for r in p.nodes))),
        Fact("CPU use", _utilisation(p)),
        Fact("Peak memory", fmt_bytes(max(p.samples.rss, default=None))),
        Fact("Started", fmt_timestamp(p.started_at)),
    ]
    return Section(
        key,
        label,
        summary,
        [gantt, bars],
        _node_table(p, lanes),
        error=str(p.error) if p.error else None,
        n_nodes=len(p.nodes),
    )


def _node_table(p: Any, lanes: Mapping[tuple[int, int], str]) -> Table:
    records = sorted(p.nodes, key=lambda r: r.start)
    with_errors = any(r.error for r in records)
    rows: list[list[Cell]] = []
    muted = set()
    for i, r in enumerate(records[:MAX_TABLE_ROWS]):
        data = f"{', '.join(map(str, r.inputs)) or '—'} → {', '.join(map(str, r.outputs)) or '—'}"
        tags = ", ".join(str(t) for t in r.tags)
        row: list[Cell] = [
            (r.name, f"[{tags}] {data}" if tags else data),
            lanes[(r.pid, r.thread)],
            fmt_seconds(r.start),
            fmt_seconds(r.wall),
            fmt_seconds(r.cpu),
            fmt_seconds(r.gil_held),
            fmt_seconds(r.noncpu),
            fmt_bytes(r.peak_rss_delta),
            fmt_bytes(r.out_bytes),
        ]
        if with_errors:
            row.append(str(r.error) if r.error else "")
        rows.append(row)
        if r.error:
            muted.add(i)
    note = ""
    if len(records) > MAX_TABLE_ROWS:
        note = f"The first {MAX_TABLE_ROWS} of {len(records)} nodes; report.json has them all."
    columns = [
        "Node",
        "Lane",
        "Start",
        "Wall",
        "CPU",
        "GIL held",
        "Non-CPU",
        "Memory added",
        "Output size",
    ]
    numeric = [False, False, *[True] * 7]
    if with_errors:
        columns.append("Error")
        numeric.append(False)
    # Columns the run did not measure at all (e.g. output sizes) are left out.
    keep = [
        j
        for j, name in enumerate(columns)
        if name not in ("GIL held", "Memory added", "Output size")
        or any(row[j] != "—" for row in rows)
    ]
    return Table(
        columns=[columns[j] for j in keep],
        rows=[[row[j] for j in keep] for row in rows],
        numeric=[numeric[j] for j in keep],
        muted=muted,
        note=note,
    )


def _meta(created_at: Any, profile: Any) -> list[Fact]:
    import runadvisor

    meta = []
    if created_at:
        meta.append(Fact("Created", fmt_timestamp(created_at)))
    machine = getattr(profile, "machine", None)
    if machine is not None:
        meta.append(
            Fact(
                "Machine",
                f"{machine.cores} cores, {fmt_bytes(machine.total_memory)} memory, "
                f"{machine.platform}",
            )
        )
        gil = "" if machine.gil_enabled else ", free-threaded"
        meta.append(Fact("Python", f"{machine.implementation} {machine.python_version}{gil}"))
    meta.append(Fact("runadvisor", str(getattr(runadvisor, "__version__", "") or "—")))
    return meta


def _sentence(text: object) -> str:
    """A reason as a sentence: first letter upper case (the advisor writes fragments)."""
    s = str(text).strip()
    first = s.split(" ", 1)[0].rstrip(":,;")
    if first.isalpha() and first.islower():  # a plain word, not max_workers=2 or a name
        return s[:1].upper() + s[1:]
    return s


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _positive(value: object) -> bool:
    return _finite(value) and value > 0  # type: ignore[operator]
