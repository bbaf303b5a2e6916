"""Progress and time: what ``advise`` reports as runs complete, and its budget."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ProgressCallback = Callable[[int, int, str], Any]


class Tracker:
    """Calls ``progress(done, total, label)``; the total never shrinks.

    Runs that will not happen (settled, cut short, out of budget) count as done.
    """

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.done = 0
        self.total = 1
        self.label = ""

    def report(self, done: int, total: int, label: str) -> None:
        """Say ``done`` of ``total`` runs are over, and what happened last."""
        self.done, self.total, self.label = done, max(total, self.total, done), label
        if self.callback is not None:
            self.callback(self.done, self.total, label)

    def plan(self, more: int, label: str) -> None:
        """``more`` runs are planned on top of what is done."""
        self.report(self.done, self.done + more, label)

    def step(self, label: str, runs: int = 1) -> None:
        """``runs`` more runs are over (or will not happen)."""
        self.report(self.done + runs, self.total, label)


@dataclass(frozen=True)
class Budget:
    """Seconds ``advise`` may take in all, from ``started`` (``time.monotonic()``);
    ``seconds`` None: no limit."""

    seconds: float | None
    started: float

    def left(self) -> float:
        """Seconds left (infinite without a limit)."""
        if self.seconds is None:
            return float("inf")
        return self.seconds - (time.monotonic() - self.started)

    def spent(self) -> float:
        """Seconds since ``advise`` started."""
        return time.monotonic() - self.started
