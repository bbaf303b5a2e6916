"""The tables the command line prints: a profile's slowest nodes, advice's candidates."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from runadvisor.units import fmt_bytes, fmt_seconds


def profile_table(result: Any, limit: int = 20) -> Table:
    """A RunProfile's nodes, slowest first (the top ``limit``)."""
    records = sorted(result.nodes, key=lambda r: r.wall, reverse=True)
    shown = records[:limit]
    title = f"{len(records)} node(s), slowest first"
    if len(records) > limit:
        title += f" (top {limit})"
    table = Table(title=title, title_justify="left")
    for column in ("node", "wall", "cpu", "gil held", "peak memory"):
        table.add_column(column, justify="left" if column == "node" else "right")
    for record in shown:
        table.add_row(
            Text(record.name),
            fmt_seconds(record.wall, missing="-"),
            fmt_seconds(record.cpu, missing="-"),
            fmt_seconds(record.gil_held, missing="-"),
            fmt_bytes(record.peak_rss, missing="-"),
        )
    return table


def candidate_table(recommendation: Any) -> Table:
    """One row per candidate; the recommended one in bold green."""
    repeats = max((len(c.measured or ()) for c in recommendation.candidates), default=0)
    caption = "measured: median ± half the range"
    caption += f" of {repeats} run(s)" if repeats else ""
    caption += "; memory: peak of the process tree; ~: predicted"
    table = Table(
        title="Candidates",
        title_justify="left",
        caption=caption,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.caption_justify = "left"
    for column in ("runner", "workers", "predicted", "measured", "memory", "speedup", "status"):
        left = column in ("runner", "status")
        table.add_column(column, justify="left" if left else "right", no_wrap=True)
    best = (recommendation.kind, recommendation.max_workers)
    for c in recommendation.candidates:
        measured = "-"
        if c.median is not None:
            half = (c.spread or 0.0) / 2
            measured = f"{c.median:.2f}±{half:.2f} s" if half >= 0.005 else f"{c.median:.2f} s"
        speedup = "-"
        if c.speedup is not None:
            speedup = f"{c.speedup:.2f}x" if c.median is not None else f"~{c.speedup:.2f}x"
        chosen = (c.kind, c.workers) == best
        table.add_row(
            Text(c.kind),
            str(c.workers if c.workers is not None else "-"),
            f"{c.predicted:.2f} s" if c.predicted is not None else "-",
            measured,
            fmt_bytes(c.peak_rss, missing="-"),
            speedup,
            Text("best" if chosen and c.status == "ok" else str(c.status)),
            style="bold green" if chosen else None,
        )
    return table
