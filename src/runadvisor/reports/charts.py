"""The report's charts, drawn with matplotlib's object API (no pyplot, no GUI backend).

Every chart function takes plain data (names, numbers, lists) and returns a
:class:`matplotlib.figure.Figure`; :func:`figure_to_svg` and :func:`figure_to_png`
render one. Nothing here knows about profiles or recommendations: ``content.py``
turns those into the plain data. Text that came from the user (node names,
labels) goes through :func:`_plain` so that a ``$`` never switches matplotlib
into mathtext.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from runadvisor.reports.common import shorten

# Colours: CPU work is blue, waiting is amber, failures red; one colour per runner.
CPU = "#3b6fb6"
GIL = "#1f3f73"
CPU_FREE = "#8db3e2"
WAIT = "#e8a33d"
FAILED = "#c0392b"
BAND = "#cfe3d6"
INK = "#1f2328"
MUTED = "#6b7280"
_EXTRA_COLOURS = ["#d1495b", "#edae49", "#00798c", "#30638e", "#8d6a9f", "#5f7a3a"]

STYLE: dict[str, Any] = {
    "font.size": 9,
    "font.family": "DejaVu Sans",
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#9ca3af",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e5e7eb",
    "grid.linewidth": 0.8,
    "xtick.color": "#4b5563",
    "ytick.color": "#4b5563",
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "hatch.linewidth": 0.8,
    "svg.fonttype": "path",
    "svg.hashsalt": "runadvisor",  # stable element ids: identical input, identical SVG
}

FAILURES = ("timeout", "crashed", "failed", "unpicklable")  # statuses noted in red
WIDTH = 10.0  # inches; at 100 px/inch the charts fill a 1000 px column


class Span(NamedTuple):
    """One node on a Gantt lane: times in seconds from the run's start."""

    name: str
    lane: str
    start: float
    end: float
    cpu: float
    failed: bool = False


@contextmanager
def _style() -> Iterator[None]:
    with rc_context(STYLE):
        yield


def _plain(text: object) -> str:
    """User text for matplotlib: ``$`` escaped so it is never parsed as mathtext."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def runner_colour(runner: str, index: int = 0) -> str:
    """The registry's colour of a runner kind or class; a palette colour for others."""
    from runadvisor.runners import registry

    kind = registry.find(runner)
    return kind.colour if kind is not None else _EXTRA_COLOURS[index % len(_EXTRA_COLOURS)]


def time_scale(max_seconds: float) -> tuple[float, str]:
    """(factor, unit) to show seconds on an axis: ms under one second, else s."""
    if max_seconds < 1e-3:
        return 1e6, "us"
    if max_seconds < 1:
        return 1e3, "ms"
    return 1.0, "s"


def byte_scale(max_bytes: float) -> tuple[float, str]:
    """(divisor, unit) to show bytes on an axis, decimal units."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if max_bytes >= size:
            return size, unit
    return 1.0, "B"


def _empty(fig: Figure, ax: Any, message: str) -> Figure:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", color=MUTED, transform=ax.transAxes)
    return fig


# ---------------------------------------------------------------------------------------
def wall_time_chart(
    labels: Sequence[str],
    predicted: Sequence[float | None],
    measured: Sequence[Sequence[float]],
    *,
    highlight: int | None = None,
    notes: Sequence[str | None] = (),
    title: str = "Wall time per candidate",
) -> Figure:
    """Horizontal bars per candidate: predicted (hatched) beside measured median.

    ``measured[i]`` are the repeated runs of candidate ``i``; the bar is their
    median and the whisker spans min..max. ``notes[i]`` (e.g. "timeout") is
    written where a candidate has no measurement. ``highlight`` marks the
    recommended candidate.
    """
    n = len(labels)
    with _style():
        fig = Figure(figsize=(WIDTH, 1.3 + 0.42 * max(n, 1)), layout="constrained")
        ax = fig.subplots()
        if n == 0:
            return _empty(fig, ax, "no candidates")
        medians = [_median(m) for m in measured]
        values = [v for v in [*predicted, *(max(m) for m in measured if m)] if _ok(v)]
        top = max(values, default=1.0) or 1.0
        factor, unit = time_scale(top)
        h = 0.38
        ys = list(range(n))
        for i in ys:
            p = predicted[i] if i < len(predicted) else None
            if _ok(p):
                ax.barh(
                    i - h / 2,
                    p * factor,
                    height=h,
                    color="white",
                    edgecolor=CPU_FREE,
                    hatch="////",
                    linewidth=1.0,
                    label="predicted" if "predicted" not in _labels(ax) else None,
                )
            med = medians[i]
            if med is not None:
                runs = measured[i]
                lo, hi = min(runs), max(runs)
                ax.barh(
                    i + h / 2,
                    med * factor,
                    height=h,
                    color=CPU if i != highlight else GIL,
                    xerr=[[(med - lo) * factor], [(hi - med) * factor]],
                    error_kw={"ecolor": INK, "elinewidth": 1, "capsize": 3},
                    label="measured (median, min\u2013max)"
                    if "measured (median, min\u2013max)" not in _labels(ax)
                    else None,
                )
                ax.text(
                    hi * factor,
                    i + h / 2,
                    f"  {_short_time(med, factor, unit)}",
                    va="center",
                    fontsize=8,
                    color=INK,
                )
            elif _ok(p) and (i >= len(notes) or notes[i] in (None, "predicted")):
                ax.text(
                    p * factor,
                    i - h / 2,
                    f"  {_short_time(p, factor, unit)}",
                    va="center",
                    fontsize=8,
                    color=MUTED,
                )
            else:
                note = notes[i] if i < len(notes) and notes[i] else "not measured"
                ax.text(
                    top * factor * 0.01,
                    i + h / 2,
                    _plain(note),
                    va="center",
                    fontsize=8,
                    color=FAILED if note in FAILURES else MUTED,
                    style="italic",
                )
        ax.set_yticks(ys, [_plain(shorten(label, 36)) for label in labels])
        if highlight is not None and 0 <= highlight < n:
            tick = ax.get_yticklabels()[highlight]
            tick.set_fontweight("bold")
            tick.set_color(INK)
        ax.invert_yaxis()
        ax.set_xlabel(f"wall time ({unit})")
        ax.set_xlim(0, top * factor * 1.15)
        ax.grid(axis="y", visible=False)
        if _labels(ax):
            ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=2)
        if title:
            ax.set_title(_plain(title))
    return fig


def speedup_chart(
    t1: float | None,
    t_inf: float | None,
    series: Mapping[str, Sequence[tuple[int, float | None, float | None]]],
    *,
    highlight: tuple[str, int] | None = None,
    title: str = "Speedup against workers",
) -> Figure:
    """Speedup per runner against workers, inside the Cilkscale bounds band.

    ``series`` maps a runner to points ``(workers, measured, predicted)``
    (speedups over sequential; either may be None). The shaded band is the
    speedup the DAG allows: between ``T1 / (T1/P + T_inf)`` and
    ``T1 / max(T1/P, T_inf)``; the diagonal is ideal (linear) speedup.
    """
    with _style():
        fig = Figure(figsize=(WIDTH, 4.6), layout="constrained")
        ax = fig.subplots()
        workers = [w for pts in series.values() for w, _, _ in pts]
        p_max = max([2, *workers])
        xs = [1 + (p_max - 1) * k / 200 for k in range(201)]
        ax.plot(
            xs, xs, color="#9ca3af", linestyle=(0, (4, 3)), linewidth=1, label="ideal (P\u00d7)"
        )
        ys_all: list[float] = [2.0]  # the data and the band set the scale, not the diagonal
        band = False
        if _ok(t1) and _ok(t_inf) and t1 > 0 and t_inf > 0:  # type: ignore[operator]
            upper = [t1 / max(t1 / p, t_inf) for p in xs]  # type: ignore[operator]
            lower = [t1 / (t1 / p + t_inf) for p in xs]  # type: ignore[operator]
            ax.fill_between(
                xs,
                lower,
                upper,
                color=BAND,
                alpha=0.9,
                linewidth=0,
                label="bounds the DAG allows",
            )
            ax.plot(xs, upper, color="#5b9a6f", linewidth=1)
            ax.plot(xs, lower, color="#5b9a6f", linewidth=1)
            ys_all += upper
            band = True
            par = t1 / t_inf  # type: ignore[operator]
            if par < p_max * 1.05:
                ax.axhline(par, color="#5b9a6f", linestyle=":", linewidth=1)
                ax.text(
                    p_max,
                    par,
                    f"parallelism T1/T∞ = {par:.2g} ",
                    va="bottom",
                    ha="right",
                    fontsize=8,
                    color="#3d6b4a",
                )
        for k, (runner, points) in enumerate(series.items()):
            colour = runner_colour(runner, k)
            pts = sorted(points)
            meas = [(w, m) for w, m, _ in pts if _ok(m)]
            pred = [(w, p) for w, _, p in pts if _ok(p)]
            name = _plain(runner.removesuffix("Runner") or runner)
            if pred:
                ax.plot(
                    [w for w, _ in pred],
                    [p for _, p in pred],
                    color=colour,
                    linestyle="--",
                    linewidth=1,
                    marker="o",
                    markerfacecolor="white",
                    markersize=6,
                    label=f"{name} predicted",
                    zorder=3,
                )
            if meas:
                ax.plot(
                    [w for w, _ in meas],
                    [m for _, m in meas],
                    color=colour,
                    linewidth=2,
                    marker="o",
                    markersize=7,
                    label=f"{name} measured",
                    zorder=4,
                )
            ys_all += [v for _, v in meas] + [v for _, v in pred]
            if highlight and highlight[0] == runner:
                best = [v for w, v in (meas or pred) if w == highlight[1]]
                if best:
                    ax.plot(
                        [highlight[1]],
                        [best[0]],
                        marker="o",
                        markersize=17,
                        markerfacecolor="none",
                        markeredgecolor="#f2b705",
                        markeredgewidth=2.5,
                        linestyle="none",
                        label="recommended",
                        zorder=5,
                    )
        ax.set_xlim(0.8, p_max + 0.2)
        top = max(v for v in ys_all if math.isfinite(v))
        ax.set_ylim(0, top * (1.3 if band else 1.1))
        ax.set_xticks(sorted({1, *workers}) if len(set(workers)) <= 16 else ax.get_xticks())
        ax.set_xlabel("workers (P)")
        ax.set_ylabel("speedup over sequential (\u00d7)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        if title:
            ax.set_title(_plain(title))
    return fig


def gantt_chart(
    spans: Sequence[Span],
    *,
    wall: float | None = None,
    memory: tuple[Sequence[float], Sequence[float]] | None = None,
    title: str = "",
) -> Figure:
    """Nodes as bars on worker lanes, coloured CPU-heavy vs waiting; memory below.

    A node is CPU-heavy when its CPU time is at least half its wall time.
    Names are written inside the bars where they fit. ``memory`` is the
    process tree's ``(t, rss)`` series, drawn on a panel that shares the time
    axis.
    """
    lanes = list(dict.fromkeys(s.lane for s in sorted(spans, key=lambda s: s.start)))
    with _style():
        height = 1.1 + 0.34 * max(len(lanes), 1) + (1.5 if memory and len(memory[0]) else 0)
        fig = Figure(figsize=(WIDTH, height), layout="constrained")
        if memory and len(memory[0]):
            ratio = [max(len(lanes), 1) * 0.34 + 0.4, 1.3]
            ax, mem_ax = fig.subplots(2, 1, sharex=True, height_ratios=ratio)
        else:
            ax, mem_ax = fig.subplots(), None
        if not spans:
            return _empty(fig, ax, "no nodes ran")
        end = max([wall or 0.0, *(s.end for s in spans)])
        if mem_ax is not None and memory is not None:
            end = max(end, max(memory[0], default=0.0))
        factor, unit = time_scale(end)
        lane_of = {lane: i for i, lane in enumerate(lanes)}
        colours = [
            FAILED if s.failed else CPU if s.cpu >= 0.5 * (s.end - s.start) else WAIT for s in spans
        ]
        ax.barh(
            [lane_of[s.lane] for s in spans],
            [(s.end - s.start) * factor for s in spans],
            left=[s.start * factor for s in spans],
            height=0.72,
            color=colours,
            edgecolor="white",
            linewidth=0.6,
        )
        # Names inside bars: ~0.062 inch per character at 7.5 pt.
        ax_width_in = WIDTH * 0.82
        for s, colour in zip(spans, colours):
            width_in = (s.end - s.start) / (end or 1.0) * ax_width_in
            fits = int(width_in / 0.062) - 1
            if fits < 4:
                continue
            text = s.name if len(s.name) <= fits else s.name[: fits - 1] + "…"
            ax.text(
                (s.start + (s.end - s.start) / 2) * factor,
                lane_of[s.lane],
                _plain(text),
                ha="center",
                va="center",
                fontsize=7.5,
                clip_on=True,
                color=INK if colour == WAIT else "white",
            )
        ax.set_yticks(range(len(lanes)), [_plain(lane) for lane in lanes])
        ax.set_ylim(len(lanes) - 0.5, -0.5)
        ax.set_xlim(0, end * factor * 1.01)
        ax.grid(axis="y", visible=False)
        legend = [
            Patch(color=CPU, label="CPU-heavy (CPU ≥ ½ wall)"),
            Patch(color=WAIT, label="waiting"),
        ]
        if any(s.failed for s in spans):
            legend.append(Patch(color=FAILED, label="failed"))
        ax.legend(handles=legend, loc="lower right", bbox_to_anchor=(1, 1), ncols=3)
        if title:
            ax.set_title(_plain(title))
        if mem_ax is not None and memory is not None:
            t, rss = memory
            div, bunit = byte_scale(max(rss, default=0) or 1)
            mem_ax.fill_between(
                [x * factor for x in t], [r / div for r in rss], color="#c7d2fe", linewidth=0
            )
            mem_ax.plot([x * factor for x in t], [r / div for r in rss], color="#4f46e5", lw=1.2)
            mem_ax.set_ylabel(f"RSS ({bunit})")
            mem_ax.set_ylim(bottom=0)
            mem_ax.set_xlabel(f"time since start ({unit})")
        else:
            ax.set_xlabel(f"time since start ({unit})")
    return fig


def node_time_chart(
    names: Sequence[str],
    cpu: Sequence[float],
    gil_held: Sequence[float | None],
    noncpu: Sequence[float],
    *,
    cpu_wait: Sequence[float | None] | None = None,
    total: int | None = None,
    title: str = "Where each node's time went",
) -> Figure:
    """Per-node stacked bars: CPU holding the GIL, CPU without it, and non-CPU time.

    ``gil_held[i]`` is None when not measured (the CPU bar is then one piece);
    it is clipped to the CPU time so that the pieces add up to the wall time.
    ``cpu_wait[i]``, when given, is the part of ``noncpu`` the node spent
    ready to run but without a CPU (a busy machine); it is drawn apart.
    ``total`` is the number of nodes when only the longest are shown.
    """
    n = len(names)
    with _style():
        fig = Figure(figsize=(WIDTH, 1.3 + 0.3 * max(n, 1)), layout="constrained")
        ax = fig.subplots()
        if n == 0:
            return _empty(fig, ax, "no nodes ran")
        walls = [c + w for c, w in zip(cpu, noncpu)]
        factor, unit = time_scale(max(walls, default=0.0) or 1e-3)
        gil = [min(g, c) if _ok(g) else 0.0 for g, c in zip(gil_held, cpu)]
        free = [c - g for c, g in zip(cpu, gil)]
        waits = list(cpu_wait or [None] * n)
        queued = [min(q, w) if _ok(q) else 0.0 for q, w in zip(waits, noncpu)]
        other = [w - q for w, q in zip(noncpu, queued)]
        ys = list(range(n))
        has_gil = any(_ok(g) for g in gil_held)
        has_wait = any(q > 0 for q in queued)
        left = [0.0] * n
        pieces = [
            (gil, GIL, "CPU holding the GIL" if has_gil else None, None),
            (free, CPU_FREE, "CPU without the GIL" if has_gil else "CPU", None),
            (queued, "#c9ccd1", "waiting for a CPU (busy machine)" if has_wait else None, "///"),
            (other, WAIT, "not on CPU (I/O, sleep, locks)", None),
        ]
        for values, colour, label, hatch in pieces:
            if label is None and not any(values):
                continue
            ax.barh(
                ys,
                [v * factor for v in values],
                left=[x * factor for x in left],
                color=colour,
                height=0.7,
                label=label,
                hatch=hatch,
                edgecolor="white" if hatch else None,
                linewidth=0,
            )
            left = [x + v for x, v in zip(left, values)]
        ax.set_yticks(ys, [_plain(shorten(name, 40)) for name in names])
        ax.set_ylim(n - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(f"time per node ({unit})")
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=4 if has_wait else 3)
        shown = f" (longest {n} of {total})" if total and total > n else ""
        if title:
            ax.set_title(_plain(title + shown))
    return fig


def memory_chart(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    runners: Mapping[str, str] | None = None,
    title: str = "Memory of the process tree over time",
) -> Figure:
    """One line per run: total RSS of the process tree against time since start.

    ``runners`` maps a label to its runner class, for the runner's colour;
    runs of the same runner get different dashes.
    """
    with _style():
        fig = Figure(figsize=(WIDTH, 3.8), layout="constrained")
        ax = fig.subplots()
        data = {k: v for k, v in series.items() if len(v[0])}
        if not data:
            return _empty(fig, ax, "no memory samples")
        t_max = max(max(t) for t, _ in data.values())
        r_max = max(max(r) for _, r in data.values())
        factor, unit = time_scale(t_max or 1.0)
        div, bunit = byte_scale(r_max or 1)
        seen: dict[str, int] = {}
        for k, (label, (t, rss)) in enumerate(data.items()):
            runner = (runners or {}).get(label) or label.split("(")[0].strip()
            colour = runner_colour(runner, k)
            nth = seen[runner] = seen.get(runner, -1) + 1
            style = ["-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2))][nth % 4]
            xs = [x * factor for x in t]
            ys = [r / div for r in rss]
            ax.plot(
                xs,
                ys,
                color=colour,
                linewidth=1.7,
                linestyle=style,
                label=_plain(f"{shorten(label, 40)}: peak {max(ys):.3g} {bunit}"),
            )
            peak = max(range(len(ys)), key=ys.__getitem__)
            ax.plot([xs[peak]], [ys[peak]], marker="o", color=colour, markersize=5)
        ax.set_ylim(0, (r_max / div or 1.0) * 1.15)
        ax.set_xlim(left=0)
        ax.set_xlabel(f"time since start ({unit})")
        ax.set_ylabel(f"RSS, process tree ({bunit})")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        if title:
            ax.set_title(_plain(title))
    return fig


# ---------------------------------------------------------------------------------------
def figure_to_svg(fig: Figure) -> str:
    """The figure as SVG text (text drawn as paths, so no fonts are needed)."""
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue().decode("utf-8")


def figure_to_png(fig: Figure, *, dpi: int = 150) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def _ok(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _median(values: Sequence[float]) -> float | None:
    vals = sorted(v for v in values if _ok(v))
    if not vals:
        return None
    mid = len(vals) // 2
    return vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2


def _labels(ax: Any) -> list[str]:
    return ax.get_legend_handles_labels()[1]


def _short_time(seconds: float, factor: float, unit: str) -> str:
    v = seconds * factor
    return f"{v:.3g} {unit}"
