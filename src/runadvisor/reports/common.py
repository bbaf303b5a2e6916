"""Shared pieces of the reports: the error type, atomic writes and short labels.

Human units (seconds, bytes, percentages) are in :mod:`runadvisor.units`.
"""

from __future__ import annotations

import os
import re
import tempfile
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
