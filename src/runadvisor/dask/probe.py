"""What DaskRunner costs on this machine: the ``dask`` kind's calibration probe.

Run once per machine and per version of dask and distributed, in a child
process (``advisor/calibrate.py`` caches the figures), in the fields of the
advisor's ``MachineCosts``:

- ``run_overhead``: starting and closing a LocalCluster of one worker process
  with its client; ``process_per_worker``: each further worker;
- ``process_start``: connecting a client to a running cluster, and closing it;
- ``process_round_trip``: Dask's cost per task, measured through DaskRunner on
  a chain of tiny nodes (each waits for the one before: scheduler, worker and
  event, everything but the node itself);
- ``pipe_rate``: bytes per second from one worker process to another.
"""

from __future__ import annotations

import logging
import time
from typing import Any

CHAIN = 60
PAYLOAD = 8 << 20


def _step(x: int) -> int:
    return x + 1


def _payload(size: int) -> bytes:
    return bytes(size)


def _size(data: bytes) -> int:
    return len(data)


def _start(distributed: Any, workers: int) -> tuple[Any, Any, float]:
    began = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster, set_as_default=False)
    return cluster, client, time.perf_counter() - began


def _close(cluster: Any, client: Any) -> float:
    began = time.perf_counter()
    client.close()
    cluster.close()
    return time.perf_counter() - began


def _moved(client: Any, size: int) -> float:
    """Seconds to move ``size`` bytes from the first worker to the second (best of three)."""
    first, second = sorted(client.scheduler_info()["workers"])[:2]
    best = float("inf")
    for _ in range(3):
        made = client.submit(_payload, size, workers=[first], pure=False)
        client.gather(client.submit(len, made, workers=[first], pure=False))  # made, there
        began = time.perf_counter()
        client.gather(client.submit(_size, made, workers=[second], pure=False))
        best = min(best, time.perf_counter() - began)
        del made
    return best


def probe() -> dict[str, float]:
    """Measure the figures above (a few seconds: two short-lived local clusters)."""
    import distributed

    from runadvisor.dask.runner import DaskRunner
    from runadvisor.io import DataCatalog
    from runadvisor.pipeline import node, pipeline

    cluster, client, start_one = _start(distributed, 1)
    try:
        began = time.perf_counter()
        distributed.Client(cluster.scheduler_address, set_as_default=False).close()
        connect = time.perf_counter() - began
        chain = pipeline(
            [node(_step, f"d{i}", f"d{i + 1}", name=f"step_{i:03d}") for i in range(CHAIN)]
        )
        runner = DaskRunner(client=client)
        runner.run(chain, DataCatalog({"d0": 0}))  # warm: imports on the worker
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            runner.run(chain, DataCatalog({"d0": 0}))
            best = min(best, time.perf_counter() - began)
        per_task = best / CHAIN
    finally:
        close_one = _close(cluster, client)
    cluster, client, start_two = _start(distributed, 2)
    try:
        small = _moved(client, 1024)
        large = _moved(client, PAYLOAD)
        rate = PAYLOAD / max(large - small, 1e-6)
    finally:
        _close(cluster, client)
    return {
        "run_overhead": start_one + close_one,
        "process_per_worker": max(0.0, start_two - start_one),
        "process_start": connect,
        "process_round_trip": per_task,
        "pipe_rate": min(1e11, max(1e7, rate)),
    }
