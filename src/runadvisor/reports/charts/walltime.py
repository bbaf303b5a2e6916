"""Wall time per candidate: the prediction beside the measured median, and why one is missing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from runadvisor.reports.charts.style import (
    CPU,
    CPU_FREE,
    FAILED,
    FAILURES,
    GIL,
    HALF_WIDTH,
    INK,
    MUTED,
    ChartFigure,
    chart_style,
    empty,
    median,
    ok,
    plain,
    time_scale,
)
from runadvisor.units import fmt_seconds

PREDICTED_LABEL = "predicted"
MEASURED_LABEL = "measured (median, min\u2013max)"


def wall_time_chart(
    labels: Sequence[str],
    predicted: Sequence[float | None],
    measured: Sequence[Sequence[float]],
    *,
    highlight: int | None = None,
    notes: Sequence[str | None] = (),
    title: str = "",
    width: float = HALF_WIDTH,
) -> Figure:
    """Horizontal bars per candidate: predicted (hatched) above the measured median.

    ``measured[i]`` are the runs of candidate ``i``: the bar is their median,
    the whisker spans min..max. A candidate without runs is labelled with
    ``notes[i]`` (its status, e.g. "skipped", "timeout") in its measured slot.
    ``highlight`` marks the recommended candidate.
    """
    n = len(labels)
    with chart_style():
        fig = ChartFigure(figsize=(width, 1.15 + 0.4 * max(n, 1)), layout="constrained")
        ax = fig.subplots()
        if n == 0:
            return empty(fig, ax, "no candidates")
        medians = [median(m) for m in measured]
        values = [v for v in [*predicted, *(max(m) for m in measured if m)] if ok(v)]
        top = max(values, default=1.0) or 1.0
        factor, unit = time_scale(top)
        h = 0.38
        for i in range(n):
            p = predicted[i] if i < len(predicted) else None
            note = notes[i] if i < len(notes) else None
            if ok(p):
                bar = ax.barh(
                    i - h / 2,
                    p * factor,
                    height=h,
                    color="white",
                    edgecolor=CPU_FREE,
                    hatch="////",
                    linewidth=1.0,
                    label=PREDICTED_LABEL if i == _first(predicted) else None,
                )
                fig.add_tip(bar.patches[0], f"{labels[i]}: predicted {fmt_seconds(p)}")
            med = medians[i]
            if med is not None:
                _measured_bar(
                    fig,
                    ax,
                    i,
                    h,
                    measured[i],
                    med,
                    factor,
                    unit,
                    i == highlight,
                    first=i == _first_measured(medians),
                    label=labels[i],
                )
            else:
                word = note or "not measured"
                ax.text(
                    top * factor * 0.01,
                    i + h / 2,
                    plain(word),
                    va="center",
                    fontsize=8,
                    color=FAILED if word in FAILURES else MUTED,
                    style="italic",
                )
        ax.set_yticks(range(n), [plain(label) for label in labels])
        if highlight is not None and 0 <= highlight < n:
            tick = ax.get_yticklabels()[highlight]
            tick.set_fontweight("bold")
            tick.set_color(INK)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xlabel(f"wall time ({unit})")
        ax.set_xlim(0, top * factor * 1.28)  # room for the value after the longest whisker
        ax.grid(axis="y", visible=False)
        if ax.get_legend_handles_labels()[1]:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, borderaxespad=0.2)
        if title:
            ax.set_title(plain(title), pad=22)
    return fig


def _measured_bar(
    fig: ChartFigure,
    ax: Any,
    i: int,
    h: float,
    runs: Sequence[float],
    med: float,
    factor: float,
    unit: str,
    best: bool,
    *,
    first: bool,
    label: str,
) -> None:
    lo, hi = min(runs), max(runs)
    bars = ax.barh(
        i + h / 2,
        med * factor,
        height=h,
        color=GIL if best else CPU,
        xerr=[[(med - lo) * factor], [(hi - med) * factor]],
        error_kw={"ecolor": INK, "elinewidth": 1, "capsize": 3},
        label=MEASURED_LABEL if first else None,
    )
    runs_text = ", ".join(fmt_seconds(r) for r in runs)
    fig.add_tip(
        bars.patches[0], f"{label}: median {fmt_seconds(med)} of {len(runs)} run(s): {runs_text}"
    )
    ax.text(
        hi * factor,
        i + h / 2,
        f"  {med * factor:.3g} {unit}",
        va="center",
        fontsize=8,
        color=INK,
    )


def _first(values: Sequence[float | None]) -> int | None:
    return next((i for i, v in enumerate(values) if ok(v)), None)


def _first_measured(medians: Sequence[float | None]) -> int | None:
    return next((i for i, m in enumerate(medians) if m is not None), None)
