"""The candidates of a Recommendation: their table, their two charts and what they show in words.

Every sentence here is computed from the candidates it describes, so the
report's prose (and the notebook's, which calls :func:`scaling_summary`)
cannot claim what its own numbers contradict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from runadvisor.reports import charts
from runadvisor.reports.model import Cell, Chart, Table
from runadvisor.runners import registry
from runadvisor.units import fmt_bytes, fmt_percent, fmt_seconds, fmt_speedup

NOISE = 1.05  # a measured speed-up within 5% of another is no difference

Point = tuple[int, "float | None", "float | None"]


def is_sequential(runner: str) -> bool:
    """True for a runner kind that never takes workers (SequentialRunner)."""
    return not registry.takes_workers(runner)


def label_of(c: Any) -> str:
    """``ThreadRunner(4)`` or ``SequentialRunner`` (a Candidate's own label where it has one)."""
    return getattr(c, "label", None) or registry.label_for(c.runner, c.workers)


def recommended_index(rec: Any, candidates: Sequence[Any]) -> int | None:
    """The index of the recommended candidate, if it is among them."""
    for i, c in enumerate(candidates):
        if c.runner == rec.runner and (c.workers or 1) == (rec.max_workers or 1):
            return i
    return None


def measured(c: Any) -> bool:
    """True when the candidate has measured runs and a measured speed-up."""
    return bool(c.measured) and _finite(c.speedup)


def tagline(rec: Any, chosen: Any | None) -> str:
    """The line under the verdict: how much faster, and on what evidence."""
    parts = []
    if is_sequential(rec.runner):
        parts.append("run the nodes one after another; no parallel runner pays off")
    elif chosen is not None and measured(chosen):
        if chosen.speedup >= NOISE:
            parts.append(f"{fmt_speedup(chosen.speedup)} faster than sequential, measured")
        else:
            parts.append(
                f"measured no faster than sequential ({fmt_speedup(chosen.speedup)}, within "
                "noise); chosen on the prediction"
            )
    elif _finite(rec.speedup):
        parts.append(f"predicted {fmt_speedup(rec.speedup)} faster than sequential")
    return ", ".join(parts)


def candidate_table(candidates: Sequence[Any], best: int | None) -> Table:
    """One row per candidate: predicted and measured time, memory, speed-up, status."""
    rows: list[list[Cell]] = []
    muted = set()
    for i, c in enumerate(candidates):
        runs = list(c.measured or [])
        count = f"{len(runs)} run{'s' if len(runs) != 1 else ''}"
        speedup: Cell = fmt_speedup(c.speedup)
        if c.speedup is not None and not runs:
            speedup = (speedup, "predicted")
        time: Cell = "—"
        if len(runs) > 1:
            time = (fmt_seconds(c.median), f"spread {fmt_seconds(c.spread)}, {count}")
        elif runs:
            time = (fmt_seconds(c.median), count)
        rows.append(
            [
                label_of(c),
                fmt_seconds(c.predicted),
                time,
                fmt_bytes(c.peak_rss),
                speedup,
                (str(c.status), str(c.reason)) if c.reason else str(c.status),
            ]
        )
        if c.status not in ("ok", "predicted"):
            muted.add(i)
    return Table(
        columns=["Candidate", "Predicted", "Measured median", "Peak memory", "Speed-up", "Status"],
        rows=rows,
        numeric=[False, True, True, True, True, False],
        highlight={best} if best is not None else set(),
        muted=muted,
    )


# --- charts ---------------------------------------------------------------------------------
def wall_figure(
    candidates: Sequence[Any], best: int | None, *, width: float = charts.HALF_WIDTH
) -> Figure:
    """The wall-time chart of ``candidates``."""
    return charts.wall_time_chart(
        [label_of(c) for c in candidates],
        [c.predicted for c in candidates],
        [list(c.measured or []) for c in candidates],
        highlight=best,
        notes=[None if c.measured else str(c.status) for c in candidates],
        width=width,
    )


def wall_chart(candidates: Sequence[Any], best: int | None, predict_only: bool) -> Chart:
    caption = "Hatched: the time the advisor predicts from the profile. "
    if predict_only:
        caption += "Nothing was measured: the advisor ran in predict-only mode. "
    else:
        caption += "Solid: the median of the measured runs, whisker from fastest to slowest run. "
    caption += "Candidates not measured say why. Shorter is better; the recommended one is dark."
    return Chart(
        "wall-time",
        "Wall time per candidate",
        caption,
        wall_figure(candidates, best),
        "Bar chart of predicted and measured wall time for each runner and worker count",
        half=True,
    )


def cpu_demand_share(facts: Any) -> float | None:
    """The share of node time spent on a CPU or ready and waiting for one."""
    cpu = getattr(facts, "cpu_share", None)
    if not _finite(cpu):
        return None
    wait = getattr(facts, "cpu_wait_share", None)
    return min(1.0, cpu + (wait if _finite(wait) else 0.0))


def speedup_series(facts: Any, candidates: Sequence[Any]) -> dict[str, list[Point]]:
    """Per runner, ``(workers, measured speed-up, predicted speed-up)``."""
    seq = next((c for c in candidates if is_sequential(c.runner) and _positive(c.predicted)), None)
    base = seq.predicted if seq is not None else getattr(facts, "t1", None)
    series: dict[str, list[Point]] = {}
    for c in candidates:
        predicted = base / c.predicted if _finite(base) and _positive(c.predicted) else None
        if is_sequential(c.runner) and measured(c):
            predicted = None  # 1 by definition, like its measurement: one point is enough
        series.setdefault(c.runner, []).append(
            (int(c.workers or 1), c.speedup if measured(c) else None, predicted)
        )
    return series


def speedup_figure_of(
    facts: Any, candidates: Sequence[Any], best: int | None, *, width: float = charts.HALF_WIDTH
) -> Figure:
    """The speed-up chart of ``candidates`` inside the bounds of ``facts``."""
    highlight = None
    if best is not None:
        highlight = (candidates[best].runner, int(candidates[best].workers or 1))
    return charts.speedup_chart(
        facts.t1,
        facts.t_inf,
        speedup_series(facts, candidates),
        cores=getattr(facts, "cores", None),
        cpu_demand=cpu_demand_share(facts),
        highlight=highlight,
        width=width,
    )


def speedup_chart(facts: Any, candidates: Sequence[Any], best: int | None) -> Chart:
    demand = cpu_demand_share(facts)
    cores = getattr(facts, "cores", None)
    par = getattr(facts, "parallelism", None)
    caption = (
        "Speed-up over sequential against workers P. The band is what a schedule without "
        "overhead can reach: at most the graph's parallelism T1/T\u221e"
        + (f" ({par:.2g})" if _finite(par) else "")
        + " and what "
    )
    caption += (
        f"{cores} cores can run for work that wants a CPU {fmt_percent(demand)} of the time"
        if cores and demand is not None
        else "the cores can run"
    )
    caption += "; at least what a greedy scheduler reaches. Both are 1 at one worker. "
    caption += " ".join(scaling_sentences(candidates))
    return Chart(
        "speedup",
        "Speed-up against workers",
        caption,
        speedup_figure_of(facts, candidates, best),
        "Speed-up against worker count per runner, inside the band the graph and cores allow",
        half=True,
    )


# --- prose --------------------------------------------------------------------------------
def scaling_sentences(candidates: Sequence[Any]) -> list[str]:
    """One sentence per parallel runner kind saying how it scaled, from its own numbers.

    Measured speed-ups are listed with their worker counts; counts without a
    measurement say why (their status: skipped, stopped, timeout, ...).
    """
    sentences = []
    kinds = list(dict.fromkeys(c.runner for c in candidates if not is_sequential(c.runner)))
    for runner in kinds:
        mine = sorted((c for c in candidates if c.runner == runner), key=lambda c: c.workers or 1)
        points = [(c.workers or 1, c.speedup) for c in mine if measured(c)]
        others = [c for c in mine if not measured(c)]
        if points:
            listed = ", ".join(f"{fmt_speedup(s)} with {w}" for w, s in points)
            sentence = f"{runner} measured {listed} worker{'s' if points[-1][0] != 1 else ''}"
            sentence += _trend(points)
            if others:
                sentence += f"; not measured with {_why_not(others)}"
        else:
            sentence = f"{runner} was not measured with {_why_not(others)}"
            predicted = [c.speedup for c in mine if _finite(c.speedup)]
            if predicted:
                sentence += f"; predicted at most {fmt_speedup(max(predicted))}"
        sentences.append(sentence + ".")
    return sentences


def _why_not(candidates: Sequence[Any]) -> str:
    """``1, 2 workers (skipped); 4 workers (stopped)``: worker counts grouped by status."""
    by_status: dict[str, list[int]] = {}
    for c in candidates:
        by_status.setdefault(str(c.status), []).append(int(c.workers or 1))
    return "; ".join(
        f"{', '.join(map(str, ws))} worker{'s' if ws != [1] else ''} ({status})"
        for status, ws in by_status.items()
    )


def _trend(points: Sequence[tuple[int, float]]) -> str:
    """``: best at 4 workers`` and whether more workers helped, from measured points only."""
    if len(points) < 2:
        return ""
    best_w, best_s = max(points, key=lambda p: p[1])
    last_w, last_s = points[-1]
    if best_s < NOISE:
        return ": no faster than sequential at any count"
    if best_w == last_w:
        before = points[-2][1]
        verdict = "still rising" if last_s >= before * NOISE else "levelling off"
        return f": best at {best_w}, {verdict} at the most workers measured"
    return f": best at {best_w}; more workers did not help"


def scaling_summary(rec: Any) -> list[str]:
    """What the candidates of ``rec`` show, one sentence each, ending with the recommendation."""
    candidates = list(rec.candidates)
    lines = scaling_sentences(candidates)
    best = recommended_index(rec, candidates)
    chosen = candidates[best] if best is not None else None
    pick = registry.label_for(rec.runner, rec.max_workers)
    if chosen is not None:
        pick = label_of(chosen)
    if chosen is not None and measured(chosen):
        lines.append(
            f"Recommended: {pick}, measured {fmt_speedup(chosen.speedup)} against sequential."
        )
    elif _finite(rec.speedup):
        lines.append(
            f"Recommended: {pick}, predicted {fmt_speedup(rec.speedup)} against sequential."
        )
    else:
        lines.append(f"Recommended: {pick}.")
    return lines


def wall_time_figure(rec: Any, *, width: float = 7.0) -> Figure:
    """The report's wall-time chart of a Recommendation, for a notebook."""
    candidates = list(rec.candidates)
    return wall_figure(candidates, recommended_index(rec, candidates), width=width)


def speedup_figure(rec: Any, *, width: float = 7.0) -> Figure:
    """The report's speed-up chart of a Recommendation, for a notebook."""
    candidates = list(rec.candidates)
    return speedup_figure_of(rec.facts, candidates, recommended_index(rec, candidates), width=width)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _positive(value: object) -> bool:
    return _finite(value) and value > 0  # type: ignore[operator]
