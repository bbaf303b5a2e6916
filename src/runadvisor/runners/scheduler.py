"""The one scheduler loop every runner uses.

Modelled on ``dask/local.py``'s ``get_async``: state lives in plain dicts, and
runners differ only in the executor they hand the loop. Readiness is kept by
counting: each node's number of unfinished parents and each dataset's number of
remaining consumers are computed once, and a finished node decrements its
children and its inputs, so the cost per node is O(its edges).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from time import monotonic
from typing import Any, Protocol

from runadvisor.runners.events import NodeEvent


@dataclass(slots=True)
class Completion:
    """A node the executor finished: its event, and its exception if it failed."""

    node: Any
    event: NodeEvent | None
    error: BaseException | None


class Executor(Protocol):
    """How tasks reach workers (the contract every executor keeps).

    ``capacity``: how many tasks may run at once. ``submit(node)`` never
    blocks. ``wait(timeout)`` blocks until at least one task completes or
    ``timeout`` seconds pass (then returns []). ``release(dataset)``: no node
    will read ``dataset`` again. ``shutdown(cancel)``: end the workers; with
    ``cancel``, at once, without waiting for running tasks.

    An executor with several pools (HybridRunner's) may also have
    ``lane_capacity`` (one capacity per pool, in the order the loop should feed
    them) and ``lane_of(node) -> int`` (the pool a node goes to): the loop then
    keeps one ready queue per lane, so a full pool never holds back a node
    bound for another one.
    """

    capacity: int

    def submit(self, node: Any) -> None: ...

    def wait(self, timeout: float | None) -> list[Completion]: ...

    def release(self, dataset: str) -> None: ...

    def shutdown(self, cancel: bool = False) -> None: ...


@dataclass(frozen=True)
class RunPlan:
    """Everything an executor and the loop need to know about one run.

    ``nodes`` in topological order; ``parents`` maps each node to its parent
    nodes; ``consumers`` counts, per dataset, the nodes that read it; datasets
    in ``keep`` are never released; ``workers`` is how many may run at once;
    ``probes`` are the observers' task probes; ``timed`` says a deadline may
    have to abandon a running node.
    """

    nodes: Sequence[Any]
    parents: Mapping[Any, Iterable[Any]]
    consumers: Mapping[str, int]
    keep: frozenset[str]
    catalog: Any
    workers: int
    probes: tuple[Any, ...] = ()
    timed: bool = False


@dataclass
class RunState:
    """What the loop knows when it stops: used for errors and resume hints."""

    done: list[Any] = field(default_factory=list)
    failed: list[tuple[Any, BaseException]] = field(default_factory=list)
    running: set[Any] = field(default_factory=set)


class RunTimedOut(Exception):
    """Raised inside the loop when a run or node deadline passes."""

    def __init__(self, nodes: list[Any], kind: str, limit: float) -> None:
        super().__init__(kind)
        self.nodes = nodes
        self.kind = kind
        self.limit = limit


def run_loop(
    plan: RunPlan,
    executor: Executor,
    observers: Sequence[Callable[[NodeEvent], Any]] = (),
    *,
    timeout: float | None = None,
    node_timeout: float | None = None,
) -> RunState:
    """Run ``plan.nodes`` on ``executor``.

    Observers are called with each node's ``NodeEvent`` when it completes; an
    observer with a ``node_started(name)`` method is also told when a node is
    handed to the executor. A node is submitted once all its parents are done,
    in topological order while capacity allows; a dataset is released once its
    last reader is done (unless kept), and an output no node reads under its own
    name (a transcoded ``ds@save`` read as ``ds@load``) once it is written, as
    Kedro does. After the first failure no new node starts, the running ones
    finish, and the loop returns; the caller raises. A deadline that passes
    raises ``RunTimedOut`` (the caller shuts the executor down).
    """
    nodes, parents, keep = plan.nodes, plan.parents, plan.keep
    order = {node: index for index, node in enumerate(nodes)}
    waiting = {node: 0 for node in nodes}
    children: dict[Any, list[Any]] = {node: [] for node in nodes}
    for node in nodes:
        for parent in parents.get(node, ()):
            if parent in waiting:
                waiting[node] += 1
                children[parent].append(node)
    consumers_left = dict(plan.consumers)
    lane_of = getattr(executor, "lane_of", None)
    capacities = list(executor.lane_capacity) if lane_of else [executor.capacity]
    lane = [lane_of(node) for node in nodes] if lane_of else [0] * len(nodes)
    queues: list[list[int]] = [[] for _ in capacities]  # ready nodes, one heap per lane
    busy = [0] * len(capacities)
    for node in nodes:
        if waiting[node] == 0:
            queues[lane[order[node]]].append(order[node])
    for queue in queues:
        heapq.heapify(queue)

    state = RunState()
    running = state.running
    started: dict[Any, float] = {}
    run_deadline = None if timeout is None else monotonic() + timeout
    starters = [s for s in (getattr(o, "node_started", None) for o in observers) if s]

    while running or any(queues):
        for k, ready in enumerate(queues):
            while ready and busy[k] < capacities[k] and not state.failed:
                node = nodes[heapq.heappop(ready)]
                busy[k] += 1
                running.add(node)
                if node_timeout is not None:
                    started[node] = monotonic()
                for starter in starters:
                    starter(node.name)
                executor.submit(node)
        if not running:
            break
        wait_for = _time_to_deadline(run_deadline, started, node_timeout)
        completions = executor.wait(wait_for)
        if not completions:
            _check_deadlines(running, run_deadline, started, timeout, node_timeout)
            continue
        for completion in completions:
            node = completion.node
            running.discard(node)
            busy[lane[order[node]]] -= 1
            started.pop(node, None)
            if completion.event is not None:
                for observer in observers:
                    observer(completion.event)
            if completion.error is not None:
                state.failed.append((node, completion.error))
                continue
            state.done.append(node)
            for child in children[node]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    index = order[child]
                    heapq.heappush(queues[lane[index]], index)
            for name in node.inputs:
                left = consumers_left[name] - 1
                consumers_left[name] = left
                if left == 0 and name not in keep:
                    executor.release(name)
            for name in node.outputs:  # read by no node under this name ('ds@save')
                if name not in consumers_left and name not in keep:
                    executor.release(name)
        if state.failed and not running:
            break
    return state


def _time_to_deadline(
    run_deadline: float | None, started: dict[Any, float], node_timeout: float | None
) -> float | None:
    deadlines = []
    if run_deadline is not None:
        deadlines.append(run_deadline)
    if node_timeout is not None and started:
        deadlines.append(min(started.values()) + node_timeout)
    if not deadlines:
        return None
    return max(0.0, min(deadlines) - monotonic())


def _check_deadlines(
    running: set[Any],
    run_deadline: float | None,
    started: dict[Any, float],
    timeout: float | None,
    node_timeout: float | None,
) -> None:
    now = monotonic()
    if run_deadline is not None and now >= run_deadline:
        raise RunTimedOut(sorted(running, key=lambda n: n.name), "run", timeout or 0.0)
    if node_timeout is not None:
        late = [n for n in running if now - started[n] >= node_timeout]
        if late:
            raise RunTimedOut(sorted(late, key=lambda n: n.name), "node", node_timeout)
