"""Shared pieces of the reports: the error type, atomic writes and human units."""

from __future__ import annotations

import math
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from runadvisor.exceptions import RunAdvisorError


class ReportError(RunAdvisorError):
    """A report that cannot be written or a file that cannot be read back."""


def atomic_write(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one."""
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mode = 0o644  # mkstemp makes 0600; a report is meant to be shared
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(tmp, mode)
        if isinstance(data, str):
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(data)
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def fmt_seconds(value: float | None, *, missing: str = "—") -> str:
    """Seconds in human units: ``"1.23 s"``, ``"45 ms"``, ``"120 us"``, ``"2 min 05 s"``."""
    if not _finite(value):
        return missing
    s = float(value)  # type: ignore[arg-type]
    sign = "-" if s < 0 else ""
    s = abs(s)
    if s == 0:
        return "0 s"
    if s >= 60:
        minutes, rest = divmod(round(s), 60)
        if minutes >= 60:
            hours, minutes = divmod(minutes, 60)
            return f"{sign}{hours} h {minutes:02d} min"
        return f"{sign}{minutes} min {rest:02d} s"
    if s >= 1:
        return f"{sign}{_sig3(s)} s"
    if s >= 1e-3:
        return f"{sign}{_sig3(s * 1e3)} ms"
    return f"{sign}{_sig3(s * 1e6)} us"


def fmt_range(low: float | None, high: float | None) -> str:
    """Two durations as an en-dash range, the unit written once when they share it.

    ``fmt_range(0.0828, 0.124)`` is ``"82.8`` en dash ``124 ms"``.
    """
    a, b = fmt_seconds(low), fmt_seconds(high)
    if " " in a and " " in b and a.split(" ")[-1] == b.split(" ")[-1] and a.count(" ") == 1:
        return f"{a.split(' ')[0]}\u2013{b}"
    return f"{a} \u2013 {b}"


def fmt_timestamp(value: object) -> str:
    """An ISO 8601 time as ``"2024-05-01 12:00:00 UTC"`` (as given when it does not parse)."""
    if not value:
        return "—"
    text = str(value)
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if stamp.utcoffset() is not None:
        stamp = stamp.astimezone(timezone.utc)
        return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def fmt_bytes(value: float | None, *, missing: str = "—") -> str:
    """Bytes in decimal units: ``"812 B"``, ``"12.3 MB"``, ``"1.50 GB"``."""
    if not _finite(value):
        return missing
    b = float(value)  # type: ignore[arg-type]
    sign = "-" if b < 0 else ""
    b = abs(b)
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= size:
            return f"{sign}{_sig3(b / size)} {unit}"
    return f"{sign}{int(b)} B"


def fmt_percent(value: float | None, *, missing: str = "—") -> str:
    """A share in 0..1 as a percentage: ``"42%"``, ``"0.5%"``."""
    if not _finite(value):
        return missing
    p = float(value) * 100  # type: ignore[arg-type]
    if p != 0 and abs(p) < 1:
        return f"{p:.1f}%"
    return f"{p:.0f}%"


def fmt_speedup(value: float | None, *, missing: str = "—") -> str:
    """A ratio as ``"3.62"`` and a multiplication sign (one decimal from 10 up)."""
    if not _finite(value):
        return missing
    v = float(value)  # type: ignore[arg-type]
    return f"{v:.2f}\u00d7" if v < 10 else f"{v:.1f}\u00d7"


def fmt_number(value: float | None, *, missing: str = "—") -> str:
    """A plain number with three significant digits (integers as they are)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if not _finite(value):
        return missing
    return _sig3(float(value))  # type: ignore[arg-type]


def _sig3(x: float) -> str:
    """Three significant digits without a trailing exponent: 1.23, 12.3, 123, 1234."""
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def runner_call(runner: str, workers: int | None) -> str:
    """``ThreadRunner(max_workers=4)`` or ``SequentialRunner()`` (which takes no workers)."""
    if not workers or runner.lower().startswith("sequential"):
        return f"{runner}()"
    return f"{runner}(max_workers={workers})"


def slug(text: str, *, limit: int = 40) -> str:
    """A file-name-safe lower-case slug of ``text`` (never empty)."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].rstrip("-") or "x"


def shorten(text: str, limit: int = 48) -> str:
    """``text`` cut in the middle with an ellipsis when longer than ``limit``."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    tail = limit - 1 - head
    return f"{text[:head]}…{text[-tail:]}"
