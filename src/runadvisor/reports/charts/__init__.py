"""The report's charts, drawn with matplotlib's object API (no pyplot, no GUI backend).

Every chart function takes plain data (names, numbers, lists) and returns a
matplotlib ``Figure`` (a :class:`ChartFigure`, which also carries tooltips);
:func:`figure_to_svg` and :func:`figure_to_png` render one. Nothing here knows
about profiles or recommendations: the content modules turn those into plain
data. Text that came from the user goes through :func:`plain`, so that a
``$`` never switches matplotlib into mathtext.

- :mod:`.walltime`: wall time per candidate, predicted beside measured.
- :mod:`.speedup`: speed-up against workers inside the bounds band.
- :mod:`.runs`: one run's Gantt of nodes on worker lanes, and per-node time.
- :mod:`.memory`: memory over time, one small panel per run.
"""

from __future__ import annotations

from runadvisor.reports.charts.memory import memory_chart
from runadvisor.reports.charts.runs import Span, gantt_chart, node_time_chart, span_kind
from runadvisor.reports.charts.speedup import effective_workers, speedup_bounds, speedup_chart
from runadvisor.reports.charts.style import (
    FAILURES,
    HALF_WIDTH,
    STYLE,
    WIDTH,
    ChartFigure,
    byte_scale,
    figure_to_png,
    figure_to_svg,
    plain,
    runner_colour,
    time_scale,
)
from runadvisor.reports.charts.walltime import wall_time_chart

__all__ = [
    "FAILURES",
    "HALF_WIDTH",
    "STYLE",
    "WIDTH",
    "ChartFigure",
    "Span",
    "byte_scale",
    "effective_workers",
    "figure_to_png",
    "figure_to_svg",
    "gantt_chart",
    "memory_chart",
    "node_time_chart",
    "plain",
    "runner_colour",
    "span_kind",
    "speedup_bounds",
    "speedup_chart",
    "time_scale",
    "wall_time_chart",
]
