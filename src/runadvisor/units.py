"""Human units for durations, sizes, shares and ratios: the one set of formatters.

Standard library only, so every package (advisor, reports, console) may
import it. One convention throughout: decimal sizes (kB, MB, GB: powers of
1000) and ``us`` for microseconds. Durations come in two styles:
:func:`fmt_seconds` (three significant digits, for tables and reports) and
:func:`fmt_seconds_prose` (fixed decimals, for the advisor's sentences, where
two numbers side by side must compare at a glance).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

MISSING = "—"


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _sig3(x: float) -> str:
    """Three significant digits without a trailing exponent: 1.23, 12.3, 123, 1234."""
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def fmt_seconds(value: float | None, *, missing: str = MISSING) -> str:
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


def fmt_seconds_prose(value: float | None, *, missing: str = "?") -> str:
    """Seconds for a sentence: ``"12 s"``, ``"0.45 s"``, then milliseconds below 0.1 s."""
    if not _finite(value):
        return missing
    s = float(value)  # type: ignore[arg-type]
    if s >= 10:
        return f"{s:.0f} s"
    if s >= 0.1:
        return f"{s:.2f} s"
    return fmt_milliseconds(s)


def fmt_milliseconds(value: float | None, *, missing: str = "?") -> str:
    """Seconds always as milliseconds, to compare small costs: ``"45.0 ms"``, ``"0.020 ms"``."""
    if not _finite(value):
        return missing
    s = float(value)  # type: ignore[arg-type]
    if s >= 0.1:
        return f"{s * 1e3:.0f} ms"
    if s >= 0.001:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e3:.3f} ms"


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
        return MISSING
    text = str(value)
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if stamp.utcoffset() is not None:
        stamp = stamp.astimezone(timezone.utc)
        return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def fmt_bytes(value: float | None, *, missing: str = MISSING) -> str:
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


def fmt_percent(value: float | None, *, missing: str = MISSING) -> str:
    """A share in 0..1 as a percentage: ``"42%"``, ``"0.5%"``."""
    if not _finite(value):
        return missing
    p = float(value) * 100  # type: ignore[arg-type]
    if p != 0 and abs(p) < 1:
        return f"{p:.1f}%"
    return f"{p:.0f}%"


def fmt_speedup(value: float | None, *, missing: str = MISSING) -> str:
    """A ratio as ``"3.62"`` and a multiplication sign (one decimal from 10 up)."""
    if not _finite(value):
        return missing
    v = float(value)  # type: ignore[arg-type]
    return f"{v:.2f}\u00d7" if v < 10 else f"{v:.1f}\u00d7"


def fmt_number(value: float | None, *, missing: str = MISSING) -> str:
    """A plain number with three significant digits (integers as they are)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if not _finite(value):
        return missing
    return _sig3(float(value))  # type: ignore[arg-type]
