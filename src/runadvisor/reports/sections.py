"""One profiled run as a report section: its Gantt, where its time went, its node table.

Lanes are named by :mod:`runadvisor.reports.lanes`; waits for a CPU are split
by cause with :mod:`runadvisor.reports.contention`. Output sizes the run did
not measure itself are filled in from another run of the same nodes that did
(``known_sizes``), since a node's outputs do not depend on the runner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runadvisor.reports import charts
from runadvisor.reports.common import slug
from runadvisor.reports.contention import CpuWaitSummary, split_cpu_wait, summarise_cpu_wait
from runadvisor.reports.lanes import Lane, lane_names
from runadvisor.reports.model import Cell, Chart, Fact, Section, Table
from runadvisor.runners import registry
from runadvisor.units import fmt_bytes, fmt_percent, fmt_seconds, fmt_timestamp

MAX_NODE_BARS = 30  # the per-node chart shows the longest nodes only
MAX_TABLE_ROWS = 300  # per-node tables stop here; report.json has everything
WAIT_WORTH_SAYING = 0.02  # waits for a CPU under 2% of node time go unmentioned


def known_sizes(profiles: Mapping[str, Any]) -> dict[str, int]:
    """``{node: pickled output bytes}`` from every profile that measured them."""
    sizes: dict[str, int] = {}
    for profile in profiles.values():
        for r in profile.nodes:
            if r.out_bytes is not None and r.name not in sizes:
                sizes[r.name] = r.out_bytes
    return sizes


def utilisation(profile: Any) -> str:
    """Total CPU time over wall time: ``"1.7 cores"``."""
    cpu = sum(r.cpu for r in profile.nodes)
    if not profile.wall or profile.wall <= 0:
        return "—"
    return f"{cpu / profile.wall:.2g} cores"


def gantt_figure(profile: Any, *, memory: bool = True, width: float = charts.WIDTH) -> Any:
    """The Gantt of one run (lanes named by what they are), memory below unless ``memory=False``."""
    lanes = lane_names(profile.runner, profile.nodes)
    spans = [
        charts.Span(
            r.name,
            lanes[(r.pid, r.thread)],
            r.start,
            r.end,
            r.cpu,
            bool(r.error),
            r.cpu_wait or 0.0,
        )
        for r in profile.nodes
    ]
    series = None
    if memory and len(profile.samples.t):
        series = (list(profile.samples.t), [float(x) for x in profile.samples.rss])
    return charts.gantt_chart(spans, wall=profile.wall, memory=series, width=width)


GANTT_CAPTION = (
    "Each lane is one worker: a process, a pool thread, or the main thread for nodes run "
    "inline. Each bar is one node, from loading its inputs to saving its outputs (in the "
    "HTML report, its tooltip has its full name and times). Blue: mostly computing; grey: "
    "mostly ready but waiting for a CPU; amber: mostly off the CPU (I/O, sleep, locks, the "
    "GIL). Gaps are idle workers."
)


def profile_section(
    label: str,
    p: Any,
    index: int,
    *,
    sizes: Mapping[str, int] | None = None,
    badge: str = "",
) -> Section:
    """The section of one profiled run, collapsed unless it failed."""
    key = f"{index + 1}-{slug(label)}"
    lanes = lane_names(p.runner, p.nodes)
    has_memory = bool(len(p.samples.t))
    gantt = Chart(
        f"gantt-{key}",
        f"{label}: nodes on workers",
        GANTT_CAPTION + (" Below: memory of the whole process tree." if has_memory else ""),
        gantt_figure(p),
        f"Gantt chart of the nodes of {label} on their worker lanes",
    )
    cores = getattr(getattr(p, "machine", None), "cores", 1) or 1
    bars = _time_chart(label, p, key, cores)
    peak = max(p.samples.rss, default=None)
    summary = [
        Fact("Runner", registry.call_for(p.runner, p.max_workers)),
        Fact("CPU time", fmt_seconds(sum(r.cpu for r in p.nodes))),
        Fact("Started", fmt_timestamp(p.started_at)),
    ]
    n_lanes = len(set(lanes.values()))
    headline = (
        f"{fmt_seconds(p.wall)} · {len(p.nodes)} node{'s' if len(p.nodes) != 1 else ''} on "
        f"{n_lanes} lane{'s' if n_lanes != 1 else ''} · CPU use {utilisation(p)} · "
        f"peak memory {fmt_bytes(peak)}"
    )
    return Section(
        key,
        label,
        summary,
        [gantt, bars],
        node_table(p, lanes, sizes or {}),
        error=str(p.error) if p.error else None,
        n_nodes=len(p.nodes),
        headline=headline,
        badge="failed" if p.error else badge,
        open=bool(p.error),
    )


def _time_chart(label: str, p: Any, key: str, cores: int) -> Chart:
    longest = sorted(p.nodes, key=lambda r: r.wall, reverse=True)[:MAX_NODE_BARS]
    splits = split_cpu_wait(p.nodes, cores)
    own_of = {r.name: s.own for r, s in zip(p.nodes, splits) if s is not None}
    figure = charts.node_time_chart(
        [r.name for r in longest],
        [r.cpu for r in longest],
        [r.gil_held for r in longest],
        [r.noncpu for r in longest],
        cpu_wait=[r.cpu_wait for r in longest],
        cpu_wait_own=[own_of.get(r.name, 0.0) for r in longest],
        total=len(p.nodes),
    )
    shown = (
        f" (the longest {len(longest)} of {len(p.nodes)})" if len(p.nodes) > len(longest) else ""
    )
    caption = (
        "Each bar is one node's wall time: CPU holding the GIL (dark blue), CPU without it "
        "(light blue: NumPy, compression and other C code that releases it), waiting for a "
        "CPU (grey, hatched by cause) and off the CPU (amber: I/O, sleep, locks). Only the "
        "dark blue part stops threads from running Python side by side. "
    )
    caption += cpu_wait_sentence(
        summarise_cpu_wait(p.nodes, cores), registry.label_for(p.runner, p.max_workers)
    )
    return Chart(
        f"nodes-{key}",
        f"{label}: where each node's time went{shown}",
        caption,
        figure,
        f"Stacked bars of CPU, GIL and waiting time per node of {label}",
    )


def cpu_wait_sentence(summary: CpuWaitSummary | None, run: str) -> str:
    """What caused this run's waits for a CPU, in one or two sentences; "" when negligible."""
    if summary is None or summary.busy <= 0 or summary.total < WAIT_WORTH_SAYING * summary.busy:
        return ""
    share = fmt_percent(summary.total / summary.busy)
    text = f"The nodes waited {fmt_seconds(summary.total)} for a CPU ({share} of node time): "
    cores = f"{summary.cores} core{'s' if summary.cores != 1 else ''}"
    parts = []
    if summary.own >= WAIT_WORTH_SAYING * summary.busy:
        parts.append(
            f"{fmt_seconds(summary.own)} because {run} ran up to {summary.most_running} "
            f"nodes at once on {cores} (its own workers outnumber the cores)"
        )
    if summary.other >= WAIT_WORTH_SAYING * summary.busy:
        parts.append(
            f"{fmt_seconds(summary.other)} because other processes on the machine had the cores"
        )
    if not parts:
        return ""
    return text + "; ".join(parts) + "."


def cpu_wait_cause(summary: CpuWaitSummary | None) -> str:
    """Who had the cores while nodes waited for one, in a few words ("" if nobody waited)."""
    if summary is None or summary.total <= 0:
        return ""
    if summary.own >= 0.8 * summary.total:
        return "the pipeline's own workers outnumbered the cores"
    if summary.other >= 0.8 * summary.total:
        return "other processes on the machine had the cores"
    return "partly the pipeline's own workers outnumbering the cores, partly other processes"


def node_table(p: Any, lanes: Mapping[Lane, str], sizes: Mapping[str, int]) -> Table:
    """One row per node in start order; columns nothing measured are left out."""
    records = sorted(p.nodes, key=lambda r: r.start)
    with_errors = any(r.error for r in records)
    rows: list[list[Cell]] = []
    muted = set()
    for i, r in enumerate(records[:MAX_TABLE_ROWS]):
        data = f"{', '.join(map(str, r.inputs)) or '—'} → {', '.join(map(str, r.outputs)) or '—'}"
        tags = ", ".join(str(t) for t in r.tags)
        size = r.out_bytes if r.out_bytes is not None else sizes.get(r.name)
        row: list[Cell] = [
            (r.name, f"[{tags}] {data}" if tags else data),
            lanes[(r.pid, r.thread)],
            fmt_seconds(r.start),
            fmt_seconds(r.wall),
            fmt_seconds(r.cpu),
            fmt_seconds(r.gil_held),
            fmt_seconds(r.cpu_wait),
            fmt_seconds(max(0.0, r.noncpu - (r.cpu_wait or 0.0))),
            fmt_bytes(r.peak_rss_delta),
            fmt_bytes(size),
        ]
        if with_errors:
            row.append(str(r.error) if r.error else "")
        rows.append(row)
        if r.error:
            muted.add(i)
    note = ""
    if len(records) > MAX_TABLE_ROWS:
        note = f"The first {MAX_TABLE_ROWS} of {len(records)} nodes; report.json has them all."
    if any(r.out_bytes is None and r.name in sizes for r in records):
        note = (note + " " if note else "") + (
            "Output sizes this run did not measure come from another run of the same nodes."
        )
    columns = [
        "Node",
        "Lane",
        "Start",
        "Wall",
        "CPU",
        "GIL held",
        "CPU wait",
        "Off CPU",
        "Mem. added",
        "Output",
    ]
    numeric = [False, False, *[True] * 8]
    if with_errors:
        columns.append("Error")
        numeric.append(False)
    optional = ("GIL held", "CPU wait", "Mem. added", "Output")
    keep = [
        j
        for j, name in enumerate(columns)
        if name not in optional or any(row[j] != "—" for row in rows)
    ]
    return Table(
        columns=[columns[j] for j in keep],
        rows=[[row[j] for j in keep] for row in rows],
        numeric=[numeric[j] for j in keep],
        muted=muted,
        note=note,
    )
