"""report.html: one self-contained page, charts inline, every user string escaped.

The page is rendered from ``templates/report.html.j2`` with autoescaping on, so
node names, tags, reasons and error messages reach the page only as text.
Charts are embedded as ``<img src="data:image/svg+xml;base64,...">``: sharp at
any zoom, and an SVG inside ``<img>`` cannot run scripts even if a label were
hostile (matplotlib escapes its text, and draws glyphs as paths anyway).
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import jinja2

from runadvisor.jsonfile import write_file
from runadvisor.reports.charts import figure_to_png, figure_to_svg
from runadvisor.reports.content import Report

PX_PER_INCH = 100  # the figures' display size: a 10-inch chart is 1000 px wide


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("runadvisor.reports", "templates"),
        autoescape=True,  # every {{ }} is HTML-escaped, in any template name
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report, *, image_format: str = "svg") -> str:
    """The page as a string; ``image_format`` is ``"svg"`` or ``"png"``."""
    images: dict[str, str] = {}
    widths: dict[str, int] = {}
    for chart in report.all_charts():
        if image_format == "png":
            data = figure_to_png(chart.figure, dpi=2 * PX_PER_INCH)
            images[chart.key] = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        else:
            svg = figure_to_svg(chart.figure).encode("utf-8")
            images[chart.key] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        widths[chart.key] = round(chart.figure.get_figwidth() * PX_PER_INCH)
    template = _environment().get_template("report.html.j2")
    return template.render(report=report, images=images, widths=widths)


def write_html(report: Report, path: Path, *, image_format: str = "svg") -> Path:
    """Write ``report.html`` atomically and return its path."""
    return write_file(Path(path), render_html(report, image_format=image_format))
