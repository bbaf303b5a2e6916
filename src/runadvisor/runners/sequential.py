"""SequentialRunner: one node at a time, in topological order, in this thread."""

from __future__ import annotations

from runadvisor.runners.base import AbstractRunner
from runadvisor.runners.executors import InlineExecutor, ThreadExecutor
from runadvisor.runners.scheduler import Executor, RunPlan


class SequentialRunner(AbstractRunner):
    """Runs nodes one after another in the calling thread (ties broken by node name)."""

    def __init__(self, is_async: bool = False) -> None:
        super().__init__(max_workers=None, is_async=is_async)

    def _make_executor(self, plan: RunPlan) -> Executor:
        if plan.timed:  # an inline node cannot be timed out: run it, one at a time, in a thread
            return ThreadExecutor(plan.catalog, 1, plan.probes)
        return InlineExecutor(plan.catalog, plan.probes)
