"""Gantt lanes named by what they are, the same way for every runner.

A process worker is ``process N``, a pool thread ``thread N`` and a node run
inline in the calling thread ``main thread``, numbered by first use. What a
lane is comes from the runner kind's model in the registry (inline, threads,
processes), so ``ParallelRunner(1)``'s single worker is ``process 1`` like
``ParallelRunner(2)``'s, and ``ThreadRunner(1)``, which runs nodes inline,
shows ``main thread`` like ``SequentialRunner``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runadvisor.runners import registry

Lane = tuple[int, int]  # (pid, native thread id)


def lane_model(runner: str, records: Sequence[Any]) -> str:
    """``"inline"``, ``"processes"`` or ``"threads"``: what a worker of ``runner`` is.

    A runner the registry does not know is judged by its records: nodes in
    more than one process mean process workers.
    """
    kind = registry.find(runner)
    if kind is not None:
        if kind.model in ("hybrid", "dask"):  # nodes in several processes: name each one
            return "processes"
        return kind.model if kind.model in ("inline", "processes") else "threads"
    return "processes" if len({r.pid for r in records}) > 1 else "threads"


def lane_names(runner: str, records: Sequence[Any]) -> dict[Lane, str]:
    """``{(pid, thread): name}`` for every lane the records used, numbered by first use."""
    order = sorted(records, key=lambda r: r.start)
    keys = list(dict.fromkeys((r.pid, r.thread) for r in order))
    names: dict[Lane, str] = {}
    model = lane_model(runner, records)
    if model == "inline" and len(keys) == 1:
        return {keys[0]: "main thread"}
    if model == "processes":
        pids = list(dict.fromkeys(pid for pid, _ in keys))
        for pid, tid in keys:
            threads = [t for p, t in keys if p == pid]
            name = f"process {pids.index(pid) + 1}"
            names[(pid, tid)] = (
                name if len(threads) == 1 else f"{name}, thread {threads.index(tid) + 1}"
            )
        return names
    pools = [key for key in keys if key[0] != key[1]]  # a process's main thread has tid == pid
    for pid, tid in keys:
        names[(pid, tid)] = "main thread" if pid == tid else f"thread {pools.index((pid, tid)) + 1}"
    return names
