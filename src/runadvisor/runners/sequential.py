"""SequentialRunner: one node at a time, in topological order, in this thread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runadvisor.runners.base import AbstractRunner
from runadvisor.runners.executors import InlineExecutor, ThreadExecutor


class SequentialRunner(AbstractRunner):
    """Runs nodes one after another in the calling thread (ties broken by node name)."""

    def __init__(self, is_async: bool = False) -> None:
        super().__init__(max_workers=None, is_async=is_async)

    def _make_executor(
        self,
        nodes: Sequence[Any],
        catalog: Any,
        workers: int,
        probes: Sequence[Any],
        timed: bool = False,
    ) -> InlineExecutor | ThreadExecutor:
        if timed:  # an inline node cannot be timed out: run it, still one at a time, in a thread
            return ThreadExecutor(catalog, 1, probes)
        return InlineExecutor(catalog, probes)
