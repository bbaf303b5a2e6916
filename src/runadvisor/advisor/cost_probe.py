"""The calibration probe: what runners cost on this machine, measured with real,
profiled runs of tiny pipelines (``calibrate.py`` runs :func:`probe` in a fresh
subprocess and caches its figures).

Each figure is the least over a few runs, because on a busy machine noise only
ever adds time; then :func:`quiet_equivalent` scales the engine's times to a
quiet machine's by the part of a core the probe's thread got.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from typing import Any

from runadvisor.advisor.calibrate import ENGINE_FIELDS, MIN_PER_NODE

_TINY_NODES = 40
# Floors for figures that noise can push to zero (a hand-off is never free).
_MIN_HANDOFF = 5e-6
_MIN_ROUND_TRIP = 20e-6
_PAYLOAD = 4 << 20  # bytes carried from one node to the next by the transfer probe


def _tiny(seed: int = 0) -> int:
    return seed


def _make_bytes(size: int) -> bytes:
    return b"x" * size


def _make_buffer(size: int) -> Any:
    try:
        import numpy

        return numpy.ones(size, dtype=numpy.uint8)
    except ImportError:  # pragma: no cover - numpy is there in practice
        return bytearray(size)


def _consume(value: Any) -> int:
    return 1


def _tiny_pipeline(n: int) -> Any:
    from runadvisor.pipeline import node, pipeline

    return pipeline([node(_tiny, None, f"tiny_{i}", name=f"tiny_{i:03d}") for i in range(n)])


def _payload_pipeline(make: Any) -> Any:
    from runadvisor.pipeline import node, pipeline

    return pipeline(
        [
            node(make, "params:size", "payload", name="make"),
            node(_consume, "payload", "done", name="consume"),
        ]
    )


def _overhead(pipe: Any, runner: Any, size: int | None = None, repeats: int = 3) -> float:
    """Least (run wall - node walls) over a few profiled runs: what the engine cost.

    The least, because on a busy machine noise only ever adds time.
    """
    from runadvisor.io import DataCatalog
    from runadvisor.profiles import profile_run

    best = float("inf")
    for _ in range(repeats):
        catalog = DataCatalog(raw_data={} if size is None else {"params:size": size})
        profile = profile_run(pipe, catalog, runner)
        best = min(best, profile.wall - sum(record.wall for record in profile.nodes))
    return max(0.0, best)


def _fork_cost(repeats: int = 3) -> float:
    import multiprocessing

    from runadvisor.runners.parallel import resolve_start_method

    context = multiprocessing.get_context(resolve_start_method(None))
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        process = context.Process(target=_tiny, name="runadvisor-probe")
        process.start()
        process.join()
        best = min(best, time.perf_counter() - began)
    return best


def _start_costs(one: Any) -> dict[str, float]:
    """What a one-node run with one worker process costs the engine, by each start
    method here (``one``: a one-node pipeline). Spawn starts a fresh interpreter
    (~0.3 s), so two tries; forkserver's server starts once per process and imports
    the worker's code then, so the least of its runs is what a later run pays."""
    import multiprocessing

    from runadvisor.runners import ParallelRunner

    costs = {}
    for method in multiprocessing.get_all_start_methods():
        runner = ParallelRunner(max_workers=1, mp_context=method)
        try:
            costs[method] = _overhead(one, runner, repeats=2 if method == "spawn" else 3)
        except Exception:  # a method this platform lists but cannot use: not measured
            continue
    return costs


TIMES = tuple(name for name in ENGINE_FIELDS if not name.endswith("_rate"))  # seconds
# Rates stay as measured: moving large buffers is page faults and memory traffic more
# than one thread's CPU, so a busy probe thread's share says little of it (dividing by
# it made 450 MB of payloads look twice as cheap as they measured). memory_rate is per
# CPU second, which load does not stretch.
RATES: tuple[str, ...] = ()


def quiet_equivalent(figures: dict[str, Any], share: float) -> dict[str, Any]:
    """Figures measured by a thread that got ``share`` of a core, as a quiet machine's:
    the engine's times shrink by it (floors kept); ``RATES`` grow by it."""
    share = min(1.0, max(0.05, share))
    out = dict(figures)
    floors = {"seq_per_node": MIN_PER_NODE, "thread_handoff": _MIN_HANDOFF}
    floors["process_round_trip"] = _MIN_ROUND_TRIP
    for name in TIMES:
        out[name] = max(floors.get(name, 0.0), figures[name] * share)
    for name in RATES:
        if name in figures:
            out[name] = min(1e11, figures[name] / share)
    if isinstance(figures.get("start_costs"), dict):
        out["start_costs"] = {m: v * share for m, v in figures["start_costs"].items()}
    out["probe_share"] = share
    return out


def _probe_share(before: tuple[float, int] | None, cpu0: float) -> float:
    """The part of a core this thread got since ``before`` (1 where unknown)."""
    from runadvisor.advisor.native import thread_sched

    after = thread_sched()
    cpu = time.thread_time() - cpu0
    if before is None or after is None or cpu <= 0:
        return 1.0
    waited = max(0.0, after[0] - before[0])
    return cpu / (cpu + waited)


_COPY_BYTES = 16 << 20  # bytes each process copies per round in the memory probe
_COPY_ROUNDS = 4


def _copy_rate(count: int) -> float | None:
    """Bytes per CPU second that ``count`` forked processes, copying at the same time,
    manage in all (large buffers: memory, not caches). CPU seconds, not wall seconds: a
    copy that stalls on memory still holds its CPU, while one that waits for a CPU taken
    by other work does not count. None where fork is not available."""
    import struct

    fork = getattr(os, "fork", None)
    if fork is None:
        return None
    go_read, go_write = os.pipe()
    done_read, done_write = os.pipe()
    pids = []
    try:
        for _ in range(count):
            pid = fork()
            if pid == 0:  # pragma: no cover - runs in the child
                code = 1
                try:
                    source, target = bytearray(_COPY_BYTES), bytearray(_COPY_BYTES)
                    target[:] = source  # touch both before the clock starts
                    os.read(go_read, 1)
                    began = time.process_time()
                    for _ in range(_COPY_ROUNDS):
                        target[:] = source
                    os.write(done_write, struct.pack("d", time.process_time() - began))
                    code = 0
                finally:
                    os._exit(code)
            pids.append(pid)
        os.write(go_write, b"x" * count)
        spans = [struct.unpack("d", os.read(done_read, 8))[0] for _ in pids]
    finally:
        for pid in pids:
            os.waitpid(pid, 0)
        for fd in (go_read, go_write, done_read, done_write):
            os.close(fd)
    return sum(_COPY_BYTES * _COPY_ROUNDS / max(span, 1e-9) for span in spans)


def _memory_rates(cores: int) -> tuple[float, float]:
    """(bytes per second one process copies, how many times that ``cores`` copy together)."""
    try:
        one = _copy_rate(1)
        every = _copy_rate(cores) if cores > 1 else one
    except OSError:
        return 0.0, 1.0
    if not one or not every:
        return 0.0, 1.0
    return one, min(float(cores), max(1.0, every / one))


def probe() -> dict[str, Any]:
    """Measure the costs here and now (about half a second); returns ``MachineCosts`` fields,
    scaled to a quiet machine (see :func:`quiet_equivalent`)."""
    from runadvisor.advisor.native import thread_sched

    sched0, cpu0 = thread_sched(), time.thread_time()
    figures = _probe()
    return quiet_equivalent(figures, _probe_share(sched0, cpu0))


def _probe() -> dict[str, Any]:
    from runadvisor.machine import gil_enabled, usable_cores
    from runadvisor.runners import ParallelRunner, SequentialRunner, ThreadRunner
    from runadvisor.runners.parallel import resolve_start_method

    began = time.perf_counter()
    _make_buffer(1)  # import numpy here, or every worker the probe forks pays for importing it
    n = _TINY_NODES
    one, many = _tiny_pipeline(1), _tiny_pipeline(n)
    seq_one = _overhead(one, SequentialRunner(), repeats=5)
    seq_many = _overhead(many, SequentialRunner(), repeats=5)
    seq_per_node = max(MIN_PER_NODE, (seq_many - seq_one) / (n - 1))
    run_overhead = max(0.0, seq_one - seq_per_node)
    threads = _overhead(many, ThreadRunner(max_workers=2), repeats=5)
    handoff = max(_MIN_HANDOFF, (threads - seq_many) / n)
    proc_one = _overhead(one, ParallelRunner(max_workers=1), repeats=5)
    proc_many = _overhead(many, ParallelRunner(max_workers=1), repeats=5)
    round_trip = max(_MIN_ROUND_TRIP, (proc_many - proc_one) / (n - 1) - seq_per_node)
    process_start = max(0.0, proc_one - seq_one - round_trip)
    per_worker = _fork_cost()
    start_costs = _start_costs(one)

    rates = {}
    small = _overhead(_payload_pipeline(_make_bytes), ParallelRunner(max_workers=1), 16)
    for name, make in (("pipe_rate", _make_bytes), ("shm_rate", _make_buffer)):
        pipe = _payload_pipeline(make)
        cost = _overhead(pipe, ParallelRunner(max_workers=1), _PAYLOAD) - small
        # The payload crosses twice: back from the producer, out to the consumer.
        rates[name] = min(1e11, max(1e7, 2 * _PAYLOAD / max(cost, 1e-6)))
    memory_rate, memory_scaling = _memory_rates(usable_cores())
    return {
        "memory_rate": memory_rate,
        "memory_scaling": memory_scaling,
        "seq_per_node": seq_per_node,
        "run_overhead": run_overhead,
        "thread_handoff": handoff,
        "process_start": process_start,
        "process_per_worker": per_worker,
        "start_costs": start_costs,
        "process_round_trip": round_trip,
        "pipe_rate": rates["pipe_rate"],
        "shm_rate": rates["shm_rate"],
        "cores": usable_cores(),
        "gil_enabled": gil_enabled(),
        "start_method": resolve_start_method(None),
        "measured_at": datetime.now(timezone.utc).isoformat(),
        "probe_seconds": time.perf_counter() - began,
    }
