"""The advisor's HybridRunner: each node's executor from its own measurements.

A pipeline with both waiting nodes and GIL-holding CPU nodes is served badly
by any one executor: threads stall the CPU nodes on the GIL, processes waste
workers waiting on I/O. The assignment reads each node of the profile:

- short (under 1 ms and ten thread hand-offs): ``inline``, where handing it to
  a worker would cost more than it does;
- mostly waiting (I/O, sleep: >= 50% of its time): ``threads``;
- CPU-bound and holding the GIL (>= 30% of its CPU time): ``processes``,
  unless its function or data does not pickle (then ``inline``) or moving its
  data costs more than the node itself (then ``threads``);
- anything else (CPU work that releases the GIL): ``threads``.

A hybrid is a candidate only when the assignment uses both pools and it is
predicted at least 20% faster than the best single executor. Both pools
are sized by simulating the schedule (one ready queue per executor, as the
engine keeps them; threads and inline nodes share this process's GIL; nodes
run inline hold the loop) and taking the fastest, ties to fewer workers.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from runadvisor.advisor.calibrate import MachineCosts
from runadvisor.advisor.recommend import Candidate
from runadvisor.advisor.schedule import fair_rates
from runadvisor.advisor.simulate import NodeCost, bounds
from runadvisor.runners.base import pipeline_width
from runadvisor.runners.hybrid import INLINE, LANE_ORDER, PROCESSES, THREADS
from runadvisor.units import fmt_milliseconds

SHORT_FLOOR = 1e-3  # seconds: a node under this (and ten hand-offs) runs inline
SHORT_HANDOFFS = 10
WAITING_SHARE = 0.5
CPU_SHARE = 0.5
GIL_SHARE = 0.3  # as the tree's: GIL held for less of the CPU time means the work releases it
TIE_SHARE = 0.05
MIN_GAIN = 0.2  # predicted this much faster than the best single executor, or no candidate
MAX_THREADS = 256


@dataclass(frozen=True)
class Assignment:
    """``executors``: node name -> executor; ``reasons``: node name -> why, in words."""

    executors: dict[str, str]
    reasons: dict[str, str]

    def nodes_of(self, executor: str) -> list[str]:
        """The nodes assigned to ``executor``, in pipeline order."""
        return [name for name, e in self.executors.items() if e == executor]

    @property
    def mixed(self) -> bool:
        """Whether both pools are used: only then is a hybrid worth a candidate."""
        return bool(self.nodes_of(THREADS)) and bool(self.nodes_of(PROCESSES))


def assign(
    nodes: Sequence[NodeCost], costs: MachineCosts, unpicklable: Sequence[str] = ()
) -> Assignment:
    """Each node's executor from its own measurements (see the module doc)."""
    stuck = set(unpicklable)
    short = max(SHORT_FLOOR, SHORT_HANDOFFS * costs.thread_handoff)
    executors, reasons = {}, {}
    for node in nodes:
        wall = max(node.wall, 1e-12)
        waiting = node.waiting / wall
        cpu = node.wanting_cpu / wall
        gil = min(1.0, node.gil_time / node.on_cpu) if node.on_cpu > 0 else 0.0
        if node.wall < short:
            executor, why = INLINE, f"{fmt_milliseconds(node.wall)}: cheaper than a hand-off"
        elif waiting >= WAITING_SHARE:
            executor, why = THREADS, f"waiting {waiting:.0%} of its time"
        elif cpu >= CPU_SHARE and costs.gil_enabled and gil >= GIL_SHARE:
            moving = costs.transfer_time(node.pipe_bytes, node.shm_bytes)
            if node.name in stuck:
                executor, why = INLINE, "holds the GIL, but its function or data does not pickle"
            elif moving + costs.process_round_trip >= node.wall:
                executor, why = THREADS, "holds the GIL, but moving its data costs more than it"
            else:
                executor, why = PROCESSES, f"on a CPU {cpu:.0%}, holding the GIL {gil:.0%}"
        else:
            executor, why = THREADS, f"on a CPU {cpu:.0%}, GIL held {gil:.0%}: releases it"
        executors[node.name] = executor
        reasons[node.name] = why
    return Assignment(executors, reasons)


def _width(nodes: Sequence[NodeCost], members: Sequence[int]) -> int:
    return pipeline_width(list(members), {i: nodes[i].parents for i in members})


def simulate_assigned(
    nodes: Sequence[NodeCost],
    lanes: Sequence[str],
    threads: int,
    processes: int,
    costs: MachineCosts,
) -> float:
    """Predicted wall time of HybridRunner with node ``i`` on executor ``lanes[i]``."""
    if not nodes:
        return costs.run_overhead
    per_node = costs.seq_per_node
    durations, usage = [], []
    for node, lane in zip(nodes, lanes):
        if lane == PROCESSES:
            extra = per_node + costs.process_round_trip
            moving = costs.transfer_time(node.pipe_bytes, node.shm_bytes)
            duration = node.wall + extra + moving
            usage.append({"cpu": _share(node.wanting_cpu + extra + moving, duration)})
        else:
            extra = per_node + (costs.thread_handoff if lane == THREADS else 0.0)
            duration = node.wall + extra
            usage.append(
                {
                    "cpu": _share(node.wanting_cpu + extra, duration),
                    "gil": _share(node.gil_time + extra, duration),
                }
            )
        durations.append(duration)
    capacity = {"cpu": float(max(1, costs.cores))}
    if costs.gil_enabled:
        capacity["gil"] = 1.0
    sizes = {PROCESSES: max(1, processes), THREADS: max(1, threads), INLINE: 1}
    makespan = _lane_schedule(durations, usage, [n.parents for n in nodes], lanes, sizes, capacity)
    used = any(lane == PROCESSES for lane in lanes)
    start = costs.process_start + (processes - 1) * costs.process_per_worker if used else 0.0
    return costs.run_overhead + start + makespan


def _share(part: float, whole: float) -> float:
    return 0.0 if whole <= 0 else min(1.0, max(0.0, part / whole))


def _lane_schedule(
    durations: Sequence[float],
    usage: Sequence[Mapping[str, float]],
    parents: Sequence[Sequence[int]],
    lanes: Sequence[str],
    sizes: Mapping[str, int],
    capacity: Mapping[str, float],
) -> float:
    """The engine's schedule: one ready heap per lane, fed in LANE_ORDER; a node run
    inline holds the loop (no new node starts until it ends); running nodes share
    ``capacity`` fairly."""
    n = len(durations)
    waiting = [len(ps) for ps in parents]
    children: list[list[int]] = [[] for _ in range(n)]
    for i, ps in enumerate(parents):
        for p in ps:
            children[p].append(i)
    ready: dict[str, list[int]] = {lane: [] for lane in LANE_ORDER}
    for i in range(n):
        if waiting[i] == 0:
            heapq.heappush(ready[lanes[i]], i)
    busy = dict.fromkeys(LANE_ORDER, 0)
    remaining: dict[int, float] = {}
    now = 0.0
    while any(ready.values()) or remaining:
        if not any(remaining[i] > 0 and lanes[i] == INLINE for i in remaining):
            for lane in LANE_ORDER:
                heap = ready[lane]
                while heap and busy[lane] < sizes[lane]:
                    i = heapq.heappop(heap)
                    busy[lane] += 1
                    remaining[i] = durations[i]
                    if lane == INLINE:
                        break  # the loop runs it, and starts nothing else meanwhile
        if not remaining:  # pragma: no cover - a cycle; pipelines forbid them
            break
        rates = fair_rates(list(remaining), usage, capacity)
        first = min(remaining, key=lambda i: remaining[i] / rates[i])
        step = remaining[first] / rates[first]
        now += step
        for i in list(remaining):
            remaining[i] -= rates[i] * step
            if i == first or remaining[i] <= 1e-12:
                del remaining[i]
                busy[lanes[i]] -= 1
                for child in children[i]:
                    waiting[child] -= 1
                    if waiting[child] == 0:
                        heapq.heappush(ready[lanes[child]], child)
    return now


@dataclass(frozen=True)
class Plan:
    """An assignment with its pools sized, and the prediction for it."""

    assignment: Assignment
    threads: int
    processes: int
    predicted: float

    @property
    def workers(self) -> int:
        """Threads and processes together (the candidate's worker count)."""
        return self.threads + self.processes

    def options(self) -> dict[str, object]:
        """HybridRunner's keyword arguments beyond ``max_workers``."""
        return {
            "assign": dict(self.assignment.executors),
            "max_threads": self.threads,
            "max_processes": self.processes,
        }


def size(
    nodes: Sequence[NodeCost], assignment: Assignment, costs: MachineCosts, most: int | None = None
) -> Plan:
    """Both pools sized by simulation: the fastest, ties (5%) to fewer workers in all.
    ``most`` caps each pool."""
    lanes = [assignment.executors[node.name] for node in nodes]
    mine = {e: [i for i, lane in enumerate(lanes) if lane == e] for e in (THREADS, PROCESSES)}
    top_threads = min(MAX_THREADS, _width(nodes, mine[THREADS])) if mine[THREADS] else 0
    top_processes = min(costs.cores, _width(nodes, mine[PROCESSES])) if mine[PROCESSES] else 0
    if most is not None:
        top_threads, top_processes = min(top_threads, most), min(top_processes, most)
    options = []
    for p in _counts(top_processes):
        for t in _counts(top_threads):
            options.append((simulate_assigned(nodes, lanes, t, p, costs), t + p, t, p))
    best = min(option[0] for option in options)
    fine = [o for o in options if o[0] <= best * (1 + TIE_SHARE)]
    predicted, _, threads, processes = min(fine, key=lambda o: (o[1], o[0]))
    return Plan(assignment, threads, processes, predicted)


def _counts(top: int) -> list[int]:
    """0 when the pool is unused, else 1, 2, 4, ... and ``top``."""
    if top <= 0:
        return [0]
    counts, p = [], 1
    while p < top:
        counts.append(p)
        p *= 2
    return [*counts, top]


def candidates(
    nodes: Sequence[NodeCost],
    costs: MachineCosts,
    unpicklable: Sequence[str] = (),
    rivals: Sequence[Candidate] = (),
) -> list[Candidate]:
    """The hybrid candidate: none unless the assignment uses both pools and is predicted
    at least 20% faster than every rival (a runner with more moving parts must buy
    something clear)."""
    assignment = assign(nodes, costs, unpicklable)
    if not assignment.mixed:
        return []
    plan = size(nodes, assignment, costs)
    best = min((c.predicted for c in rivals if c.predicted is not None), default=None)
    if best is not None and plan.predicted > (1 - MIN_GAIN) * best:
        return []
    lower, upper = bounds(nodes, plan.workers)
    return [
        Candidate(
            "hybrid",
            plan.workers,
            predicted=plan.predicted,
            lower_bound=lower,
            upper_bound=upper,
            options=plan.options(),
        )
    ]


def simulate(nodes: Sequence[NodeCost], workers: int, costs: MachineCosts) -> float:
    """HybridRunner with ``workers`` per pool at most, nodes assigned by their measurements
    (the ``hybrid`` model for :func:`advisor.simulate.simulate`)."""
    return size(nodes, assign(nodes, costs), costs, most=max(1, int(workers))).predicted


def sentence(
    options: Mapping[str, object],
    nodes: Sequence[NodeCost],
    costs: MachineCosts,
    unpicklable: Sequence[str] = (),
) -> str:
    """HybridRunner's assignment in words: which nodes go where, and why."""
    assigned = dict(options.get("assign") or {})  # type: ignore[call-overload]
    reasons = assign(nodes, costs, unpicklable).reasons
    parts = []
    for executor in (PROCESSES, THREADS, INLINE):
        names = [name for name, e in assigned.items() if e == executor]
        if not names:
            continue
        shown = ", ".join(f"{name} ({reasons.get(name, 'assigned')})" for name in names[:4])
        more = f" and {len(names) - 4} more" if len(names) > 4 else ""
        size_of = {PROCESSES: "max_processes", THREADS: "max_threads"}.get(executor)
        pool = f" ({options.get(size_of)} workers)" if size_of and options.get(size_of) else ""
        parts.append(f"{executor}{pool}: {shown}{more}")
    return "HybridRunner's assignment, from each node's own measurements: " + "; ".join(parts)


def sizing_sentence(options: Mapping[str, object]) -> str:
    """Why the pools have the sizes they have."""
    return (
        f"max_threads={options.get('max_threads')}, max_processes={options.get('max_processes')}:"
        " each pool sized by simulating the schedule, the fewest workers predicted within 5% "
        "of the fastest (processes at most one per core)"
    )


def mixed_sentence(nodes: Sequence[NodeCost], costs: MachineCosts) -> str | None:
    """The tree's words when the pipeline mixes waiting and GIL-holding CPU nodes (else None)."""
    assignment = assign(nodes, costs)
    if not assignment.mixed:
        return None
    wall = {node.name: node.wall for node in nodes}
    io = assignment.nodes_of(THREADS)
    cpu = assignment.nodes_of(PROCESSES)
    total = sum(wall.values()) or 1.0
    return (
        f"{len(io)} nodes mostly wait ({sum(wall[n] for n in io) / total:.0%} of the work) and "
        f"{len(cpu)} compute holding the GIL ({sum(wall[n] for n in cpu) / total:.0%}): threads "
        "for the first, processes for the second, at once"
    )
