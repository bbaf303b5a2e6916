"""Memory over time as small multiples: one panel per run, on one shared memory scale.

Seven runs in one chart are seven tangled lines; side by side on the same
axes limits, each run is readable and their peaks still compare at a glance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from runadvisor.reports.charts.style import (
    INK,
    WIDTH,
    ChartFigure,
    byte_scale,
    chart_style,
    empty,
    plain,
    runner_colour,
    time_scale,
)
from runadvisor.reports.common import shorten

PER_ROW = 3


def memory_chart(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    runners: Mapping[str, str] | None = None,
    title: str = "",
    width: float = WIDTH,
) -> Figure:
    """One panel per run: the process tree's RSS against time since start, peak marked.

    ``series`` maps a run's label to ``(t, rss)``; ``runners`` maps a label to
    its runner class, for the runner's colour. All panels share the memory
    axis; each has its own time axis, so a short run is as readable as a long one.
    """
    data = {k: v for k, v in series.items() if len(v[0])}
    n = max(len(data), 1)
    cols = min(n, PER_ROW)
    rows = math.ceil(n / cols)
    with chart_style():
        fig = ChartFigure(figsize=(width, 0.5 + 1.9 * rows), layout="constrained")
        axes = fig.subplots(rows, cols, sharey=True, squeeze=False).ravel()
        if not data:
            return empty(fig, axes[0], "no memory samples")
        t_max = max(max(t) for t, _ in data.values())
        r_max = max(max(r) for _, r in data.values())
        factor, unit = time_scale(t_max or 1.0)
        div, bunit = byte_scale(r_max or 1)
        for k, (ax, (label, (t, rss))) in enumerate(zip(axes, data.items())):
            runner = (runners or {}).get(label) or label.split("(")[0].strip()
            colour = runner_colour(runner, k)
            xs = [x * factor for x in t]
            ys = [r / div for r in rss]
            ax.fill_between(xs, ys, color=colour, alpha=0.18, linewidth=0)
            ax.plot(xs, ys, color=colour, linewidth=1.5)
            peak = max(range(len(ys)), key=ys.__getitem__)
            ax.plot([xs[peak]], [ys[peak]], marker="o", color=colour, markersize=4.5)
            ax.set_title(
                plain(f"{shorten(label, 34)}\npeak {ys[peak]:.3g} {bunit}"),
                fontsize=8.5,
                color=INK,
                fontweight="normal",
                loc="left",
            )
            fig.add_tip(ax.lines[0], f"{label}: peak {ys[peak]:.3g} {bunit}")
        for ax in axes[len(data) :]:
            ax.set_axis_off()
        axes[0].set_ylim(0, (r_max / div or 1.0) * 1.12)
        for ax, (t, _) in zip(axes, data.values()):
            ax.set_xlim(0, max(t) * factor * 1.02 or 1.0)
            ax.set_xlabel(f"time ({unit})")
        for ax in axes[: len(data)]:
            if ax.get_subplotspec().is_first_col():
                ax.set_ylabel(f"RSS ({bunit})")
        if title:
            fig.suptitle(plain(title), x=0.0, ha="left", fontweight="bold", fontsize=10)
    return fig
