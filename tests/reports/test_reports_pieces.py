"""The building blocks: human units and Markdown escaping (charts: test_reports_charts.py)."""

from __future__ import annotations

import math

import pytest

from runadvisor.reports.common import slug
from runadvisor.reports.markdown import md_escape
from runadvisor.units import (
    fmt_bytes,
    fmt_percent,
    fmt_range,
    fmt_seconds,
    fmt_speedup,
    fmt_timestamp,
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1.234, "1.23 s"),
        (0.045, "45.0 ms"),
        (0.00012, "120 us"),
        (0, "0 s"),
        (75.4, "1 min 15 s"),
        (7300, "2 h 01 min"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_seconds(seconds, text):
    assert fmt_seconds(seconds) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [(812, "812 B"), (12_300_000, "12.3 MB"), (1_500_000_000, "1.50 GB"), (None, "—")],
)
def test_bytes(n, text):
    assert fmt_bytes(n) == text


def test_other_units():
    assert fmt_percent(0.42) == "42%" and fmt_percent(0.004) == "0.4%"
    assert fmt_speedup(3.6) == "3.60\u00d7" and fmt_speedup(12.34) == "12.3\u00d7"
    assert fmt_range(0.0828, 0.124) == "82.8\u2013124 ms"
    assert fmt_range(0.5, 1.5) == "500 ms \u2013 1.50 s"
    assert fmt_timestamp("2024-05-01T12:00:00+02:00") == "2024-05-01 10:00:00 UTC"
    assert fmt_timestamp("yesterday") == "yesterday"
    assert slug("ThreadRunner(4)") == "threadrunner-4" and slug("<>") == "x"


def test_markdown_escape():
    assert md_escape("a|b") == r"a\|b"
    assert md_escape("`x`") == r"\`x\`"
    assert md_escape("<script>&") == r"\<script\>\&"
    assert md_escape("load_data") == "load_data"  # intraword underscores stay readable
    assert md_escape("_private") == r"\_private"
    assert md_escape("two\nlines") == "two lines"
