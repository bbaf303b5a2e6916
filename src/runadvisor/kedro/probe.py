"""What Kedro's own runners cost on this machine: the probes behind the Kedro kinds.

The advisor's calibration (:mod:`runadvisor.advisor.calibrate`) runs each in a
fresh child once per machine and Kedro version, and caches the figures. Each
probe runs tiny Kedro pipelines with Kedro's runner as ``kedro run`` would
(its catalog class, hooks from the installed plugins) under the recorder
hook, and reads the engine's cost as the run's wall time minus its nodes'
(the least over a few runs: noise only adds). The figures are the fields of
the advisor's ``MachineCosts``; the simulation then predicts Kedro's runners
with them, so "use ParallelRunner" accounts for Kedro's per-task cost (a
pickled task, a hook manager built per task) and its data path (in-memory
data through a multiprocessing manager, pickled both ways).
"""

from __future__ import annotations

import time
from typing import Any

from runadvisor.advisor.cost_probe import _consume, _make_buffer, _make_bytes, _tiny
from runadvisor.kedro import kinds

_PAYLOAD = 4 << 20
_FLOOR = 5e-6


def _kedro_pipeline(n: int) -> Any:
    from kedro.pipeline import Pipeline, node

    return Pipeline([node(_tiny, None, f"tiny_{i}", name=f"tiny_{i:03d}") for i in range(n)])


def _kedro_chain(n: int) -> Any:
    """``n`` tiny nodes in a line, each passing an int to the next through memory."""
    from kedro.pipeline import Pipeline, node

    nodes = [node(_tiny, None, "link_0", name="link_000")]
    nodes += [node(_tiny, f"link_{i - 1}", f"link_{i}", name=f"link_{i:03d}") for i in range(1, n)]
    return Pipeline(nodes)


def _payload_pipeline(make: Any) -> Any:
    from kedro.pipeline import Pipeline, node

    return Pipeline(
        [
            node(make, "params:size", "payload", name="make"),
            node(_consume, "payload", "done", name="consume"),
        ]
    )


def _hook_manager() -> Any:
    from kedro.framework.hooks.manager import _create_hook_manager, _register_hooks_entry_points

    manager = _create_hook_manager()
    _register_hooks_entry_points(manager, ())
    return manager


def _measure(
    kind: str, workers: int | None, pipeline: Any, size: int | None, repeats: int
) -> tuple[float, float]:
    """The least (run wall - node walls) and the least node walls of Kedro's runner of
    ``kind`` on ``pipeline``, over ``repeats`` runs."""
    from kedro.io import DataCatalog, MemoryDataset

    from runadvisor.kedro.catalog import bridge
    from runadvisor.profiles import profile_run
    from runadvisor.runners import registry

    kinds.ensure_registered()
    overhead = nodes = float("inf")
    for _ in range(repeats):
        datasets = {} if size is None else {"params:size": MemoryDataset(size)}
        view, catalog = bridge(pipeline, DataCatalog(datasets=datasets), _hook_manager())
        profile = profile_run(view, catalog, registry.get(kind).build(workers), gil=False)
        walls = sum(record.wall for record in profile.nodes)
        overhead = min(overhead, profile.wall - walls)
        nodes = min(nodes, walls)
    return max(0.0, overhead), nodes


def _overhead(kind: str, workers: int | None, pipeline: Any, size: int | None, repeats: int):
    """Least (run wall - node walls) of Kedro's runner of ``kind`` on ``pipeline``."""
    return _measure(kind, workers, pipeline, size, repeats)[0]


def _inline(kind: str, n: int = 20, repeats: int = 3) -> dict[str, float]:
    one = _overhead(kind, None, _kedro_pipeline(1), None, repeats)
    many = _overhead(kind, None, _kedro_pipeline(n), None, repeats)
    per_node = max(_FLOOR, (many - one) / (n - 1))
    return {"seq_per_node": per_node, "run_overhead": max(0.0, one - per_node)}


def probe_sequential() -> dict[str, float]:
    """Kedro's SequentialRunner: its cost per node and per run."""
    return _inline("kedro-sequential")


def probe_thread() -> dict[str, float]:
    """Kedro's ThreadRunner: the sequential figures plus a thread hand-off per node."""
    n = 20
    figures = _inline("kedro-sequential", n)
    sequential = figures["run_overhead"] + n * figures["seq_per_node"]
    threads = _overhead("kedro-thread", 2, _kedro_pipeline(n), None, 3)
    figures["thread_handoff"] = max(_FLOOR, (threads - sequential) / n)
    return figures


def probe_parallel() -> dict[str, float]:
    """Kedro's ParallelRunner: start-up, a task's round trip, and how fast data moves."""
    began = time.perf_counter()
    figures = _inline("kedro-sequential", 10, 2)
    # A chain: each task carries the catalog and moves its input and output through
    # the manager, as a task of a real pipeline does.
    n = 8
    one = _overhead("kedro-parallel", 1, _kedro_chain(1), None, 2)
    many = _overhead("kedro-parallel", 1, _kedro_chain(n), None, 2)
    round_trip = max(20e-6, (many - one) / (n - 1) - figures["seq_per_node"])
    two = _overhead("kedro-parallel", 2, _kedro_pipeline(2), None, 2)
    figures["process_round_trip"] = round_trip
    figures["process_start"] = max(0.0, one - figures["seq_per_node"] - round_trip)
    figures["process_per_worker"] = max(0.0, two - one - round_trip / 2)
    for name, make in (("pipe_rate", _make_bytes), ("shm_rate", _make_buffer)):
        # Kedro moves in-memory data while a node loads and saves, inside its span: the
        # cost is what the nodes take in worker processes beyond what they take inline.
        pipe = _payload_pipeline(make)
        inline = _measure("kedro-sequential", None, pipe, _PAYLOAD, 2)
        workers = _measure("kedro-parallel", 1, pipe, _PAYLOAD, 2)
        cost = sum(workers) - sum(inline) - 2 * round_trip
        # The payload crosses twice: saved by the producer, loaded by the consumer.
        figures[name] = min(1e11, max(1e6, 2 * _PAYLOAD / max(cost, 1e-6)))
    figures["probe_seconds"] = time.perf_counter() - began
    return figures
