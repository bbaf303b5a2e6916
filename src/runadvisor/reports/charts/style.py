"""What every chart shares: colours, the matplotlib style, scales, tooltips and rendering.

Charts are :class:`ChartFigure` objects: a matplotlib ``Figure`` that also
carries tooltips (``tips``: an artist's SVG id -> the full text, e.g. a node's
whole name). :func:`figure_to_svg` writes each tooltip as the SVG ``<title>``
of its artist, so a browser shows it on hover when the SVG is inline.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.figure import Figure

# Colours: CPU work is blue, waiting off the CPU amber, waiting for a CPU grey,
# failures red; one colour per runner kind (from the registry).
CPU = "#3b6fb6"
GIL = "#1f3f73"
CPU_FREE = "#8db3e2"
WAIT = "#e8a33d"
QUEUED = "#b8bcc4"
FAILED = "#c0392b"
BAND = "#cfe3d6"
BAND_EDGE = "#3d6b4a"
INK = "#1f2328"
MUTED = "#6b7280"
RING = "#f2b705"
_EXTRA_COLOURS = ["#d1495b", "#edae49", "#00798c", "#30638e", "#8d6a9f", "#5f7a3a"]

STYLE: dict[str, Any] = {
    "font.size": 9,
    "font.family": "DejaVu Sans",
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 8,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#9ca3af",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e5e7eb",
    "grid.linewidth": 0.8,
    "xtick.color": "#4b5563",
    "ytick.color": "#4b5563",
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "hatch.linewidth": 0.8,
    "svg.fonttype": "path",
    "svg.hashsalt": "runadvisor",  # stable element ids: identical input, identical SVG
}

FAILURES = ("timeout", "crashed", "failed", "unpicklable")  # statuses noted in red
WIDTH = 10.0  # inches; at 100 px/inch a full-width chart fills a 1000 px column
HALF_WIDTH = 5.2  # two charts side by side

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
for _prefix, _uri in (
    ("", _SVG),
    ("xlink", _XLINK),
    ("dc", "http://purl.org/dc/elements/1.1/"),
    ("cc", "http://creativecommons.org/ns#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
):
    ET.register_namespace(_prefix, _uri)


class ChartFigure(Figure):
    """A Figure with tooltips: ``tips`` maps an artist's gid to its full text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tips: dict[str, str] = {}

    def renderer(self) -> Any:
        """A renderer of the laid-out figure, to measure what is drawn (an Agg canvas)."""
        if not hasattr(self.canvas, "get_renderer"):
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(self)
        self.draw_without_rendering()
        return self.canvas.get_renderer()

    def add_tip(self, artist: Artist, text: str) -> None:
        """Give ``artist`` a tooltip (its SVG ``<title>``)."""
        gid = f"tip{len(self.tips)}"
        artist.set_gid(gid)
        self.tips[gid] = str(text)


@contextmanager
def chart_style() -> Iterator[None]:
    """The report's matplotlib settings, for drawing and for saving."""
    with rc_context(STYLE):
        yield


def plain(text: object) -> str:
    """User text for matplotlib: ``$`` escaped so it is never parsed as mathtext."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def runner_colour(runner: str, index: int = 0) -> str:
    """The registry's colour of a runner kind or class; a palette colour for others."""
    from runadvisor.runners import registry

    kind = registry.find(runner)
    return kind.colour if kind is not None else _EXTRA_COLOURS[index % len(_EXTRA_COLOURS)]


def short_runner(runner: str) -> str:
    """``Thread`` for ``ThreadRunner``: how legends name a runner."""
    return runner.removesuffix("Runner") or runner


def time_scale(max_seconds: float) -> tuple[float, str]:
    """(factor, unit) to show seconds on an axis: ms under one second, else s."""
    if max_seconds < 1e-3:
        return 1e6, "us"
    if max_seconds < 1:
        return 1e3, "ms"
    return 1.0, "s"


def byte_scale(max_bytes: float) -> tuple[float, str]:
    """(divisor, unit) to show bytes on an axis, decimal units."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if max_bytes >= size:
            return size, unit
    return 1.0, "B"


def empty(fig: Figure, ax: Any, message: str) -> Figure:
    """``fig`` with ``message`` instead of a plot."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", color=MUTED, transform=ax.transAxes)
    return fig


def ok(value: object) -> bool:
    """A finite, non-negative number (not a bool)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def median(values: Sequence[float]) -> float | None:
    """The median of the usable values, or None."""
    vals = sorted(v for v in values if ok(v))
    if not vals:
        return None
    mid = len(vals) // 2
    return vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2


def wrap_name(name: str, width: int) -> str:
    """``name`` on up to two lines of ``width`` characters, broken after ``_ . - /`` or a space.

    Returns ``name`` unchanged when it fits on one line, and ``""`` when it
    cannot be written whole on two.
    """
    if len(name) <= width:
        return name
    cuts = [i + 1 for i, ch in enumerate(name) if ch in "_.-/ " and 0 < i + 1 < len(name)]
    for cut in sorted(cuts, key=lambda i: abs(i - len(name) / 2)):
        head, tail = name[:cut], name[cut:]
        if len(head.rstrip()) <= width and len(tail) <= width:
            return f"{head.rstrip()}\n{tail}"
    return ""


# --- rendering ---------------------------------------------------------------------------
def figure_to_svg(fig: Figure, *, id_prefix: str = "") -> str:
    """The figure as SVG text: text drawn as paths (no fonts needed), tooltips as ``<title>``.

    ``id_prefix`` is put before every element id (and every reference to one),
    so that several charts can sit inline in one HTML page without clashing.
    """
    buf = io.BytesIO()
    with chart_style():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    root = ET.fromstring(buf.getvalue())
    _check_harmless(root)
    tips = getattr(fig, "tips", {})
    for element in root.iter():
        gid = element.get("id")
        if gid in tips:
            title = ET.Element(f"{{{_SVG}}}title")
            title.text = tips[gid]  # ElementTree escapes it
            element.insert(0, title)
    if id_prefix:
        _prefix_ids(root, id_prefix)
    return ET.tostring(root, encoding="unicode")


def figure_to_png(fig: Figure, *, dpi: int = 150) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    with chart_style():
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


_URL_REF = re.compile(r"url\(#([^)]+)\)")


def _prefix_ids(root: ET.Element, prefix: str) -> None:
    href = f"{{{_XLINK}}}href"
    for element in root.iter():
        for key, value in list(element.attrib.items()):
            if key == "id":
                element.set(key, prefix + value)
            elif key in (href, "href") and value.startswith("#"):
                element.set(key, "#" + prefix + value[1:])
            elif "url(#" in value:
                element.set(key, _URL_REF.sub(lambda m: f"url(#{prefix}{m.group(1)})", value))


def _check_harmless(root: ET.Element) -> None:
    """Refuse an SVG that could run anything: no scripts, no foreign HTML, no handlers."""
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in ("script", "foreignobject", "iframe"):
            raise ValueError(f"refusing to embed an SVG with a <{tag}> element")
        for key in element.attrib:
            if key.rsplit("}", 1)[-1].lower().startswith("on"):
                raise ValueError(f"refusing to embed an SVG with an {key} attribute")
