"""Whose fault a node's wait for a CPU was: the pipeline's own workers, or other processes.

A profile records, per node, its span, its CPU time and ``cpu_wait`` (time
ready to run but with no CPU), and the machine's core count. At any moment the
nodes then running want ``D`` CPUs between them (each node: the share of its
span it was computing or waiting for a CPU). When ``D`` exceeds the cores,
the pipeline alone oversubscribes the machine, and under a fair scheduler
each of those nodes waits a share ``1 - cores / D`` of the time it wants a
CPU. That much of its ``cpu_wait`` is the pipeline's own doing; whatever it
waited beyond that, other work on the machine caused.

Pure functions of the records: nothing here reads the clock or the machine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CpuWait:
    """A node's wait for a CPU, in seconds, split by cause."""

    own: float  # the pipeline's own running nodes wanted more CPUs than there are cores
    other: float  # the rest: other processes on the machine

    @property
    def total(self) -> float:
        return self.own + self.other


@dataclass(frozen=True)
class CpuWaitSummary:
    """A run's waits for a CPU, added up, with what explains them."""

    own: float
    other: float
    busy: float  # total node time (the sum of the nodes' walls)
    cores: int
    most_running: int  # the most nodes that ran at once

    @property
    def total(self) -> float:
        return self.own + self.other


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value >= 0


def cpu_demand(record: Any) -> float:
    """The share of a node's span it wanted a CPU: computing, or ready and waiting for one."""
    wall = record.end - record.start
    if wall <= 0:
        return 0.0
    wait = record.cpu_wait if _finite(getattr(record, "cpu_wait", None)) else 0.0
    return min(1.0, max(0.0, (record.cpu + wait) / wall))


def split_cpu_wait(records: Sequence[Any], cores: int) -> list[CpuWait | None]:
    """Per record (same order), its ``cpu_wait`` split into own and other; None if not measured.

    ``records`` need ``start``, ``end``, ``cpu`` and ``cpu_wait``; ``cores``
    is the number of CPUs the run could use.
    """
    cores = max(1, int(cores or 1))
    demand = [cpu_demand(r) for r in records]
    expected = [0.0] * len(records)
    events = sorted(
        [(r.start, 1, i) for i, r in enumerate(records)]
        + [(r.end, -1, i) for i, r in enumerate(records)],
        key=lambda e: (e[0], e[1]),  # ends before starts at the same instant
    )
    active: set[int] = set()
    last = events[0][0] if events else 0.0
    for time, step, i in events:
        if time > last and active:
            wanted = sum(demand[j] for j in active)
            if wanted > cores:
                share = 1.0 - cores / wanted
                for j in active:
                    expected[j] += demand[j] * share * (time - last)
        last = time
        if step > 0:
            active.add(i)
        else:
            active.discard(i)
    out: list[CpuWait | None] = []
    for r, own in zip(records, expected):
        wait = getattr(r, "cpu_wait", None)
        if not _finite(wait):
            out.append(None)
            continue
        mine = min(wait, own)
        out.append(CpuWait(own=mine, other=wait - mine))
    return out


def summarise_cpu_wait(records: Sequence[Any], cores: int) -> CpuWaitSummary | None:
    """The run's waits for a CPU by cause; None when no node measured its wait."""
    splits = split_cpu_wait(records, cores)
    if all(s is None for s in splits):
        return None
    return CpuWaitSummary(
        own=sum(s.own for s in splits if s is not None),
        other=sum(s.other for s in splits if s is not None),
        busy=sum(max(0.0, r.end - r.start) for r in records),
        cores=max(1, int(cores or 1)),
        most_running=most_concurrent(records),
    )


def most_concurrent(records: Sequence[Any]) -> int:
    """The most records whose spans overlap at one instant."""
    events = sorted(
        [(r.start, 1) for r in records] + [(r.end, -1) for r in records],
        key=lambda e: (e[0], e[1]),
    )
    running = best = 0
    for _, step in events:
        running += step
        best = max(best, running)
    return best
