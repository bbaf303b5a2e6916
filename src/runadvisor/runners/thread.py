"""ThreadRunner: nodes in a pool of threads sharing this process's memory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runadvisor.runners.base import AbstractRunner, available_cores
from runadvisor.runners.executors import InlineExecutor, ThreadExecutor


class ThreadRunner(AbstractRunner):
    """Runs independent nodes in threads: good for I/O and for code that releases the GIL.

    ``max_workers`` defaults to ``min(32, cores + 4)`` (as ``concurrent.futures``)
    and never exceeds what the pipeline can run at once.
    """

    def __init__(self, max_workers: int | None = None, is_async: bool = False) -> None:
        super().__init__(max_workers=max_workers, is_async=is_async)

    def _default_workers(self) -> int:
        return min(32, available_cores() + 4)

    def _make_executor(
        self,
        nodes: Sequence[Any],
        catalog: Any,
        workers: int,
        probes: Sequence[Any],
        timed: bool = False,
    ) -> InlineExecutor | ThreadExecutor:
        if workers == 1 and not timed:
            # Nothing can overlap (a chain, or max_workers=1): a pool thread would add two
            # thread hand-offs per node and nothing else (chain1000 on a 2-vCPU VM: 22-70 us
            # per node through a pool thread, 9-10 us inline).
            return InlineExecutor(catalog, probes)
        return ThreadExecutor(catalog, workers, probes)
