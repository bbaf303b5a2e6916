"""ParallelRunner: nodes in worker processes, for CPU work that holds the GIL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runadvisor import machine
from runadvisor.runners.base import AbstractRunner
from runadvisor.runners.errors import RunnerError, UnpicklableDataError
from runadvisor.runners.placement import Placement, place, unpicklable_parts
from runadvisor.runners.process_pool import ProcessExecutor
from runadvisor.runners.scheduler import RunPlan

MP_CONTEXT_ENV = machine.MP_CONTEXT_ENV


class ParallelRunner(AbstractRunner):
    """Runs independent nodes in a pool of processes started for the run.

    Works with any catalog: in-memory data stays in this process and travels
    with each task (large arrays through shared memory); file datasets load and
    save inside the workers. Node functions travel with cloudpickle, so lambdas
    and closures work. What must travel is checked before anything runs.
    ``mp_context`` (or the ``RUNADVISOR_MP_CONTEXT`` variable) picks the start
    method. By default it is decided when the pool starts: ``fork`` where it
    exists and no other thread is alive (the fastest: workers inherit the data;
    runadvisor's own background threads pause for the fork), else
    ``forkserver``, else ``spawn`` (a fork beside a running thread can deadlock
    the child on a lock that thread held).
    """

    _kills_on_timeout = True

    def __init__(
        self,
        max_workers: int | None = None,
        is_async: bool = False,
        mp_context: str | None = None,
    ) -> None:
        super().__init__(max_workers=max_workers, is_async=is_async)
        self._requested = requested_start_method(mp_context)

    @property
    def mp_context(self) -> str:
        """The start method the workers would start with now (see the class doc)."""
        return self._requested or machine.default_start_method()

    def _default_workers(self) -> int:
        return machine.usable_cores()

    def _make_executor(self, plan: RunPlan) -> ProcessExecutor:
        method = self.mp_context  # decided now, as the pool starts
        placement = check_transfer(plan.nodes, plan.catalog, plan.probes, method)
        return ProcessExecutor(plan, placement, method, explicit=self._requested is not None)


def requested_start_method(mp_context: str | None) -> str | None:
    """The start method asked for (argument, then environment), checked; None: decide later."""
    try:
        return machine.requested_start_method(mp_context)
    except machine.StartMethodError as exc:
        raise RunnerError(str(exc)) from None


def resolve_start_method(mp_context: str | None) -> str:
    """The start method asked for (argument, then environment), checked; else the default now."""
    return requested_start_method(mp_context) or machine.default_start_method()


def check_transfer(
    nodes: Sequence[Any], catalog: Any, probes: Sequence[Any], mp_context: str
) -> Placement:
    """Check before running that everything that must reach a worker pickles.

    Returns where each dataset lives (:func:`placement.place`). Raises
    :class:`UnpicklableDataError` naming the node or dataset, the attribute that
    does not pickle, and the way out. In-memory free inputs must pickle under
    every start method, so a pipeline that runs under fork also runs under spawn.
    """
    # under fork the workers inherit functions and datasets
    problems = unpicklable_parts(nodes, catalog, probes, functions=mp_context != "fork")
    if problems:
        raise UnpicklableDataError(
            "ParallelRunner must send data to worker processes, and some of it cannot be "
            "pickled:\n  - " + "\n  - ".join(problems) + "\nUse ThreadRunner (no pickling "
            "needed), make the object picklable (drop locks, connections and open files, "
            "or recreate them inside the node), or keep it in a file dataset.",
            problems,
        )
    return place(nodes, catalog, mp_context)
