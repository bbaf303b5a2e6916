"""Where and how the command line prints: consoles, plain lines, progress.

Progress is a bar on a terminal and plain lines in logs and pipes
(:class:`ProgressDisplay`); either way its total never goes down and it
says how long is left.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from runadvisor.units import fmt_seconds


def out_console() -> Console:
    """Console for results (stdout); created per call so test runners' streams are used."""
    return Console(highlight=False)


def err_console() -> Console:
    """Console for progress and errors (stderr)."""
    return Console(stderr=True, highlight=False)


def say(console: Console, *parts: str | Text, style: str | None = None) -> None:
    """Print plain text (no markup, no wrapping inside the line)."""
    text = Text()
    for part in parts:
        text.append(part if isinstance(part, Text) else Text(part))
    console.print(text, style=style, soft_wrap=True)


def error_line(message: str) -> None:
    """``Error: message`` on stderr."""
    say(err_console(), Text("Error: ", style="bold red"), message)


def note(message: str) -> None:
    """``Note: message`` on stderr: something the user may want to know, not an error."""
    say(err_console(), Text("Note: ", style="yellow"), message)


def success(message: str) -> None:
    """A check mark and ``message`` on stdout: what a command did."""
    say(out_console(), Text("✓ ", style="green"), message)


def print_reports(written: Iterable[tuple[str, Path]]) -> None:
    """One ``Report (kind): path`` line per written report, on stdout."""
    console = out_console()
    for kind, path in written:
        say(console, f"Report ({kind}): {path}")


@dataclass
class ProgressTask:
    """One piece of work being counted: what is done, of how much, since when.

    The total shown never goes down: work the producer takes off its total
    (runs cut short) counts as done instead. ``completed`` and ``total`` are
    what is shown; the ETA comes from the work really done and really left.
    """

    description: str
    total: int | None = None
    completed: int = 0
    detail: str = ""
    started: float = field(default_factory=time.perf_counter)
    done: int = 0  # as the producer counts it
    planned: int | None = None  # the producer's own total
    dropped: int = 0  # taken off the producer's total, shown as done
    grew: int = 0  # how much the shown total grew at the last report

    def report(self, done: int, total: int | None, detail: str = "") -> None:
        """The producer says ``done`` of ``total``; keep the shown total from going down."""
        if total is not None and self.planned is not None and total < self.planned:
            self.dropped += self.planned - total
        before = self.total
        self.done, self.planned, self.detail = done, total, detail or self.detail
        self.completed = done + self.dropped
        if total is not None:
            self.total = max(total + self.dropped, self.completed, before or 0)
        self.grew = (self.total or 0) - before if before is not None and self.total else 0

    def left(self, now: float | None = None) -> float | None:
        """Seconds still to go at the pace so far (None before anything is done)."""
        if not self.done or self.planned is None:
            return None
        elapsed = (now if now is not None else time.perf_counter()) - self.started
        return elapsed / self.done * max(0, self.planned - self.done)

    def line(self, now: float | None = None) -> str:
        """``io_fetch: ThreadRunner [3/9] fetch_3 · 1.20 s elapsed, about 2.40 s left``."""
        now = now if now is not None else time.perf_counter()
        count = f"[{self.completed}/{self.total}]" if self.total else f"[{self.completed}]"
        text = f"{self.description} {count}"
        if self.detail:
            text += f" {self.detail}"
        text += f" · {fmt_seconds(now - self.started)} elapsed"
        left = self.left(now)
        if left is not None and self.total and self.completed < self.total:
            text += f", about {fmt_seconds(left)} left"
        if self.grew > 0:
            text += f" · {self.total} planned now (+{self.grew})"
        return text


class ProgressDisplay:
    """Progress on stderr: a bar on a terminal, plain lines otherwise, nothing when quiet.

    ``mode`` is ``"bar"``, ``"lines"`` or ``"off"``. The bar has no refresh
    thread (ParallelRunner forks, and forking beside a running thread can
    deadlock the child); it is redrawn when something happens. Lines come at
    most one per ``interval`` seconds for long tasks, and always for the
    first, the last, and a total that grew.
    """

    LONG = 50  # tasks with more steps than this print at most one line per interval

    def __init__(self, mode: str, console: Console | None = None, interval: float = 1.0) -> None:
        self.mode = mode
        self.console = console or err_console()
        self.interval = interval
        self.tasks: list[ProgressTask] = []
        self._bar: Progress | None = None
        self._ids: dict[int, Any] = {}
        self._printed: dict[int, float] = {}
        if mode == "bar":
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[left]}"),
                console=self.console,
                auto_refresh=False,
                transient=True,
            )

    def __enter__(self) -> ProgressDisplay:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def add_task(self, description: str, total: int | None = None) -> ProgressTask:
        """Start counting a piece of work."""
        task = ProgressTask(description, total=total, planned=total)
        self.tasks.append(task)
        if self._bar is not None:
            self._ids[id(task)] = self._bar.add_task(description, total=total, left="")
        return task

    def update(self, task: ProgressTask, done: int, total: int | None, detail: str = "") -> None:
        """The producer's count changed: show it."""
        task.report(done, total, detail)
        self._show(task)

    def finish(self, task: ProgressTask) -> None:
        """The work is over: show it complete."""
        if task.total is not None and task.completed < task.total:
            task.dropped += task.total - task.completed
            task.completed = task.total
        self._show(task, last=True)

    def _show(self, task: ProgressTask, *, last: bool = False) -> None:
        now = time.perf_counter()
        if self._bar is not None:
            left = task.left(now)
            self._bar.update(
                self._ids[id(task)],
                completed=task.completed,
                total=task.total,
                description=f"{task.description} {task.detail}".strip(),
                left=f"~{fmt_seconds(left)} left" if left is not None and not last else "",
            )
            self._bar.refresh()
        elif self.mode == "lines":
            key = id(task)
            first = key not in self._printed
            final = last or (task.total is not None and task.completed >= task.total)
            long_task = (task.total or 0) > self.LONG
            due = not long_task or now - self._printed.get(key, 0.0) >= self.interval
            if first or final or task.grew > 0 or due:
                if last and self._printed.get(key) == -1.0:
                    return  # the final line is out already
                say(self.console, task.line(now))
                self._printed[key] = -1.0 if final else now


def progress_mode(quiet: bool) -> str:
    """``"off"`` when quiet, ``"bar"`` when stdout and stderr are terminals, else ``"lines"``."""
    if quiet:
        return "off"
    stdout_tty = out_console().is_terminal or _isatty(sys.stdout)
    return "bar" if err_console().is_terminal and stdout_tty else "lines"


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def progress_bar(quiet: bool) -> ProgressDisplay:
    """The progress display for this terminal (see :func:`progress_mode`)."""
    return ProgressDisplay(progress_mode(quiet))


class NodeProgress:
    """An engine observer: counts finished nodes on a progress display."""

    def __init__(self, progress: ProgressDisplay, total: int, label: str) -> None:
        self.progress = progress
        self.label = label
        self.total = total
        self.task = progress.add_task(label, total=total)
        self.done = 0
        self.failed: list[str] = []

    def __call__(self, event: Any) -> None:
        """Receive one NodeEvent."""
        self.done += 1
        if getattr(event, "error", None):
            self.failed.append(event.node)
        state = "failed" if getattr(event, "error", None) else "done"
        self.progress.update(self.task, self.done, self.total, f"{event.node} {state}")

    def finish(self) -> None:
        """Fill the bar (nodes skipped by --only-missing-outputs never report)."""
        self.progress.finish(self.task)
