"""One run's charts: nodes on worker lanes (a Gantt), and where each node's time went.

Node names are written inside their bars only where they fit whole (on one
line or wrapped on two); every bar carries the full name as its tooltip
(the SVG ``<title>``), so no name is ever cut to ``agg…``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from runadvisor.reports.charts.style import (
    CPU,
    CPU_FREE,
    FAILED,
    GIL,
    INK,
    QUEUED,
    WAIT,
    WIDTH,
    ChartFigure,
    byte_scale,
    chart_style,
    empty,
    ok,
    plain,
    time_scale,
    wrap_name,
)
from runadvisor.reports.common import shorten
from runadvisor.units import fmt_seconds

QUEUED_FACE = "#eceef2"  # waiting for a CPU: light grey, hatched darker by cause
QUEUED_HATCH = "#7b8290"
LABEL_CHARS = 30  # node names on the time chart: two lines of this many characters


class Span(NamedTuple):
    """One node on a Gantt lane: times in seconds from the run's start."""

    name: str
    lane: str
    start: float
    end: float
    cpu: float
    failed: bool = False
    cpu_wait: float = 0.0


# What a Gantt bar's colour says.
COMPUTING = "mostly computing"
QUEUED_WORD = "mostly waiting for a CPU"
OFF_CPU = "mostly off the CPU (I/O, sleep, locks, GIL)"


def span_kind(span: Span) -> str:
    """How a node spent its time: ``COMPUTING``, ``QUEUED_WORD``, ``OFF_CPU`` or ``"failed"``."""
    wall = max(span.end - span.start, 1e-12)
    if span.failed:
        return "failed"
    if span.cpu >= 0.5 * wall:
        return COMPUTING
    if span.cpu + (span.cpu_wait or 0.0) >= 0.5 * wall:
        return QUEUED_WORD
    return OFF_CPU


_KIND_COLOUR = {COMPUTING: CPU, QUEUED_WORD: QUEUED, OFF_CPU: WAIT, "failed": FAILED}


def gantt_chart(
    spans: Sequence[Span],
    *,
    wall: float | None = None,
    memory: tuple[Sequence[float], Sequence[float]] | None = None,
    title: str = "",
    width: float = WIDTH,
) -> Figure:
    """Nodes as bars on worker lanes, coloured by how they spent their time; memory below.

    ``memory`` is the process tree's ``(t, rss)`` series, drawn on a panel
    that shares the time axis. Lanes are drawn in order of first use.
    """
    lanes = list(dict.fromkeys(s.lane for s in sorted(spans, key=lambda s: s.start)))
    has_memory = bool(memory and len(memory[0]))
    with chart_style():
        height = 1.0 + 0.36 * max(len(lanes), 1) + (1.3 if has_memory else 0)
        fig = ChartFigure(figsize=(width, height), layout="constrained")
        if has_memory:
            ratio = [max(len(lanes), 1) * 0.36 + 0.4, 1.1]
            ax, mem_ax = fig.subplots(2, 1, sharex=True, height_ratios=ratio)
        else:
            ax, mem_ax = fig.subplots(), None
        if not spans:
            return empty(fig, ax, "no nodes ran")
        end = max([wall or 0.0, *(s.end for s in spans)])
        if mem_ax is not None and memory is not None:
            end = max(end, max(memory[0], default=0.0))
        factor, unit = time_scale(end)
        lane_of = {lane: i for i, lane in enumerate(lanes)}
        kinds = [span_kind(s) for s in spans]
        bars = ax.barh(
            [lane_of[s.lane] for s in spans],
            [(s.end - s.start) * factor for s in spans],
            left=[s.start * factor for s in spans],
            height=0.72,
            color=[_KIND_COLOUR[k] for k in kinds],
            edgecolor="white",
            linewidth=0.6,
        )
        for s, kind, patch in zip(spans, kinds, bars.patches):
            fig.add_tip(patch, _span_tip(s, kind))
        ax.set_yticks(range(len(lanes)), [plain(lane) for lane in lanes])
        ax.set_ylim(len(lanes) - 0.5, -0.5)
        ax.set_xlim(0, end * factor * 1.01)
        ax.grid(axis="y", visible=False)
        shown = [k for k in (COMPUTING, QUEUED_WORD, OFF_CPU, "failed") if k in kinds]
        legend = [Patch(color=_KIND_COLOUR[k], label=k) for k in shown]
        ax.legend(handles=legend, loc="lower right", bbox_to_anchor=(1, 1), ncols=len(legend))
        if title:
            ax.set_title(plain(title))
        if mem_ax is not None and memory is not None:
            _memory_panel(mem_ax, memory, factor)
            mem_ax.set_xlabel(f"time since start ({unit})")
        else:
            ax.set_xlabel(f"time since start ({unit})")
        _names_in_bars(fig, ax, spans, kinds, bars.patches)
    return fig


def _span_tip(s: Span, kind: str) -> str:
    waited = f", waited {fmt_seconds(s.cpu_wait)} for a CPU" if s.cpu_wait else ""
    return (
        f"{s.name} ({s.lane}): {fmt_seconds(s.start)} to {fmt_seconds(s.end)}, "
        f"wall {fmt_seconds(s.end - s.start)}, CPU {fmt_seconds(s.cpu)}{waited}; {kind}"
    )


def _names_in_bars(
    fig: ChartFigure, ax: Any, spans: Sequence[Span], kinds: Sequence[str], patches: Sequence[Any]
) -> None:
    """Write each name in its bar if it fits whole, on one line or wrapped on two.

    Fit is measured on the laid-out figure, so it holds for any font, size and
    number of lanes.
    """
    renderer = fig.renderer()
    for s, kind, patch in zip(spans, kinds, patches):
        box = patch.get_window_extent(renderer)
        if box.width < 12:
            continue
        for text, size in ((s.name, 7.5), (wrap_name(s.name, max(4, len(s.name) // 2 + 2)), 7.0)):
            if not text:
                continue
            artist = ax.text(
                patch.get_x() + patch.get_width() / 2,
                patch.get_y() + patch.get_height() / 2,
                plain(text),
                ha="center",
                va="center",
                fontsize=size,
                linespacing=1.0,
                color=INK if kind in (OFF_CPU, QUEUED_WORD) else "white",
            )
            artist.set_in_layout(False)
            inner = artist.get_window_extent(renderer)
            if inner.width <= box.width - 4 and inner.height <= box.height:
                fig.add_tip(artist, s.name)
                break
            artist.remove()


def _memory_panel(
    mem_ax: Any, memory: tuple[Sequence[float], Sequence[float]], factor: float
) -> None:
    t, rss = memory
    div, unit = byte_scale(max(rss, default=0) or 1)
    xs = [x * factor for x in t]
    ys = [r / div for r in rss]
    mem_ax.fill_between(xs, ys, color="#c7d2fe", linewidth=0)
    mem_ax.plot(xs, ys, color="#4f46e5", lw=1.2)
    mem_ax.set_ylabel(f"RSS ({unit})")
    mem_ax.set_ylim(0, (max(ys, default=0) or 1) * 1.15)


def node_time_chart(
    names: Sequence[str],
    cpu: Sequence[float],
    gil_held: Sequence[float | None],
    noncpu: Sequence[float],
    *,
    cpu_wait: Sequence[float | None] | None = None,
    cpu_wait_own: Sequence[float] | None = None,
    total: int | None = None,
    title: str = "",
    width: float = WIDTH,
) -> Figure:
    """Per-node stacked bars: CPU holding the GIL, CPU without it, waiting for a CPU, off the CPU.

    ``gil_held[i]`` is None when not measured (the CPU bar is then one piece);
    it is clipped to the CPU time so that the pieces add up to the wall time.
    ``cpu_wait[i]`` is the part of ``noncpu`` the node was ready to run but had
    no CPU; ``cpu_wait_own[i]`` the part of that caused by the pipeline's own
    workers outnumbering the cores (the rest: other processes). ``total`` is
    the number of nodes when only the longest are shown.
    """
    n = len(names)
    with chart_style():
        fig = ChartFigure(figsize=(width, 1.2 + 0.3 * max(n, 1)), layout="constrained")
        ax = fig.subplots()
        if n == 0:
            return empty(fig, ax, "no nodes ran")
        walls = [c + w for c, w in zip(cpu, noncpu)]
        factor, unit = time_scale(max(walls, default=0.0) or 1e-3)
        gil = [min(g, c) if ok(g) else 0.0 for g, c in zip(gil_held, cpu)]
        free = [c - g for c, g in zip(cpu, gil)]
        waits = [min(q, w) if ok(q) else 0.0 for q, w in zip(cpu_wait or [None] * n, noncpu)]
        own = [min(o, q) if ok(o) else 0.0 for o, q in zip(cpu_wait_own or [0.0] * n, waits)]
        other_wait = [q - o for q, o in zip(waits, own)]
        rest = [w - q for w, q in zip(noncpu, waits)]
        has_gil = any(ok(g) for g in gil_held)
        pieces = [
            (gil, GIL, "CPU holding the GIL" if has_gil else None, None),
            (free, CPU_FREE, "CPU without the GIL" if has_gil else "CPU", None),
            (own, QUEUED_HATCH, "waiting for a CPU: own workers outnumber cores", "xxxx"),
            (other_wait, QUEUED_HATCH, "waiting for a CPU: other processes", "////"),
            (rest, WAIT, "off the CPU (I/O, sleep, locks)", None),
        ]
        left = [0.0] * n
        for values, colour, label, hatch in pieces:
            if label is None or not any(v > 0 for v in values):
                left = [x + v for x, v in zip(left, values)]
                continue
            bars = ax.barh(
                range(n),
                [v * factor for v in values],
                left=[x * factor for x in left],
                color=QUEUED_FACE if hatch else colour,
                edgecolor=colour if hatch else None,
                height=0.7,
                label=label,
                hatch=hatch,
                linewidth=0,
            )
            for i, patch in enumerate(bars.patches):
                if values[i] > 0:
                    fig.add_tip(patch, f"{names[i]}: {label} {fmt_seconds(values[i])}")
            left = [x + v for x, v in zip(left, values)]
        ax.set_yticks(range(n), [plain(_row_label(name)) for name in names])
        ax.set_ylim(n - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(f"time per node ({unit})")
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=3, borderaxespad=0.2)
        shown = f" (longest {n} of {total})" if total and total > n else ""
        if title:
            ax.set_title(plain(title + shown), pad=30)
    return fig


def _row_label(name: str) -> str:
    """The whole name, wrapped on two lines if needed; only longer ones are shortened."""
    return wrap_name(name, LABEL_CHARS) or shorten(name, LABEL_CHARS)
