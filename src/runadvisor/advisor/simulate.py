"""Predict a runner's wall time from one sequential profile by simulating its schedule.

The engine hands ready nodes to free workers in topological order (the
pipeline's node order); so does this simulation (greedy list scheduling on P
workers, event by event). What differs between runners is what a node costs
and what running nodes share:

- SequentialRunner: the sum of the node times, plus the engine's cost per node.
- ThreadRunner: each node also pays a queue hand-off. Running nodes share the
  machine's cores and one GIL: a node needs the GIL for the part of its time it
  held it in the profile (the rest is waiting or C code that releases it) and a
  core for its CPU part. When the running nodes together ask for more than one
  GIL or more cores than there are, they all slow down, fairly (max-min fair
  sharing: the nodes that need the scarce resource get equal shares of it, the
  others run at full speed).
- ParallelRunner: no shared GIL, only the cores; each node also pays a round
  trip to its worker and the time to move its in-memory inputs and outputs
  (pickled through a pipe, or large buffers through shared memory), and the run
  pays the pool's start-up once per worker.

The costs come from :mod:`runadvisor.advisor.calibrate`. The classic bounds
``max(T1/P, T_inf) <= T_P <= T1/P + T_inf`` (work T1, critical path T_inf,
greedy scheduling) are given by :func:`bounds`.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runadvisor.advisor.calibrate import MachineCosts
from runadvisor.runners import registry


@dataclass(frozen=True)
class NodeCost:
    """One node as the simulation sees it (seconds and bytes).

    ``gil`` is the time it held the GIL (None: unknown, taken as its CPU time);
    ``cpu_wait`` the time it was ready to run but waited for a CPU (the machine
    was busy); ``pipe_bytes`` and ``shm_bytes`` what would cross to and from a worker
    process for it (inputs and outputs that live in memory); ``parents`` the
    indices of its parents in the list, which is in topological order.
    """

    name: str
    wall: float
    cpu: float = 0.0
    gil: float | None = None
    pipe_bytes: int = 0
    shm_bytes: int = 0
    parents: tuple[int, ...] = ()
    cpu_wait: float = 0.0

    @property
    def on_cpu(self) -> float:
        """Seconds on a CPU (at most the wall time)."""
        return min(max(self.cpu, 0.0), self.wall)

    @property
    def wanting_cpu(self) -> float:
        """Seconds on a CPU or ready to run and waiting for one."""
        return min(self.on_cpu + max(self.cpu_wait, 0.0), self.wall)

    @property
    def gil_time(self) -> float:
        """Seconds holding the GIL (at most the wall time; unknown: the CPU time).

        A thread preempted by the OS while it holds the GIL still holds it, so
        this may exceed the CPU time on a busy machine.
        """
        return self.on_cpu if self.gil is None else min(max(self.gil, 0.0), self.wall)

    @property
    def waiting(self) -> float:
        """Seconds neither computing, nor waiting for a CPU, nor holding the GIL: I/O, sleep."""
        return max(0.0, self.wall - max(self.wanting_cpu, self.gil_time))


def nodes_from_profile(
    profile: Any,
    order: Sequence[str] | None = None,
    *,
    sizes: Mapping[str, tuple[int, int]] | None = None,
    travels: Mapping[str, bool] | None = None,
) -> list[NodeCost]:
    """The nodes of a RunProfile as NodeCosts, in topological order.

    ``order``: node names in the engine's order (the pipeline's); default: the
    profile's start times, which is that order for a sequential run.
    ``sizes``: dataset -> (bytes pickled in band, bytes of large buffers);
    default: the profile's measured output sizes, all in band. ``travels``:
    dataset -> whether its data would cross to a worker process (in-memory
    datasets do, file datasets load and save in the worker); default: all do.
    Each node's wait for a CPU comes from its record (``cpu_wait``; 0 if unmeasured).
    """
    records = list(profile.nodes)
    if order is not None:
        index = {name: i for i, name in enumerate(order)}
        records.sort(key=lambda r: (index.get(r.name, len(index)), r.start, r.name))
    else:
        records.sort(key=lambda r: (r.start, r.name))
    position = {record.name: i for i, record in enumerate(records)}
    dependencies = profile.dependencies()
    measured: dict[str, tuple[int, int]] = {}
    for record in records:
        for name, size in (record.out_bytes_by_output or {}).items():
            if size is not None:
                measured[name] = (int(size), 0)
    if sizes is not None:
        measured.update({name: (int(a), int(b)) for name, (a, b) in sizes.items()})

    def moved(names: Sequence[str]) -> tuple[int, int]:
        pipe = shm = 0
        for name in names:
            if travels is not None and not travels.get(name, True):
                continue
            a, b = measured.get(name, (0, 0))
            pipe += a
            shm += b
        return pipe, shm

    nodes = []
    for record in records:
        in_pipe, in_shm = moved(record.inputs)
        out_pipe, out_shm = moved(record.outputs)
        parents = tuple(
            sorted(position[p] for p in dependencies.get(record.name, ()) if p in position)
        )
        nodes.append(
            NodeCost(
                name=record.name,
                wall=max(0.0, record.wall),
                cpu=max(0.0, record.cpu),
                gil=record.gil_held,
                pipe_bytes=in_pipe + out_pipe,
                shm_bytes=in_shm + out_shm,
                parents=parents,
                cpu_wait=float(record.cpu_wait or 0.0),
            )
        )
    return nodes


def critical_path(nodes: Sequence[NodeCost]) -> tuple[float, list[str]]:
    """The longest path through the DAG by node wall time: (seconds, node names)."""
    if not nodes:
        return 0.0, []
    finish = [0.0] * len(nodes)
    via: list[int | None] = [None] * len(nodes)
    for i, node in enumerate(nodes):
        best = None
        for parent in node.parents:
            if best is None or finish[parent] > finish[best]:
                best = parent
        finish[i] = node.wall + (finish[best] if best is not None else 0.0)
        via[i] = best
    end: int | None = max(range(len(nodes)), key=lambda i: finish[i])
    length = finish[end]
    path = []
    while end is not None:
        path.append(nodes[end].name)
        end = via[end]
    return length, path[::-1]


def width(nodes: Sequence[NodeCost]) -> int:
    """How many nodes can ever run at once (the engine's chain-cover bound)."""
    from runadvisor.runners.base import pipeline_width

    return pipeline_width(range(len(nodes)), {i: n.parents for i, n in enumerate(nodes)})


def bounds(nodes: Sequence[NodeCost], workers: int) -> tuple[float, float]:
    """``(max(T1/P, T_inf), T1/P + T_inf)``: what any greedy schedule on P workers achieves."""
    t1 = sum(node.wall for node in nodes)
    t_inf, _ = critical_path(nodes)
    p = max(1, workers)
    return max(t1 / p, t_inf), t1 / p + t_inf


def simulate(
    profile_or_nodes: Any,
    runner: str,
    workers: int = 1,
    costs: MachineCosts | None = None,
) -> float:
    """Predicted wall time (seconds) of ``runner`` with ``workers`` workers.

    ``profile_or_nodes`` is a RunProfile (ideally of a sequential run) or a list
    of NodeCost; ``runner`` a registered kind's name or class name (its
    ``model`` decides how it is simulated, with the kind's own engine costs
    where the calibration has them); ``costs`` this machine's calibration
    (default: :class:`MachineCosts` defaults with this machine's cores).
    """
    if costs is None:
        from runadvisor.machine import gil_enabled, usable_cores

        costs = MachineCosts(cores=usable_cores(), gil_enabled=gil_enabled())
    nodes = (
        list(profile_or_nodes)
        if isinstance(profile_or_nodes, (list, tuple))
        else nodes_from_profile(profile_or_nodes)
    )
    kind = registry.get(runner)
    model = kind.model
    costs = costs.for_kind(kind.name)
    if not nodes:
        return costs.run_overhead
    if model in ("hybrid", "dask"):  # modelled in their own modules
        from runadvisor.advisor import hybrid, projection

        return (hybrid if model == "hybrid" else projection).simulate(nodes, workers, costs)
    per_node = costs.seq_per_node
    if model == "inline":
        return costs.run_overhead + sum(node.wall + per_node for node in nodes)
    used = max(1, min(int(workers), width(nodes)))
    durations = []
    usage = []
    capacity = {"cpu": float(max(1, costs.cores))}
    if model == "threads":
        if costs.gil_enabled:
            capacity["gil"] = 1.0
        extra = per_node + costs.thread_handoff  # Python work: holds the GIL and a core
        for node in nodes:
            duration = node.wall + extra
            durations.append(duration)
            usage.append(
                {
                    "cpu": _share(node.wanting_cpu + extra, duration),
                    "gil": _share(node.gil_time + extra, duration),
                }
            )
        start = 0.0
    else:
        extra = per_node + costs.process_round_trip
        for node in nodes:
            moving = costs.transfer_time(node.pipe_bytes, node.shm_bytes)
            duration = node.wall + extra + moving
            durations.append(duration)
            usage.append({"cpu": _share(node.wanting_cpu + extra + moving, duration)})
        start = costs.process_start + (used - 1) * costs.process_per_worker
    makespan = _list_schedule(durations, usage, [n.parents for n in nodes], used, capacity)
    return costs.run_overhead + start + makespan


def _share(part: float, whole: float) -> float:
    return 0.0 if whole <= 0 else min(1.0, max(0.0, part / whole))


def _list_schedule(
    durations: Sequence[float],
    usage: Sequence[Mapping[str, float]],
    parents: Sequence[Sequence[int]],
    workers: int,
    capacity: Mapping[str, float],
) -> float:
    """Greedy list scheduling in index order, running nodes sharing ``capacity`` fairly."""
    n = len(durations)
    waiting = [0] * n
    children: list[list[int]] = [[] for _ in range(n)]
    for i, ps in enumerate(parents):
        for p in ps:
            waiting[i] += 1
            children[p].append(i)
    ready = [i for i in range(n) if waiting[i] == 0]
    heapq.heapify(ready)
    remaining: dict[int, float] = {}
    now = 0.0
    while ready or remaining:
        while ready and len(remaining) < workers:
            i = heapq.heappop(ready)
            remaining[i] = durations[i]
        if not remaining:  # pragma: no cover - a cycle; the pipeline forbids them
            break
        rates = fair_rates(list(remaining), usage, capacity)
        first = min(remaining, key=lambda i: remaining[i] / rates[i])
        step = remaining[first] / rates[first]
        now += step
        finished = []
        for i in remaining:
            remaining[i] -= rates[i] * step
            if i == first or remaining[i] <= 1e-12:
                finished.append(i)
        for i in finished:
            del remaining[i]
            for child in children[i]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, child)
    return now


def fair_rates(
    running: Sequence[int], usage: Sequence[Mapping[str, float]], capacity: Mapping[str, float]
) -> dict[int, float]:
    """Max-min fair speeds (1 = as in the profile) of the running nodes.

    Node i at speed r uses ``r * usage[i][res]`` of each resource. All speeds
    rise together until a resource is full; the nodes using it stop there and
    the others keep rising, up to 1 (progressive filling).
    """
    rates: dict[int, float] = {}
    used = dict.fromkeys(capacity, 0.0)
    active = list(running)
    level = 0.0
    while active:
        limit, binding = 1.0, None
        for resource, cap in capacity.items():
            demand = sum(usage[i].get(resource, 0.0) for i in active)
            if demand > 0:
                at = (cap - used[resource]) / demand
                if at < limit:
                    limit, binding = at, resource
        limit = max(limit, level, 1e-9)
        if binding is None:
            for i in active:
                rates[i] = limit
            break
        frozen = [i for i in active if usage[i].get(binding, 0.0) > 0]
        for i in frozen:
            rates[i] = limit
            for resource in capacity:
                used[resource] += limit * usage[i].get(resource, 0.0)
        active = [i for i in active if usage[i].get(binding, 0.0) <= 0]
        level = limit
    return rates
