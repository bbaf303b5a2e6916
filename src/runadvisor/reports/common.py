"""Shared pieces of the reports: the error type, atomic writes and short labels.

Human units (seconds, bytes, percentages) are in :mod:`runadvisor.units`.
"""

from __future__ import annotations

import re

from runadvisor.exceptions import RunAdvisorError


class ReportError(RunAdvisorError):
    """A report that cannot be written or a file that cannot be read back."""


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
