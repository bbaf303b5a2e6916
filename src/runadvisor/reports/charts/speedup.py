"""Speed-up against workers, inside the band of what the pipeline's graph and the cores allow.

The band is right by construction (:func:`speedup_bounds`): it equals 1 at one
worker, where speed-up is 1 by definition; it never rises above what the cores
can run (for CPU-bound work, the core count); and it never rises above the
graph's average parallelism T1/T∞. Every annotation is a legend entry outside
the axes, so no label sits on a line; points of different runners at the same
worker count are drawn side by side, so none hides another.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from runadvisor.reports.charts.style import (
    BAND,
    BAND_EDGE,
    HALF_WIDTH,
    INK,
    MUTED,
    RING,
    ChartFigure,
    chart_style,
    ok,
    plain,
    runner_colour,
    short_runner,
)

Point = tuple[int, "float | None", "float | None"]  # (workers, measured, predicted)
DODGE = 0.03  # share of the x range between neighbouring runners' points (~12 px)


def effective_workers(workers: float, cores: int | None, cpu_demand: float | None) -> float:
    """How many workers can make progress at once: ``workers``, capped by the cores.

    A worker that wants a CPU a share ``cpu_demand`` of its time (computing,
    or ready and waiting for one) keeps ``cpu_demand`` of a core busy, so
    ``cores`` cores keep at most ``cores / cpu_demand`` such workers going.
    """
    if not cores or not ok(cpu_demand) or not cpu_demand:
        return max(1.0, float(workers))
    return max(1.0, min(float(workers), cores / min(1.0, float(cpu_demand))))


def speedup_bounds(
    t1: float,
    t_inf: float,
    workers: float,
    *,
    cores: int | None = None,
    cpu_demand: float | None = None,
) -> tuple[float, float]:
    """(lowest, highest) speed-up over one worker that a schedule on ``workers`` can reach.

    With P' = :func:`effective_workers`: no schedule beats max(T1/P', T∞)
    (the work spread over the workers that can progress, or the critical
    path), and a greedy one without overhead needs at most
    (T1 - T∞)/P' + T∞ (Brent). Both speed-ups are exactly 1 at one worker.
    """
    if not (ok(t1) and ok(t_inf)) or t1 <= 0:
        return 1.0, 1.0
    t_inf = min(t_inf, t1)
    p = effective_workers(workers, cores, cpu_demand)
    high = t1 / max(t1 / p, t_inf)
    low = t1 / ((t1 - t_inf) / p + t_inf)
    return low, high


def speedup_chart(
    t1: float | None,
    t_inf: float | None,
    series: Mapping[str, Sequence[Point]],
    *,
    cores: int | None = None,
    cpu_demand: float | None = None,
    highlight: tuple[str, int] | None = None,
    title: str = "",
    width: float = HALF_WIDTH,
) -> Figure:
    """Speed-up per runner against workers, inside the bounds band.

    ``series`` maps a runner (class name) to points ``(workers, measured,
    predicted)``, speed-ups over sequential, either of which may be None.
    ``cores`` and ``cpu_demand`` (the share of node time spent on or waiting
    for a CPU) cap the band; ``highlight`` rings the recommended point.
    """
    with chart_style():
        fig = ChartFigure(figsize=(width, 4.2), layout="constrained")
        ax = fig.subplots()
        workers = sorted({int(w) for pts in series.values() for w, _, _ in pts} | {1})
        p_max = max([2, *workers])
        x_range = p_max - 1 + 0.5
        tops: list[float] = [1.5]
        handles: list[object] = []
        band = ok(t1) and ok(t_inf) and bool(t1) and bool(t_inf)
        if band:
            xs = [1 + (p_max - 1) * k / 240 for k in range(241)]
            bounds = [
                speedup_bounds(t1, t_inf, x, cores=cores, cpu_demand=cpu_demand)  # type: ignore[arg-type]
                for x in xs
            ]
            ax.fill_between(
                xs,
                [lo for lo, _ in bounds],
                [hi for _, hi in bounds],
                color=BAND,
                linewidth=0,
                zorder=1,
                label="what the graph and cores allow",
            )
            tops.append(max(hi for _, hi in bounds))
        ideal_top = p_max
        ax.plot(
            [1, ideal_top],
            [1, ideal_top],
            color=INK,
            linestyle=(0, (5, 3)),
            linewidth=1.1,
            zorder=3,
            label="linear speed-up (P\u00d7)",
        )
        plotted = _draw_series(ax, series, highlight, x_range)
        tops += plotted
        top = max(v for v in tops if math.isfinite(v)) * 1.12
        if band:
            par = t1 / t_inf  # type: ignore[operator]
            limit = (
                (cores / min(1.0, cpu_demand)) if cores and ok(cpu_demand) and cpu_demand else None
            )
            if par <= top:
                ax.axhline(
                    par,
                    color=BAND_EDGE,
                    linestyle=":",
                    linewidth=1.3,
                    zorder=3,
                    label=f"graph's parallelism T1/T\u221e = {par:.2g}",
                )
            if limit is not None and limit < par and limit <= top:
                ax.axhline(
                    limit,
                    color=MUTED,
                    linestyle="-.",
                    linewidth=1.1,
                    zorder=3,
                    label=f"what {cores} core{'s' if cores != 1 else ''} allow = {limit:.2g}\u00d7",
                )
        ax.set_xlim(1 - 0.25 - x_range * DODGE * 2, p_max + 0.25 + x_range * DODGE * 2)
        ax.set_ylim(0, top)
        if len(workers) <= 12:
            ax.set_xticks(workers)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("workers (P)")
        ax.set_ylabel("speed-up over sequential (\u00d7)")
        handles = _legend_handles(ax, series, highlight)
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.0, -0.16),
            ncols=2,
            fontsize=7.8,
            handlelength=2.4,
        )
        if title:
            ax.set_title(plain(title))
    return fig


def _draw_series(
    ax: object,
    series: Mapping[str, Sequence[Point]],
    highlight: tuple[str, int] | None,
    x_range: float,
) -> list[float]:
    """Draw each runner's measured (filled) and predicted (ring) points; return their values."""
    values: list[float] = []
    n = len(series)
    for k, (runner, points) in enumerate(series.items()):
        colour = runner_colour(runner, k)
        shift = (k - (n - 1) / 2) * DODGE * x_range
        pts = sorted(points)
        meas = [(w + shift, m) for w, m, _ in pts if ok(m)]
        pred = [(w + shift, p) for w, _, p in pts if ok(p)]
        if pred:
            ax.plot(  # type: ignore[attr-defined]
                [w for w, _ in pred],
                [p for _, p in pred],
                color=colour,
                linestyle=(0, (2, 2)),
                linewidth=1,
                marker="o",
                markerfacecolor="none",
                markeredgewidth=1.4,
                markersize=9,
                zorder=5,
                label=f"{plain(short_runner(runner))} predicted",
            )
        if meas:
            ax.plot(  # type: ignore[attr-defined]
                [w for w, _ in meas],
                [m for _, m in meas],
                color=colour,
                linewidth=2,
                marker="o",
                markersize=6,
                zorder=4,
                label=f"{plain(short_runner(runner))} measured",
            )
        values += [v for _, v in meas] + [v for _, v in pred]
        if highlight and highlight[0] == runner:
            best = [v for w, v in (meas or pred) if round(w - shift) == highlight[1]]
            if best:
                ax.plot(  # type: ignore[attr-defined]
                    [highlight[1] + shift],
                    [best[0]],
                    marker="o",
                    markersize=17,
                    markerfacecolor="none",
                    markeredgecolor=RING,
                    markeredgewidth=2.5,
                    linestyle="none",
                    zorder=6,
                    label="recommended",
                )
    return values


def _legend_handles(
    ax: object, series: Mapping[str, Sequence[Point]], highlight: tuple[str, int] | None
) -> list[object]:
    """One entry per runner colour, one per marker style, then the band and reference lines."""
    handles: list[object] = []
    for k, runner in enumerate(series):
        handles.append(Patch(color=runner_colour(runner, k), label=plain(short_runner(runner))))
    drawn = ax.get_legend_handles_labels()[1]  # type: ignore[attr-defined]
    if any(label.endswith(" measured") for label in drawn):
        handles.append(Line2D([], [], color=MUTED, lw=2, marker="o", ms=6, label="measured"))
    if any(label.endswith(" predicted") for label in drawn):
        handles.append(
            Line2D(
                [],
                [],
                color=MUTED,
                lw=1,
                ls=(0, (2, 2)),
                marker="o",
                ms=9,
                mfc="none",
                mew=1.4,
                label="predicted",
            )
        )
    if "recommended" in drawn:
        handles.append(
            Line2D(
                [],
                [],
                color=RING,
                lw=0,
                marker="o",
                ms=12,
                mfc="none",
                mew=2.5,
                label="recommended",
            )
        )
    for artist in [*ax.collections, *ax.lines]:  # type: ignore[attr-defined]
        label = artist.get_label()
        if label.startswith(("what ", "linear", "graph's")):
            handles.append(artist)
    return handles
