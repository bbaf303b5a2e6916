"""report.html: one self-contained page, charts inline, every user string escaped.

The page is rendered from ``templates/report.html.j2`` with autoescaping on, so
node names, tags, reasons and error messages reach the page only as text.
Charts are inline SVG: sharp at any zoom, and a bar's ``<title>`` shows a
node's full name on hover. The SVG comes from matplotlib (text drawn as
paths, so no user string is SVG text); tooltips are inserted by ElementTree,
which escapes them; :func:`~runadvisor.reports.charts.figure_to_svg` refuses
anything scriptable; and ids are prefixed per chart so charts never clash.
``image_format="png"`` embeds PNG data images instead.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from runadvisor.jsonfile import write_file
from runadvisor.reports.charts import figure_to_png, figure_to_svg
from runadvisor.reports.model import Report

PX_PER_INCH = 100  # the figures' display size: a 10-inch chart is 1000 px wide


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("runadvisor.reports", "templates"),
        autoescape=True,  # every {{ }} is HTML-escaped, in any template name
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _inline_svg(svg: str, width_px: int, height_px: int, alt: str) -> Markup:
    """The SVG element sized for the page, labelled for screen readers."""
    start = svg.index("<svg")
    head_end = svg.index(">", start)
    head = svg[start:head_end]
    for attr in ("width", "height"):
        head = _drop_attr(head, attr)
    label = escape(alt)
    head += f' width="{width_px}" height="{height_px}" role="img" aria-label="{label}"'
    return Markup(head + svg[head_end:])  # matplotlib's SVG, checked harmless


def _drop_attr(head: str, name: str) -> str:
    marker = f' {name}="'
    i = head.find(marker)
    if i < 0:
        return head
    j = head.index('"', i + len(marker))
    return head[:i] + head[j + 1 :]


def render_html(report: Report, *, image_format: str = "svg") -> str:
    """The page as a string; ``image_format`` is ``"svg"`` (inline) or ``"png"`` (data images)."""
    images: dict[str, Markup] = {}
    for n, chart in enumerate(report.all_charts()):
        width = round(chart.figure.get_figwidth() * PX_PER_INCH)
        height = round(chart.figure.get_figheight() * PX_PER_INCH)
        if image_format == "png":
            data = base64.b64encode(figure_to_png(chart.figure, dpi=2 * PX_PER_INCH)).decode(
                "ascii"
            )
            images[chart.key] = Markup(
                f'<img src="data:image/png;base64,{data}" width="{width}" alt="{{}}">'
            ).format(chart.alt)
        else:
            svg = figure_to_svg(chart.figure, id_prefix=f"c{n}-")
            images[chart.key] = _inline_svg(svg, width, height, chart.alt)
    template = _environment().get_template("report.html.j2")
    return template.render(report=report, images=images)


def write_html(report: Report, path: Path, *, image_format: str = "svg") -> Path:
    """Write ``report.html`` atomically and return its path."""
    return write_file(Path(path), render_html(report, image_format=image_format))
