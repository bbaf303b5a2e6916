"""Predict a runner's wall time from one sequential profile by simulating its schedule.

The engine hands ready nodes to free workers in topological order (the
pipeline's node order); so does this simulation (greedy list scheduling on P
workers, event by event). What differs between runners is what a node costs
and what running nodes share:

- SequentialRunner: the sum of the node times, plus the engine's cost per node.
- ThreadRunner: each node also pays a queue hand-off. Running nodes share the
  cores, the memory bandwidth and one GIL. A node needs the GIL for the part
  of its time it held it in the profile; it needs CPU for what all its threads
  and child processes spent (its own thread, native thread pools such as BLAS,
  tools it ran), which may be more than one core; it needs memory bandwidth
  for moving its in-memory data. When the running nodes together ask for more
  of a resource than there is, they slow down fairly (max-min fair sharing:
  those that need the scarce resource get equal shares of it, the others run
  at full speed).
- ParallelRunner: no shared GIL; each node also pays a round trip to its
  worker and the time to move its in-memory inputs and outputs (pickled
  through a pipe, or large buffers through shared memory), and the run pays
  the pool's start-up once per worker.

How many cores the running nodes share depends on how many threads want one
(:class:`CpuCapacity`): ``min(threads, cores)`` on a quiet machine; on a busy
one, what the facts run measured this process tree gets (other processes take
the rest), scaled to the share of a core the profiled nodes got, and never
less than one node used alone. On a busy machine the engine's own costs
stretch as the nodes did, and threads that take turns with the GIL lose, at
each turn, the time a woken thread waits for a CPU. (Hand-offs are not charged
that wait: measured on 400 tiny nodes, doing so predicted twice the time.)

The costs come from :mod:`runadvisor.advisor.calibrate`. The classic bounds
``max(T1/P, T_inf) <= T_P <= T1/P + T_inf`` (work T1, critical path T_inf,
greedy scheduling) are given by :func:`bounds`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runadvisor.advisor.calibrate import MachineCosts
from runadvisor.advisor.schedule import list_schedule
from runadvisor.runners import registry

MIN_CPU = 1e-3  # seconds of CPU under which a thread's share of a core is not estimated
# Nodes shorter than this are shorter than the GIL monitor's first sleeps (profiles/gil.py):
# what it attributes to them is not a measurement, so their GIL holding counts as unknown.
MIN_GIL_WALL = 4e-3


@dataclass(frozen=True)
class NodeCost:
    """One node as the simulation sees it (seconds and bytes).

    ``gil`` is the time it held the GIL (None: unknown, taken as its CPU time);
    ``cpu_wait`` the time it was ready to run but waited for a CPU (the machine
    was busy); ``pool_cpu`` the CPU time other threads of its process spent while
    it ran (native thread pools: BLAS, OpenMP) and ``child_cpu`` that of its child
    processes, both beside ``cpu``, its own thread's; ``pipe_bytes`` and
    ``shm_bytes`` what would cross to and from a worker process for it (inputs
    and outputs that live in memory); ``parents`` the indices of its parents in
    the list, which is in topological order.
    """

    name: str
    wall: float
    cpu: float = 0.0
    gil: float | None = None
    pipe_bytes: int = 0
    shm_bytes: int = 0
    parents: tuple[int, ...] = ()
    cpu_wait: float = 0.0
    pool_cpu: float = 0.0
    child_cpu: float = 0.0

    @property
    def on_cpu(self) -> float:
        """Seconds its own thread was on a CPU (at most the wall time)."""
        return min(max(self.cpu, 0.0), self.wall)

    @property
    def wanting_cpu(self) -> float:
        """Seconds its own thread was on a CPU or ready to run and waiting for one."""
        return min(self.on_cpu + max(self.cpu_wait, 0.0), self.wall)

    @property
    def native_cpu(self) -> float:
        """CPU seconds spent outside its own thread: native thread pools and child processes."""
        return max(self.pool_cpu, 0.0) + max(self.child_cpu, 0.0)

    @property
    def total_cpu(self) -> float:
        """CPU seconds of all its threads and child processes."""
        return self.on_cpu + self.native_cpu

    def share(self, default: float = 1.0) -> float:
        """Of a CPU, what its thread got while it wanted one (``default`` when it hardly ran)."""
        if self.on_cpu < MIN_CPU or self.wanting_cpu <= 0:
            return default
        return min(1.0, self.on_cpu / self.wanting_cpu)

    def threads(self, default_share: float = 1.0) -> float:
        """How many threads (its own, its pools', its children's) wanted a CPU, on average
        over its wall time: CPU outside its thread is taken to have waited as its thread did."""
        if self.wall <= 0:
            return 0.0
        native = self.native_cpu / self.share(default_share)
        return (self.wanting_cpu + native) / self.wall

    @property
    def gil_time(self) -> float:
        """Seconds holding the GIL (at most the wall time; unknown: the CPU time).

        A thread preempted by the OS while it holds the GIL still holds it, so
        this may exceed the CPU time on a busy machine.
        """
        return self.on_cpu if self.gil is None else min(max(self.gil, 0.0), self.wall)

    @property
    def waiting(self) -> float:
        """:meth:`idle` on a machine where native work got whole cores."""
        return self.idle()

    def idle(self, default_share: float = 1.0) -> float:
        """Seconds that none of its threads or children computed, waited for a CPU or held
        the GIL: I/O, sleep, locks. Native work is taken to overlap its thread's waits,
        and to have waited for a CPU as its thread did (``default_share`` of a core when
        its thread hardly ran)."""
        own = max(self.wanting_cpu, self.gil_time)
        native = self.native_cpu / self.share(default_share)
        return max(0.0, self.wall - own - native)


@dataclass(frozen=True)
class CpuCapacity:
    """How many cores this process tree gets when its threads want ``n`` of them.

    ``points``: measured ``(threads, cores got)`` pairs (see ``contention.py``);
    none: a quiet machine, where n threads get ``min(n, cores)``. ``share``: the
    part of a core one thread of the profiled run got while it wanted one (its
    CPU time over its CPU time plus its run-queue wait); the curve is scaled so
    that one thread gets that, as the profile's node times already reflect it.
    ``wakeup``: seconds a woken thread waited for a CPU, on average, in that run.
    """

    cores: int = 1
    points: tuple[tuple[float, float], ...] = ()
    share: float = 1.0
    wakeup: float = 0.0

    def gil_efficiency(self, interval: float | None = None) -> float:
        """The share of time the GIL does work while threads take turns with it: each turn
        (``sys.getswitchinterval()``) ends with a hand-over to a thread that must first
        get a CPU, ``wakeup`` seconds on average."""
        if interval is None:
            interval = sys.getswitchinterval()
        return interval / (interval + max(self.wakeup, 0.0)) if interval > 0 else 1.0

    @property
    def busy(self) -> bool:
        """Whether the curve was measured (other processes wanted the CPUs)."""
        return bool(self.points)

    def cores_for(self, threads: float) -> float:
        """Cores that ``threads`` threads of ours wanting a CPU get (fractional threads too)."""
        if threads <= 0:
            return 0.0
        if not self.points:
            return min(threads, float(self.cores))
        one = _interpolate(self.points, 1.0)
        scale = self.share / one if one > 0 else 1.0
        return min(threads, float(self.cores), _interpolate(self.points, threads) * scale)


def _interpolate(points: Sequence[tuple[float, float]], x: float) -> float:
    """Piecewise-linear through (0, 0) and ``points``, flat after the last."""
    previous = (0.0, 0.0)
    for px, py in sorted(points):
        if x <= px:
            x0, y0 = previous
            return y0 + (py - y0) * (x - x0) / (px - x0) if px > x0 else py
        previous = (px, py)
    return previous[1]


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
    Each node's wait for a CPU comes from its record (``cpu_wait``; 0 if unmeasured);
    its GIL holding too, unless it ran for less than ``MIN_GIL_WALL`` (then unknown:
    taken as its CPU time).
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
                gil=record.gil_held if record.wall >= MIN_GIL_WALL else None,
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
    capacity: CpuCapacity | None = None,
) -> float:
    """Predicted wall time (seconds) of ``runner`` with ``workers`` workers.

    ``profile_or_nodes`` is a RunProfile (ideally of a sequential run) or a list
    of NodeCost; ``runner`` a registered kind's name or class name (its
    ``model`` decides how it is simulated, with the kind's own engine costs
    where the calibration has them); ``costs`` this machine's calibration
    (default: :class:`MachineCosts` defaults with this machine's cores);
    ``capacity`` the cores this process tree gets as it asks for more
    (default: a quiet machine, ``min(n, cores)``). On a busy machine the
    engine's own costs, CPU work too, stretch as the profiled nodes did.
    """
    if costs is None:
        from runadvisor.machine import gil_enabled, usable_cores

        costs = MachineCosts(cores=usable_cores(), gil_enabled=gil_enabled())
    if capacity is None:
        capacity = CpuCapacity(cores=costs.cores)
    nodes = (
        list(profile_or_nodes)
        if isinstance(profile_or_nodes, (list, tuple))
        else nodes_from_profile(profile_or_nodes)
    )
    kind = registry.get(runner)
    model = kind.model
    costs = costs.for_kind(kind.name)
    share = capacity.share if capacity.busy else 1.0
    stretch = 1.0 / max(share, 0.05)
    if not nodes:
        return costs.run_overhead * stretch
    if model in ("hybrid", "dask"):  # modelled in their own modules
        from runadvisor.advisor import hybrid, projection

        return (hybrid if model == "hybrid" else projection).simulate(nodes, workers, costs)
    per_node = costs.seq_per_node * stretch
    if model == "inline":
        return costs.run_overhead * stretch + sum(node.wall + per_node for node in nodes)
    used = max(1, min(int(workers), width(nodes)))
    durations: list[float] = []
    usage: list[dict[str, float]] = []
    threads: list[float] = []
    if model == "threads":
        start = 0.0
    else:
        start = (costs.process_start + (used - 1) * costs.process_per_worker) * stretch
    handoff = costs.thread_handoff if model == "threads" else costs.process_round_trip
    for node in nodes:
        # The engine's work for the node: Python, on a CPU and holding the GIL.
        extra = per_node + handoff * stretch
        if model != "threads":
            extra += costs.transfer_time(node.pipe_bytes, node.shm_bytes)
        duration = node.wall + extra
        durations.append(duration)
        usage.append(
            {
                "cpu": _share(node.total_cpu + extra * share, duration, cap=float(costs.cores)),
                "gil": _share(node.gil_time + extra, duration),
                "mem": _share(memory_seconds(node, costs), duration),
            }
        )
        threads.append((node.threads(capacity.share) * node.wall + extra) / duration)

    def limits_for(running: Sequence[int]) -> dict[str, float]:
        # The running nodes share the cores their threads get, never less than the largest
        # of them uses alone (each node's profile is what it got alone). Threads that take
        # turns with the GIL each wait for a CPU when handed it: on a busy machine that
        # wait is a share of every switch interval the GIL is idle.
        alone = max(usage[i]["cpu"] for i in running)
        limits = {"cpu": max(capacity.cores_for(sum(threads[i] for i in running)), alone)}
        if costs.memory_rate > 0:
            limits["mem"] = max(1.0, costs.memory_scaling)
        if model == "threads" and costs.gil_enabled:
            wanting_gil = sum(usage[i]["gil"] for i in running)
            limits["gil"] = 1.0 if wanting_gil <= 1.0 else capacity.gil_efficiency()
        return limits

    makespan = list_schedule(durations, usage, [n.parents for n in nodes], used, limits_for)
    return costs.run_overhead * stretch + start + makespan


MEMORY_PASSES = 2  # a node reads its in-memory inputs and writes its outputs at least once


def memory_seconds(node: NodeCost, costs: MachineCosts) -> float:
    """Seconds of the node's time that move its in-memory data at one process's memory
    bandwidth (0 where the bandwidth was not calibrated): the part that slows down when
    more nodes move data at once than the memory serves (``memory_scaling``)."""
    if costs.memory_rate <= 0:
        return 0.0
    moved = MEMORY_PASSES * (node.pipe_bytes + node.shm_bytes) / costs.memory_rate
    return min(moved, node.on_cpu + node.pool_cpu)


def _share(part: float, whole: float, cap: float = 1.0) -> float:
    return 0.0 if whole <= 0 else min(cap, max(0.0, part / whole))
