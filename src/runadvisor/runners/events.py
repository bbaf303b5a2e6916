"""The one event the engine emits: a node ran (or failed), measured where it ran."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class NodeEvent:
    """What a task measured about itself in its worker.

    ``start``/``end`` come from ``time.perf_counter()`` in the worker (a
    system-wide monotonic clock on Linux and macOS, so events from process
    workers line up with the parent's); ``cpu`` is the ``time.thread_time()``
    delta of the executing thread, so concurrent nodes do not pollute it.
    ``extras`` holds what the observers' task probes returned.
    """

    node: str
    start: float
    end: float
    cpu: float
    pid: int
    thread: int
    error: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def wall(self) -> float:
        """Seconds from the node's start to its end, loading and saving included."""
        return self.end - self.start

    @property
    def noncpu(self) -> float:
        """Seconds the node spent off the CPU: waiting on I/O, locks or the GIL."""
        return max(0.0, self.wall - self.cpu)
