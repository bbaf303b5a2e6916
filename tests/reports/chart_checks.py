"""Geometry checks for charts: draw a figure and assert what a reader would notice.

Everything is measured in display pixels on the laid-out figure (Agg
renderer), so the checks hold whatever the fonts, sizes and data:

- :func:`labels_clear_of_lines`: no text written inside an axes is crossed by
  a plotted line, a band's edge or a whisker;
- :func:`legend_entries_drawn`: every legend entry stands for something drawn
  and visible, not hidden under a band or another line;
- :func:`legends_clear_of_data`: no legend sits on bars, points or lines;
- :func:`markers_distinguishable`: no two points of different series share a spot;
- :func:`check_chart`: all of the above.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import Bbox

Segment = tuple[np.ndarray, np.ndarray]


def draw(fig: Figure) -> Any:
    """Lay the figure out and draw it once; return the renderer."""
    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


# --- what is drawn -------------------------------------------------------------------------
def _visible(artist: Any) -> bool:
    return artist.get_visible() and (artist.get_alpha() is None or artist.get_alpha() > 0.05)


def draw_order(ax: Any) -> list[Any]:
    """The axes' artists in the order matplotlib draws them (zorder, then insertion)."""
    children = [a for a in ax.get_children() if a in ax._children]
    return sorted(children, key=lambda a: (a.get_zorder(), children.index(a)))


def _line_points(line: Line2D) -> np.ndarray:
    xy = np.asarray(line.get_xydata(), dtype=float)
    if xy.size == 0:
        return np.empty((0, 2))
    return line.get_transform().transform(xy)


def segments(ax: Any) -> Iterator[tuple[Any, Segment]]:
    """Every straight piece drawn in ``ax``, in display pixels: lines, whiskers, band edges."""
    for artist in draw_order(ax):
        if not _visible(artist):
            continue
        if isinstance(artist, Line2D) and artist.get_linestyle() not in ("None", "", " "):
            pts = _line_points(artist)
            for a, b in pairwise(pts):
                yield artist, (a, b)
        elif isinstance(artist, (LineCollection, PolyCollection)):
            transform = artist.get_transform()
            for path in artist.get_paths():
                pts = transform.transform(path.vertices)
                closed = isinstance(artist, PolyCollection)
                ends = list(pairwise(pts)) + ([(pts[-1], pts[0])] if closed else [])
                for a, b in ends:
                    yield artist, (a, b)


def _crosses(box: Bbox, seg: Segment) -> bool:
    """Whether the segment enters the box's interior (Liang-Barsky clipping)."""
    (x0, y0), (x1, y1) = seg
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - box.x0), (dx, box.x1 - x0), (-dy, y0 - box.y0), (dy, box.y1 - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def _shrunk(box: Bbox, px: float = 1.0) -> Bbox:
    return Bbox.from_extents(box.x0 + px, box.y0 + px, box.x1 - px, box.y1 - px)


# --- checks -----------------------------------------------------------------------------------
def labels_clear_of_lines(fig: Figure) -> list[str]:
    """Texts inside axes that a line, whisker or band edge crosses (none is right)."""
    renderer = draw(fig)
    problems = []
    for ax in fig.axes:
        clip = ax.get_window_extent(renderer)
        for text in ax.texts:
            if not text.get_visible() or not text.get_text().strip():
                continue
            box = _shrunk(text.get_window_extent(renderer))
            for artist, (a, b) in segments(ax):
                seg = (
                    np.clip(a, [clip.x0, clip.y0], [clip.x1, clip.y1]),
                    np.clip(b, [clip.x0, clip.y0], [clip.x1, clip.y1]),
                )
                if _crosses(box, seg):
                    problems.append(f"{text.get_text()!r} is crossed by {artist.get_label()!r}")
                    break
    return problems


def _related(entry: str, label: str) -> bool:
    return label == entry or label.startswith(entry + " ") or label.endswith(" " + entry)


def _covered(point: np.ndarray, width: float, later: Iterable[Any], renderer: Any) -> bool:
    for other in later:
        if not _visible(other):
            continue
        if isinstance(other, (Patch, PolyCollection)):
            face = other.get_facecolor()
            face = face[0] if np.ndim(face) == 2 and len(face) else face
            if len(face) == 4 and face[3] >= 0.9:
                paths = (
                    other.get_paths() if isinstance(other, PolyCollection) else [other.get_path()]
                )
                transform = other.get_transform()
                if any(path.contains_point(point, transform=transform) for path in paths):
                    return True
        elif isinstance(other, Line2D) and other.get_linestyle() not in ("None", "", " "):
            if other.get_linewidth() < width or (other.get_alpha() or 1.0) < 0.9:
                continue
            pts = _line_points(other)
            reach = other.get_linewidth() * renderer.points_to_pixels(1.0) / 2 + 0.5
            for a, b in pairwise(pts):
                if _distance(point, a, b) <= reach:
                    return True
    return False


def _distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = 0.0 if not ab.any() else float(np.clip(np.dot(p - a, ab) / np.dot(ab, ab), 0, 1))
    return float(np.hypot(*(p - (a + t * ab))))


def visible_share(ax: Any, artist: Any, renderer: Any, samples: int = 200) -> float:
    """The share of a drawn line (within the axes) that no later-drawn artist hides."""
    order = draw_order(ax)
    later = order[order.index(artist) + 1 :]
    clip = ax.get_window_extent(renderer)
    pts = _line_points(artist)
    if (
        isinstance(artist, Line2D)
        and artist.get_linestyle() not in ("None", "", " ")
        and len(pts) > 1
    ):
        pts = np.concatenate(
            [np.linspace(a, b, samples // max(1, len(pts) - 1) + 2) for a, b in pairwise(pts)]
        )
    inside = [p for p in pts if clip.x0 <= p[0] <= clip.x1 and clip.y0 <= p[1] <= clip.y1]
    if not inside:
        return 0.0
    seen = [p for p in inside if not _covered(p, artist.get_linewidth(), later, renderer)]
    return len(seen) / len(inside)


def legend_entries_drawn(fig: Figure, min_share: float = 0.1) -> list[str]:
    """Legend entries that stand for nothing visible in their axes (none is right)."""
    renderer = draw(fig)
    problems = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        for text, handle in zip(legend.get_texts(), legend.legend_handles):
            entry = text.get_text()
            if not _entry_drawn(ax, entry, handle, renderer, min_share):
                problems.append(f"legend entry {entry!r} shows nothing visible")
    return problems


def _entry_drawn(ax: Any, entry: str, handle: Any, renderer: Any, min_share: float) -> bool:
    clip = ax.get_window_extent(renderer)
    for artist in draw_order(ax):
        if not _visible(artist) or not _related(entry, str(artist.get_label())):
            continue
        if isinstance(artist, Line2D):
            if visible_share(ax, artist, renderer) >= min_share:
                return True
        elif artist.get_window_extent(renderer).overlaps(clip):
            return True
    if isinstance(handle, Patch):  # a proxy: drawn if some patch wears its colours
        want = (to_rgba(handle.get_facecolor()), handle.get_hatch())
        for artist in draw_order(ax):
            if not (isinstance(artist, Rectangle) and _visible(artist) and artist.get_width() > 0):
                continue
            if (to_rgba(artist.get_facecolor()), artist.get_hatch()) == want:
                return True
    return False


def legends_clear_of_data(fig: Figure) -> list[str]:
    """Legends that sit on a bar, a point or a line of any axes (none is right)."""
    renderer = draw(fig)
    problems = []
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(
        fig.legends
    )
    for legend in legends:
        box = _shrunk(legend.get_window_extent(renderer), 2.0)
        for ax in fig.axes:
            clip = ax.get_window_extent(renderer)
            for artist in draw_order(ax):
                if not _visible(artist) or isinstance(artist, Legend):
                    continue
                if (
                    isinstance(artist, Rectangle)
                    and artist.get_width() > 0
                    and artist.get_height() > 0
                ):
                    hit = artist.get_window_extent(renderer).overlaps(box)
                elif isinstance(artist, Line2D):
                    shown = [p for p in _line_points(artist) if clip.contains(*p)]
                    hit = any(box.contains(*p) for p in shown)
                else:
                    continue
                if hit:
                    problems.append(f"the legend covers {artist.get_label()!r}")
                    break
    return problems


def markers_distinguishable(fig: Figure, min_px: float = 6.0) -> list[str]:
    """Points of different series drawn on the same spot with the same look (none is right)."""
    draw(fig)
    problems = []
    for ax in fig.axes:
        marks = []
        for line in ax.lines:
            if not _visible(line) or line.get_marker() in ("None", None, "", " "):
                continue
            if str(line.get_label()) == "recommended" or str(line.get_label()).startswith("_"):
                continue  # a ring drawn around its point on purpose; whisker caps, not series
            hollow = str(line.get_markerfacecolor()) == "none"
            marks.append((line, hollow, line.get_markersize(), _line_points(line)))
        for i, (a, hollow_a, size_a, pts_a) in enumerate(marks):
            for b, hollow_b, size_b, pts_b in marks[i + 1 :]:
                if hollow_a != hollow_b or abs(size_a - size_b) >= 3:
                    continue  # a ring around a dot, or markers of clearly different size
                for p in pts_a:
                    close = [q for q in pts_b if np.hypot(*(p - q)) < min_px]
                    if close:
                        problems.append(f"{a.get_label()!r} and {b.get_label()!r} overlap at {p}")
    return problems


def check_chart(fig: Figure) -> None:
    """Assert every geometric property above."""
    problems = (
        labels_clear_of_lines(fig)
        + legend_entries_drawn(fig)
        + legends_clear_of_data(fig)
        + markers_distinguishable(fig)
    )
    assert not problems, "\n".join(problems)
