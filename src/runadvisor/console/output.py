"""Where and how the command line prints: consoles, plain lines, the progress bar."""

from __future__ import annotations

from collections.abc import Iterable
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


def progress_bar(quiet: bool) -> Progress:
    """A progress bar on stderr, refreshed only when something happens.

    No refresh thread: ParallelRunner forks, and forking beside a running
    thread can deadlock the child (the engine warns about it). Off when
    stderr is not a terminal (logs and pipes get no bar).
    """
    console = err_console()
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        auto_refresh=False,
        transient=True,
        disable=quiet or not console.is_terminal,
    )


class NodeProgress:
    """An engine observer: advances a progress task by one per finished node."""

    def __init__(self, progress: Progress, total: int, label: str) -> None:
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
        self.progress.update(self.task, advance=1, refresh=True)

    def finish(self) -> None:
        """Fill the bar (nodes skipped by --only-missing-outputs never report)."""
        self.progress.update(self.task, completed=self.total, refresh=True)
