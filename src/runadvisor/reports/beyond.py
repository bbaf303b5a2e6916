"""Past one executor and one machine: the recommended runner as code to paste when it
takes more than a worker count (HybridRunner's assignment), and DaskRunner's
projection onto clusters larger than this machine."""

from __future__ import annotations

from typing import Any

from runadvisor.reports.model import Cell, Table
from runadvisor.units import fmt_seconds, fmt_speedup


def runner_code(rec: Any) -> str | None:
    """The recommended runner as code, when it is more than ``X(max_workers=N)``."""
    if not getattr(rec, "options", None):
        return None
    call = getattr(rec, "runner_call", "")
    return call if "\n" in call else None


def projection_table(projection: dict[str, Any]) -> Table | None:
    """One row per cluster size (this machine's LocalCluster first): predicted wall time
    within its bounds, and the speed-up over the pipeline's total work."""
    rows_in = projection.get("rows") or []
    if not rows_in:
        return None
    t1 = float(projection.get("t1") or 0.0)
    here = projection.get("this_machine")
    rows: list[list[Cell]] = []
    ordered = ([("this machine (LocalCluster)", here)] if here else []) + [
        (f"{row['workers']} workers", row) for row in rows_in
    ]
    for label, row in ordered:
        predicted = float(row["predicted"])
        rows.append(
            [
                (label, f"{row['workers']} workers") if row is here else label,
                fmt_seconds(predicted),
                f"{fmt_seconds(row['lower_bound'])} to {fmt_seconds(row['upper_bound'])}",
                fmt_speedup(t1 / predicted) if predicted > 0 else "—",
            ]
        )
    note = (
        f"Dask's cost per task, measured here: {projection['task_cost'] * 1e3:.1f} ms; network "
        f"{projection['bandwidth'] / 1e9:.2f} GB/s; bounds from the total work and the critical "
        "path with those costs (Brent's)."
    )
    if not projection.get("calibrated", True):
        note += " Dask's costs were not measured on this machine: default figures."
    return Table(
        columns=["DaskRunner on", "Predicted", "Bounds", "Speed-up over T1"],
        rows=rows,
        numeric=[False, True, True, True],
        note=note,
    )
