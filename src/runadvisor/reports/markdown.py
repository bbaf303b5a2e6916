"""report.md: the same content as the HTML page, for a pull request or a terminal.

Charts are PNG files written beside ``report.md`` and linked relatively. User
strings are escaped so that they show as written: table pipes and backticks
cannot break the layout, and ``<script>`` is text, never HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

from runadvisor.jsonfile import write_file
from runadvisor.reports.charts import figure_to_png
from runadvisor.reports.model import Cell, Chart, Report, Table

_SPECIAL = re.compile(r"([\\`*\[\]<>|&#~])")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_escape(text: object) -> str:
    """``text`` as literal Markdown: specials backslash-escaped, lines joined.

    Underscores inside words (``load_data``) are left alone: GitHub does not
    read them as emphasis, and they stay readable in a terminal.
    """
    s = " ".join(str(text).split())
    s = _SPECIAL.sub(r"\\\1", s)
    return _EDGE_UNDERSCORE.sub(r"\\_", s)


def _table(t: Table) -> list[str]:
    lines = ["| " + " | ".join(md_escape(c) for c in t.columns) + " |"]
    lines.append("|" + "|".join("---:" if num else "---" for num in t.numeric) + "|")
    for i, row in enumerate(t.rows):
        cells = [_cell(c) for c in row]
        if i in t.highlight:
            cells = [f"**{c}**" if c.strip() else c for c in cells]
            cells[0] += " ← recommended"
        lines.append("| " + " | ".join(cells) + " |")
    if t.note:
        lines += ["", f"_{md_escape(t.note)}_"]
    return lines


def _cell(cell: Cell) -> str:
    if isinstance(cell, tuple):
        return f"{md_escape(cell[0])} ({md_escape(cell[1])})"
    return md_escape(cell) if cell else " "


def render_markdown(report: Report, image_names: dict[str, str]) -> str:
    """The Markdown text; ``image_names`` maps chart keys to file names beside it."""
    heading = report.title + (f": {report.subject}" if report.subject else "")
    out: list[str] = [f"# {md_escape(heading)}", ""]
    if report.verdict:
        out += [f"## {md_escape(report.verdict)}", ""]
    badges = []
    if report.tagline:
        badges.append(md_escape(report.tagline))
    if report.predict_only:
        badges.append("_predicted only, not measured_")
    if badges:
        out += [" · ".join(badges), ""]
    if report.code:
        out += ["```python", report.code.replace("```", "` ` `"), "```", ""]
    if report.meta:
        out += [" · ".join(f"{md_escape(m.label)}: {md_escape(m.value)}" for m in report.meta), ""]
    if report.reasons:
        out += ["## Why", ""]
        out += [f"{i}. {md_escape(step)}" for i, step in enumerate(report.reasons, 1)]
        out.append("")
    if report.warnings:
        out += ["## Warnings", ""]
        out += [f"> **Warning:** {md_escape(w)}  " for w in report.warnings]
        out.append("")
    if report.candidates:
        out += [f"## {md_escape(report.candidates_title)}", "", *_table(report.candidates), ""]
    if report.projection:
        out += ["## Beyond this machine: DaskRunner on a cluster", ""]
        if report.projection_note:
            out += [md_escape(report.projection_note), ""]
        out += [*_table(report.projection), ""]
    if report.charts:
        out += ["## Charts", ""]
        for chart in report.charts:
            out += _chart(chart, image_names)
    if report.facts:
        out += ["## Pipeline facts", "", "| Fact | Value | Meaning |", "|---|---|---|"]
        out += [
            f"| {md_escape(f.label)} | {md_escape(f.value)} | {md_escape(f.help)} |"
            for f in report.facts
        ]
        out.append("")
    for section in report.sections:
        out += [f"## Profiled run: {md_escape(section.title)}", ""]
        out += [
            " · ".join(f"{md_escape(f.label)}: **{md_escape(f.value)}**" for f in section.summary)
        ]
        out.append("")
        if section.error:
            out += [f"> **This run failed:** {md_escape(section.error)}", ""]
        for chart in section.charts:
            out += _chart(chart, image_names, level="###")
        out += ["### Per-node table", "", *_table(section.table), ""]
    return "\n".join(out).rstrip() + "\n"


def _chart(chart: Chart, image_names: dict[str, str], level: str = "###") -> list[str]:
    return [
        f"{level} {md_escape(chart.title)}",
        "",
        f"![{md_escape(chart.alt)}]({image_names[chart.key]})",
        "",
        md_escape(chart.caption),
        "",
    ]


def write_markdown(report: Report, path: Path, *, dpi: int = 120) -> Path:
    """Write ``report.md`` and its chart PNGs (``report-<chart>.png``) into ``path``'s folder."""
    path = Path(path)
    stem = path.stem
    names: dict[str, str] = {}
    for chart in report.all_charts():
        name = f"{stem}-{chart.key}.png"
        write_file(path.parent / name, figure_to_png(chart.figure, dpi=dpi))
        names[chart.key] = name
    return write_file(path, render_markdown(report, names))
