"""HybridRunner: one scheduler loop feeding several executors at once.

A pipeline is often mixed: nodes that wait on I/O (threads overlap them), nodes
that compute in pure Python and hold the GIL (only processes run them in
parallel), and short nodes that cost more to hand out than to run (inline).
HybridRunner sends each node to the executor it is assigned:

- ``"inline"``: in the calling thread, one at a time (in a thread of its own
  when a timeout is set, since an inline call cannot be abandoned);
- ``"threads"``: a pool of threads sharing this process's memory;
- ``"processes"``: a pool of worker processes, with data moving exactly as
  under ParallelRunner (placement + shared memory for large buffers).

The assignment is a mapping of node names or tags to executors, a function of
the node, or a ``Recommendation`` (the advisor's assignment, or its runner's
executor for every node). Without one, a node tagged ``inline``, ``threads``
or ``processes`` goes there and the others to ``default``.

The loop feeds each executor from its own ready queue (the executor's
``lane_of``/``lane_capacity``), processes first, so a full pool never holds back
a node bound for another. The process pool starts before any thread of the run
exists, so the default start method can still fork (see ``runadvisor.machine``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from runadvisor import machine
from runadvisor.runners.assignment import (
    EXECUTORS,
    INLINE,
    LANE_ORDER,
    PROCESSES,
    THREADS,
    Assign,
    executor_name,
    is_recommendation,
    recommendation_plan,
    render,
    resolve,
)
from runadvisor.runners.base import AbstractRunner, check_workers, pipeline_width
from runadvisor.runners.errors import RunTimeoutError
from runadvisor.runners.executors import InlineExecutor, ThreadExecutor
from runadvisor.runners.parallel import check_transfer, requested_start_method
from runadvisor.runners.placement import place
from runadvisor.runners.scheduler import Completion, RunPlan, RunState


class HybridRunner(AbstractRunner):
    """Runs each node in the executor it is assigned: inline, threads or processes.

    ``assign``: ``{node name or tag: executor}``, a function ``node -> executor``
    (None: ``default``), or a ``Recommendation``. ``default``: the executor of
    nodes the assignment does not name. ``max_threads`` / ``max_processes``:
    pool sizes (default ``max_workers``, else ``min(32, cores + 4)`` threads and
    one process per core), never more than the nodes of that pool can use at
    once. ``mp_context``: the process start method, as for ParallelRunner.
    """

    def __init__(
        self,
        assign: Assign = None,
        *,
        default: str = THREADS,
        max_threads: int | None = None,
        max_processes: int | None = None,
        max_workers: int | None = None,
        mp_context: str | None = None,
        is_async: bool = False,
    ) -> None:
        super().__init__(max_workers=max_workers, is_async=is_async)
        name = type(self).__name__
        self._assign = assign
        self._default = executor_name(default, "default")
        self._max_threads = check_workers(max_threads, name)
        self._max_processes = check_workers(max_processes, name)
        self._requested = requested_start_method(mp_context)
        self._stoppable: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        sizes = [
            f"{key}={value}"
            for key, value in (
                ("max_threads", self._max_threads),
                ("max_processes", self._max_processes),
                ("max_workers", self._max_workers),
            )
            if value is not None
        ]
        return f"{type(self).__name__}({', '.join(sizes)})"

    @property
    def mp_context(self) -> str:
        """The start method process workers would start with now."""
        return self._requested or machine.default_start_method()

    # -- the assignment --------------------------------------------------------------
    def assignment(self, pipeline: Any) -> dict[str, str]:
        """``{node name: executor}`` for every node of ``pipeline``."""
        nodes = list(pipeline.nodes)
        return {node.name: executor for node, executor in self._resolve(nodes).items()}

    def _resolve(self, nodes: Sequence[Any]) -> dict[Any, str]:
        return resolve(nodes, self._assign, self._default)

    def _sizes(self) -> tuple[int, int]:
        """(threads, processes) asked for, before the pipeline caps them."""
        threads, processes = self._max_threads, self._max_processes
        if is_recommendation(self._assign):
            _, (rec_threads, rec_processes) = recommendation_plan(self._assign)
            threads = threads or rec_threads
            processes = processes or rec_processes
        cores = machine.usable_cores()
        threads = threads or self._max_workers or min(32, cores + 4)
        processes = processes or self._max_workers or cores
        return threads, processes

    def pool_sizes(self, nodes: Sequence[Any], parents: Mapping[Any, Any]) -> dict[str, int]:
        """Workers of each executor for these nodes: asked or default, capped by what
        that executor's nodes can run at once (0 for an executor no node uses)."""
        lanes = self._resolve(nodes)
        threads, processes = self._sizes()
        asked = {INLINE: 1, THREADS: threads, PROCESSES: processes}
        sizes = {}
        for executor in EXECUTORS:
            mine = [node for node in nodes if lanes[node] == executor]
            sizes[executor] = min(asked[executor], pipeline_width(mine, parents)) if mine else 0
        return sizes

    def workers_for(self, pipeline: Any) -> int:
        """Threads and processes together (a node run inline counts as one worker)."""
        sizes = self.pool_sizes(list(pipeline.nodes), pipeline.node_dependencies)
        return max(1, sum(sizes.values()))

    # -- running ---------------------------------------------------------------------
    def _make_executor(self, plan: RunPlan) -> HybridExecutor:
        lanes = self._resolve(plan.nodes)
        sizes = self.pool_sizes(plan.nodes, plan.parents)
        self._stoppable = frozenset(n.name for n, e in lanes.items() if e == PROCESSES)
        return HybridExecutor(
            plan,
            lanes,
            sizes,
            self.mp_context if sizes[PROCESSES] else None,
            explicit=self._requested is not None,
        )

    def _run_plan(self, plan: RunPlan, observers: Any, timeout: Any, node_timeout: Any) -> RunState:
        try:
            return super()._run_plan(plan, observers, timeout, node_timeout)
        except RunTimeoutError as late:
            # Only nodes in worker processes were stopped; threads run on.
            stopped = bool(late.running) and all(n in self._stoppable for n in late.running)
            if stopped == late.stopped:
                raise
            raise RunTimeoutError(late.scope, late.limit, late.running, stopped) from None


# -- the executor -----------------------------------------------------------------------


class _Wake:
    """A pipe that pool threads write a byte to after each completion, so that one wait
    can watch it and the process pool's pipes together. Closed under a lock: a thread
    that outlives the run (a hung node) never writes to a reused descriptor."""

    def __init__(self) -> None:
        self.read, self._write = os.pipe()
        os.set_blocking(self.read, False)
        self._lock = threading.Lock()

    def signal(self) -> None:
        with self._lock:
            if self._write >= 0:
                os.write(self._write, b"\0")

    def drain(self) -> None:
        try:
            while os.read(self.read, 4096):
                pass
        except OSError:  # empty (BlockingIOError), or closed
            pass

    def close(self) -> None:
        with self._lock:
            for fd in (self._write, self.read):
                if fd >= 0:
                    os.close(fd)
            self._write = self.read = -1


class _WakingThreadExecutor(ThreadExecutor):
    """A thread pool that signals ``wake`` after each completion it queues."""

    def __init__(self, catalog: Any, max_workers: int, probes: Sequence[Any], wake: _Wake) -> None:
        super().__init__(catalog, max_workers, probes)
        self._wake = wake

    def _work(self) -> None:
        tasks, results, run, wake = self._tasks, self._results, self._run, self._wake
        while True:
            node = tasks.get()
            if node is None:
                return
            results.put(run(node))
            wake.signal()


class HybridExecutor:
    """Several executors behind the one protocol, one lane each (see ``scheduler``)."""

    def __init__(
        self,
        plan: RunPlan,
        lanes: Mapping[Any, str],
        sizes: Mapping[str, int],
        mp_context: str | None,
        *,
        explicit: bool = False,
    ) -> None:
        from runadvisor.runners.process_pool import ProcessExecutor

        self._catalog = plan.catalog
        self._lane_index = {name: i for i, name in enumerate(LANE_ORDER)}
        self._lane = {node: self._lane_index[lanes[node]] for node in plan.nodes}
        self.lane_capacity = tuple(max(1, sizes[name]) for name in LANE_ORDER)
        self.capacity = sum(self.lane_capacity)
        self._processes: Any = None
        self._in_processes = 0
        self._refused: list[Completion] = []  # process nodes whose inputs would not travel
        self._threads: list[_WakingThreadExecutor] = []
        self._inline: InlineExecutor | None = None
        self._wake: _Wake | None = None
        self._pools: list[Any] = [None, None, None]
        mine = [node for node in plan.nodes if lanes[node] == PROCESSES]
        if mine and mp_context is not None:  # first: no thread of this run exists yet
            check_transfer(mine, plan.catalog, plan.probes, mp_context)
            placement = place(plan.nodes, plan.catalog, mp_context)  # every producer counts
            sub = RunPlan(
                nodes=mine,
                parents=plan.parents,
                consumers=plan.consumers,
                keep=plan.keep,
                catalog=plan.catalog,
                workers=sizes[PROCESSES],
                probes=plan.probes,
                timed=plan.timed,
            )
            self._processes = ProcessExecutor(sub, placement, mp_context, explicit=explicit)
            self._pools[0] = self._processes
        try:
            self._wake = wake = _Wake()
            if sizes[THREADS]:
                pool = _WakingThreadExecutor(plan.catalog, sizes[THREADS], plan.probes, wake)
                self._threads.append(pool)
                self._pools[1] = pool
            if plan.timed:  # an inline call cannot be abandoned: one node at a time, in a thread
                inline: Any = _WakingThreadExecutor(plan.catalog, 1, plan.probes, wake)
                self._threads.append(inline)
            else:
                inline = self._inline = InlineExecutor(plan.catalog, plan.probes)
            self._pools[2] = inline
        except BaseException:
            self.shutdown(cancel=True)
            raise

    def lane_of(self, node: Any) -> int:
        """The lane (executor) a node goes to, in :data:`LANE_ORDER`."""
        return self._lane[node]

    def submit(self, node: Any) -> None:
        lane = self._lane[node]
        if lane != 0:
            self._pools[lane].submit(node)
            return
        try:  # its inputs may come from nodes here, and were never pickled before
            self._processes.submit(node)
        except Exception as exc:
            self._refused.append(Completion(node, None, _unsendable(node, self._catalog, exc)))
            return
        self._in_processes += 1

    def _from_processes(self, timeout: float | None, wake: Any = None) -> list[Completion]:
        done = self._processes.wait(timeout, wake=wake)
        self._in_processes -= len(done)
        return done

    def _ready_now(self) -> list[Completion]:
        done, self._refused = self._refused, []
        if self._inline is not None:
            done += self._inline.wait(0)
        if self._threads:
            self._wake.drain()  # before reading the queues: a later byte means a later result
            for pool in self._threads:
                done += pool.wait(0)
        if self._in_processes:
            done += self._from_processes(0)
        return done

    def wait(self, timeout: float | None) -> list[Completion]:
        done = self._ready_now()
        if done:
            return done
        if self._in_processes:
            wake = self._wake.read if self._threads else None
            return self._from_processes(timeout, wake) + self._ready_now()
        if len(self._threads) == 1:
            return self._threads[0].wait(timeout)
        if self._threads:
            from multiprocessing.connection import wait as wait_for_ready

            wait_for_ready([self._wake.read], timeout)
            return self._ready_now()
        return []

    def release(self, dataset: str) -> None:
        if self._processes is not None:
            self._processes.release(dataset)  # its payload, and the catalog's copy
        else:
            self._catalog.release(dataset)

    def shutdown(self, cancel: bool = False) -> None:
        for pool in self._threads:
            pool.shutdown(cancel)
        if self._inline is not None:
            self._inline.shutdown(cancel)
        if self._processes is not None:
            self._processes.shutdown(cancel)
        if self._wake is not None:
            self._wake.close()


def _unsendable(node: Any, catalog: Any, exc: Exception) -> Exception:
    """The error of a process node whose inputs cannot reach its worker, naming the input."""
    from runadvisor.io.pickling import find_unpicklable
    from runadvisor.runners.errors import UnpicklableDataError
    from runadvisor.runners.placement import read_here

    problems = []
    for name in node.inputs:
        try:
            where = find_unpicklable(read_here(catalog[name]), root=f"input '{name}'")
        except Exception:
            where = None
        if where:
            problems.append(where)
    shown = "; ".join(problems) or f"{type(exc).__name__}: {exc}"
    return UnpicklableDataError(
        f"Node '{node.name}' is assigned to 'processes', but its inputs cannot be sent to a "
        f"worker process: {shown}. Assign it 'threads' or 'inline' (no pickling), or make "
        "the data picklable.",
        problems or [shown],
    )


__all__ = [
    "EXECUTORS",
    "HybridExecutor",
    "HybridRunner",
    "executor_name",
    "recommendation_plan",
    "render",
]
