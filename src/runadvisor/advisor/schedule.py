"""Greedy list scheduling of a DAG whose running nodes share resources max-min fairly.

The simulation's engine: nodes run in index order as workers free up; the
running ones share each resource (cores, the GIL, memory bandwidth) fairly,
so a node slows down when what it needs is scarce.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence


def list_schedule(
    durations: Sequence[float],
    usage: Sequence[Mapping[str, float]],
    parents: Sequence[Sequence[int]],
    workers: int,
    capacity: Mapping[str, float] | Callable[[Sequence[int]], Mapping[str, float]],
) -> float:
    """Greedy list scheduling in index order, running nodes sharing ``capacity`` fairly.

    ``capacity``: each resource's amount, or a function of the running nodes'
    indices that gives it (what they get depends on how many ask).
    """
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
        running = list(remaining)
        limits = capacity(running) if callable(capacity) else capacity
        rates = fair_rates(running, usage, limits)
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
