"""What a report holds, independent of its format: plain strings, tables and figures.

The content modules fill a :class:`Report`; ``html.py`` and ``markdown.py``
only lay it out, so both formats say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matplotlib.figure import Figure


@dataclass
class Chart:
    """One figure with the words that say how to read it.

    ``half``: the chart is drawn half-width, to sit beside another half-width one.
    """

    key: str  # file-name-safe, unique within the report
    title: str
    caption: str
    figure: Figure
    alt: str
    half: bool = False


Cell = str | tuple[str, str]  # a value, or (value, a smaller second line)


@dataclass
class Table:
    """Cells as display strings; ``numeric`` columns are right-aligned."""

    columns: list[str]
    rows: list[list[Cell]]
    numeric: list[bool]
    highlight: set[int] = field(default_factory=set)  # row indexes to emphasise
    muted: set[int] = field(default_factory=set)  # rows that did not run properly
    note: str = ""  # e.g. "300 of 1200 nodes shown"


@dataclass
class Fact:
    """A labelled value with a short explanation."""

    label: str
    value: str
    help: str = ""


@dataclass
class Section:
    """One profiled run: a one-line summary, then (collapsed) its charts and per-node table."""

    key: str
    title: str
    summary: list[Fact]
    charts: list[Chart]
    table: Table
    error: str | None = None
    n_nodes: int = 0
    headline: str = ""  # the collapsed line: wall time, lanes, peak memory
    badge: str = ""  # "recommended", "failed", ...
    open: bool = False  # shown expanded


@dataclass
class Report:
    """Everything a report shows, in reading order."""

    title: str
    subject: str | None = None  # what the report is about, e.g. the pipeline's name
    verdict: str | None = None
    tagline: str | None = None
    confidence: str | None = None
    predict_only: bool = False
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    candidates: Table | None = None
    candidates_title: str = "Candidates"
    code: str | None = None  # the recommended runner as code, when a name is not enough
    projection: Table | None = None  # DaskRunner on clusters larger than this machine
    projection_note: str = ""
    charts: list[Chart] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    meta: list[Fact] = field(default_factory=list)

    def all_charts(self) -> list[Chart]:
        """Top-level charts, then each section's."""
        return [*self.charts, *(c for s in self.sections for c in s.charts)]

    def chart_rows(self) -> list[list[Chart]]:
        """The top-level charts grouped into rows: two half-width charts share one."""
        rows: list[list[Chart]] = []
        for chart in self.charts:
            if chart.half and rows and len(rows[-1]) == 1 and rows[-1][0].half:
                rows[-1].append(chart)
            else:
                rows.append([chart])
        return rows
