"""DaskRunner predicted on this machine and on clusters larger than it.

Dask runs each node as a task on a worker; a task costs its node's time plus
Dask's own per-task cost (calibrated on this machine by the ``dask`` kind's
probe, ``runadvisor.dask.probe``), plus moving its in-memory inputs from the
workers that made them, at the local rate on this machine or at a stated
network bandwidth on a cluster. The schedule is greedy list scheduling in the
pipeline's order on P single-threaded workers, each node placed on the free
worker that already holds most of its inputs (Dask's locality rule), so a
chain stays on one worker and costs no transfer.

Bounds: with every node's cost fixed at no transfer (``lo``) and at all its
inputs moved (``hi``), any greedy schedule on P workers takes between
``max(T1_lo/P, T_inf_lo)`` and ``T1_hi/P + T_inf_hi`` (Brent); the prediction
lies inside them by construction, plus the fixed cost of reaching the cluster.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from runadvisor.advisor.calibrate import MachineCosts
from runadvisor.advisor.simulate import NodeCost, critical_path
from runadvisor.units import fmt_bytes, fmt_milliseconds, fmt_seconds_prose

KIND = "dask"
CLUSTER_SIZES = (4, 8, 16, 32, 64)
#: The network a projected cluster is assumed to have, bytes/s (10 Gbit/s).
NETWORK_BANDWIDTH = 1.25e9
STOP_GAIN = 0.10  # doubling the workers saves less than this share: adding stops paying


@dataclass(frozen=True)
class Flow:
    """What a node reads from other nodes and from the pipeline's in-memory inputs.

    ``inputs[i]``: ``(parent index, bytes)`` for each in-memory input of node i
    made by another node; ``free[i]``: bytes of in-memory pipeline inputs it reads.
    """

    inputs: tuple[tuple[tuple[int, int], ...], ...]
    free: tuple[int, ...]


def flow_from_profile(
    nodes: Sequence[NodeCost], profile: Any, travels: Mapping[str, bool] | None = None
) -> Flow:
    """Each node's in-memory inputs and their measured sizes (a profile with output sizes).

    ``travels``: dataset -> whether it lives in memory (files load on each
    worker and move nothing); default: all do.
    """
    index = {node.name: i for i, node in enumerate(nodes)}
    records = {record.name: record for record in profile.nodes}
    made: dict[str, tuple[int, int]] = {}  # dataset -> (producer index, bytes)
    for record in profile.nodes:
        for name, size in (record.out_bytes_by_output or {}).items():
            if record.name in index and size is not None:
                made[name] = (index[record.name], int(size))
    moving = (lambda name: True) if travels is None else (lambda name: travels.get(name, True))
    inputs, free = [], []
    for node in nodes:
        record = records.get(node.name)
        reads = getattr(record, "inputs", ()) or ()
        writes = getattr(record, "outputs", ()) or ()
        mine = tuple(made[name] for name in reads if name in made and moving(name))
        own = sum(made[name][1] for name in writes if name in made and moving(name))
        # What the node moves beyond its outputs and its parents' data: pipeline inputs.
        outside = node.pipe_bytes + node.shm_bytes - own - sum(size for _, size in mine)
        inputs.append(mine)
        free.append(max(0, outside))
    return Flow(tuple(inputs), tuple(free))


def flow_from_costs(nodes: Sequence[NodeCost]) -> Flow:
    """Without sizes per dataset: half of a node's in-memory bytes come from its parents,
    in equal parts (the other half is what it makes)."""
    inputs = []
    for node in nodes:
        share = (node.pipe_bytes + node.shm_bytes) // 2
        parents = node.parents
        inputs.append(tuple((p, share // len(parents)) for p in parents) if parents else ())
    return Flow(tuple(inputs), tuple(0 for _ in nodes))


@dataclass(frozen=True)
class Cluster:
    """Where the tasks run: ``workers`` single-threaded workers sharing ``cores`` cores,
    moving data at ``rate`` bytes/s, reached for ``overhead`` seconds."""

    workers: int
    cores: int
    rate: float
    overhead: float
    task_cost: float


#: Dask's costs until the probe has measured them here (a 2-core VM's, rounded up).
DEFAULTS = {
    "run_overhead": 1.5,
    "process_per_worker": 0.5,
    "process_start": 0.05,
    "process_round_trip": 5e-3,
    "pipe_rate": 5e8,
}


def dask_costs(costs: MachineCosts) -> MachineCosts:
    """``costs`` as DaskRunner pays them: the probe's figures, else :data:`DEFAULTS`."""
    if KIND in costs.kinds:
        return costs.for_kind(KIND)
    return replace(costs, **DEFAULTS)


def local(costs: MachineCosts, workers: int) -> Cluster:
    """A LocalCluster started on this machine for the run (what DaskRunner() does)."""
    own = dask_costs(costs)
    start = own.run_overhead + max(0, workers - 1) * own.process_per_worker
    return Cluster(workers, costs.cores, own.pipe_rate, start, own.process_round_trip)


def remote(costs: MachineCosts, workers: int, bandwidth: float = NETWORK_BANDWIDTH) -> Cluster:
    """A running cluster of ``workers`` machines' cores, reached at a scheduler address."""
    own = dask_costs(costs)
    return Cluster(workers, workers, bandwidth, own.process_start, own.process_round_trip)


def schedule(nodes: Sequence[NodeCost], flow: Flow, cluster: Cluster) -> float:
    """Seconds from the first task to the last (see the module doc)."""
    n = len(nodes)
    if n == 0:
        return 0.0
    waiting = [len(node.parents) for node in nodes]
    children: list[list[int]] = [[] for _ in range(n)]
    for i, node in enumerate(nodes):
        for p in node.parents:
            children[p].append(i)
    ready = [i for i in range(n) if waiting[i] == 0]
    heapq.heapify(ready)
    free_workers = list(range(cluster.workers))
    placed = [0] * n
    running: list[tuple[float, int]] = []  # (end, node)
    slow = max(1.0, cluster.workers / max(1, cluster.cores))  # workers beyond the cores
    now = 0.0
    while ready or running:
        while ready and free_workers:
            i = heapq.heappop(ready)
            held = dict.fromkeys(free_workers, 0)
            for parent, size in flow.inputs[i]:
                if placed[parent] in held:
                    held[placed[parent]] += size
            worker = max(free_workers, key=lambda w: (held[w], -w))
            free_workers.remove(worker)
            placed[i] = worker
            moved = sum(s for p, s in flow.inputs[i] if placed[p] != worker) + flow.free[i]
            work = nodes[i].wall * (slow if nodes[i].wanting_cpu > 0 else 1.0)
            end = now + work + cluster.task_cost + moved / cluster.rate
            heapq.heappush(running, (end, i))
        now, i = heapq.heappop(running)
        free_workers.append(placed[i])
        for child in children[i]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    return now


def bounds_for(nodes: Sequence[NodeCost], flow: Flow, cluster: Cluster) -> tuple[float, float]:
    """(lower, upper) for ``cluster``: Brent's bounds at no transfer and at all moved."""
    slow = max(1.0, cluster.workers / max(1, cluster.cores))
    lo, hi = [], []
    for i, node in enumerate(nodes):
        work = node.wall * (slow if node.wanting_cpu > 0 else 1.0) + cluster.task_cost
        moved = sum(size for _, size in flow.inputs[i]) + flow.free[i]
        lo.append(work)
        hi.append(work + moved / cluster.rate)
    p = max(1, cluster.workers)
    low_path, _ = critical_path([_with_wall(n, w) for n, w in zip(nodes, lo)])
    high_path, _ = critical_path([_with_wall(n, w) for n, w in zip(nodes, hi)])
    lower = max(sum(lo) / p, low_path)
    upper = sum(hi) / p + high_path
    return cluster.overhead + lower, cluster.overhead + upper


def _with_wall(node: NodeCost, wall: float) -> NodeCost:
    return NodeCost(node.name, wall, parents=node.parents)


def predict(nodes: Sequence[NodeCost], flow: Flow, cluster: Cluster) -> float:
    """Predicted wall time of DaskRunner on ``cluster``."""
    return cluster.overhead + schedule(nodes, flow, cluster)


def simulate(nodes: Sequence[NodeCost], workers: int, costs: MachineCosts) -> float:
    """DaskRunner on a LocalCluster of ``workers`` here (the ``dask`` model of
    :func:`advisor.simulate.simulate`)."""
    return predict(nodes, flow_from_costs(nodes), local(costs, max(1, int(workers))))


def project(
    nodes: Sequence[NodeCost],
    costs: MachineCosts,
    flow: Flow | None = None,
    *,
    sizes: Sequence[int] = CLUSTER_SIZES,
    bandwidth: float = NETWORK_BANDWIDTH,
) -> dict[str, Any]:
    """The projection as plain data: a row per cluster size, this machine's LocalCluster,
    where adding workers stops paying, and a sentence saying so."""
    flow = flow or flow_from_costs(nodes)
    t1 = sum(node.wall for node in nodes)
    t_inf, _ = critical_path(nodes)
    rows = []
    for p in sizes:
        cluster = remote(costs, p, bandwidth)
        lower, upper = bounds_for(nodes, flow, cluster)
        predicted = predict(nodes, flow, cluster)
        rows.append(
            {"workers": p, "predicted": predicted, "lower_bound": lower, "upper_bound": upper}
        )
    here = local(costs, costs.cores)
    lower, upper = bounds_for(nodes, flow, here)
    this_machine = {
        "workers": costs.cores,
        "predicted": predict(nodes, flow, here),
        "lower_bound": lower,
        "upper_bound": upper,
    }
    stops = stops_paying(rows)
    own = dask_costs(costs)
    data = {
        "bandwidth": bandwidth,
        "task_cost": own.process_round_trip,
        "connect": own.process_start,
        "t1": t1,
        "t_inf": t_inf,
        "bytes_moved": sum(s for ins in flow.inputs for _, s in ins) + sum(flow.free),
        "rows": rows,
        "this_machine": this_machine,
        "stops_paying": stops,
        "calibrated": KIND in costs.kinds,
    }
    data["sentence"] = sentence(data)
    return data


def stops_paying(rows: Sequence[Mapping[str, Any]]) -> int | None:
    """The cluster size past which doubling saves under 10% (None: it pays up to the last)."""
    for here, there in itertools.pairwise(rows):
        if there["predicted"] > (1 - STOP_GAIN) * here["predicted"]:
            return int(here["workers"])
    return None


def sentence(data: Mapping[str, Any]) -> str:
    """Where adding workers stops paying, and why, from the projection's own numbers."""
    rows = data["rows"]
    if not rows:
        return ""
    by = {row["workers"]: row for row in rows}
    cost = (
        f"Dask's {fmt_milliseconds(data['task_cost'])} per task, "
        f"{fmt_bytes(data['bytes_moved'])} moved at {fmt_bytes(data['bandwidth'])}/s"
    )
    stop = data["stops_paying"]
    if stop is None:
        last = rows[-1]
        return (
            f"on a Dask cluster, adding workers still pays at {last['workers']}: predicted "
            f"{fmt_seconds_prose(last['predicted'])} ({cost}; critical path "
            f"{fmt_seconds_prose(data['t_inf'])})"
        )
    doubled = by[stop * 2] if stop * 2 in by else rows[-1]
    saved = 1 - doubled["predicted"] / by[stop]["predicted"]
    return (
        f"on a Dask cluster, adding workers stops paying at about {stop}: "
        f"{doubled['workers']} are predicted at {fmt_seconds_prose(doubled['predicted'])} against "
        f"{fmt_seconds_prose(by[stop]['predicted'])} ({saved:.0%} less), as the critical path "
        f"({fmt_seconds_prose(data['t_inf'])}) and {cost} take over"
    )


def for_advice(
    nodes: Sequence[NodeCost], profile: Any, travels: Mapping[str, bool] | None, costs: MachineCosts
) -> dict[str, Any]:
    """The projection advise() reports: {} unless Dask's costs were measured here (the
    ``dask`` extra is installed and DaskRunner was among the runners considered)."""
    if KIND not in costs.kinds or not nodes:
        return {}
    return project(nodes, costs, flow_from_profile(nodes, profile, travels))
