"""What runners cost on this machine, measured once by a quick probe and cached.

The simulation needs the engine's overheads in seconds: the cost of a node
on each kind of runner beyond its own work, the start-up of a process pool,
a task's round trip to a worker process, and how fast data crosses to and
from a worker (pickled through a pipe, or large buffers through ``/dev/shm``).
The probe measures them with real, profiled runs of tiny pipelines (the same
way the candidates are measured) in a fresh subprocess, in about half a
second, and caches the figures as JSON in
``$RUNADVISOR_CACHE_DIR`` or ``~/.cache/runadvisor/`` (``$XDG_CACHE_HOME``
honoured), in ``calibration-v<version>-<python>-<cores>.json``. A cache written on
another machine or interpreter, or by another version of this module, is ignored.
``RUNADVISOR_CACHE_DIR=""`` turns the cache off.

Runner kinds that are not runadvisor's own engine (Kedro's runners) cost
differently: a kind registered with a ``probe`` gets its own figures, measured
by that probe the same way (once per machine and per version of what it runs,
cached beside the machine's with the kind's name), kept in
``MachineCosts.kinds`` and applied by :meth:`MachineCosts.for_kind`.

The engine's times are a quiet machine's: on a busy one the probe's thread gets
only part of a core (its CPU time over its CPU time plus its wait for a CPU,
``probe_share``), the times it measures stretch by the inverse of that, and
they are scaled back by it (transfer rates are kept as measured). The
simulation stretches them again by the load the facts run saw
(``simulate.CpuCapacity``).
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from runadvisor.jsonfile import write_json

CACHE_ENV = "RUNADVISOR_CACHE_DIR"
CACHE_VERSION = 4
PROBE_TIMEOUT = 30.0
_TINY_NODES = 40
# Floors for figures that noise can push to zero (a hand-off is never free).
MIN_PER_NODE = 5e-6
_MIN_HANDOFF = 5e-6
_MIN_ROUND_TRIP = 20e-6
_PAYLOAD = 4 << 20  # bytes carried from one node to the next by the transfer probe
#: The figures a runner kind's own probe may measure (the engine's costs).
ENGINE_FIELDS = (
    "seq_per_node",
    "run_overhead",
    "thread_handoff",
    "process_start",
    "process_per_worker",
    "process_round_trip",
    "pipe_rate",
    "shm_rate",
)


@dataclass
class MachineCosts:
    """The engine's costs on one machine, in seconds (rates in bytes per second).

    ``seq_per_node``: engine and profiler work per node, in line.
    ``run_overhead``: fixed cost of a run (start and stop).
    ``thread_handoff``: extra per node on a thread pool (queue hand-offs).
    ``process_start``: starting and stopping a pool of one worker process.
    ``process_per_worker``: each further worker process.
    ``process_round_trip``: extra per node run in a worker process.
    ``pipe_rate`` / ``shm_rate``: bytes per second to and from a worker for
    data pickled in band / large buffers through shared memory.
    ``kinds``: a runner kind's own figures (any of :data:`ENGINE_FIELDS`), for
    kinds whose engine is not runadvisor's; see :meth:`for_kind`.
    ``memory_rate``: bytes per second one process copies in memory (0: not
    measured); ``memory_scaling``: how many times that all the cores copy
    together (memory bandwidth shared by the cores: below ``cores``).
    ``probe_share``: the part of a core the probe's thread got (the figures are
    scaled to a quiet machine by it).
    ``start_costs``: what a one-node run with one worker process costs the engine
    by each start method this machine has (``fork``, ``forkserver``, ``spawn``);
    only their differences are used. The engine's figures are for
    ``start_method``, and :meth:`for_start_method` gives them for another (a
    process with other threads running starts its workers by forkserver, see
    ``runners.parallel.resolve_start_method``).
    """

    seq_per_node: float = 30e-6
    run_overhead: float = 1e-3
    thread_handoff: float = 150e-6
    process_start: float = 5e-3
    process_per_worker: float = 3e-3
    process_round_trip: float = 300e-6
    pipe_rate: float = 3e8
    shm_rate: float = 1e9
    memory_rate: float = 0.0
    memory_scaling: float = 1.0
    probe_share: float = 1.0
    cores: int = 1
    gil_enabled: bool = True
    start_method: str = "fork"
    key: dict[str, Any] = field(default_factory=dict)
    measured_at: str = ""
    probe_seconds: float = 0.0
    source: str = "default"  # "probe", "cache" or "default" (the probe could not run)
    note: str | None = None
    kinds: dict[str, dict[str, float]] = field(default_factory=dict)
    start_costs: dict[str, float] = field(default_factory=dict)

    def for_start_method(self, method: str | None) -> MachineCosts:
        """These costs with process workers started by ``method``: the pool's start
        shifts by what that method costs over the calibrated one (further workers
        boot alongside the first, so their cost is kept). Unchanged where
        ``method`` is None, the calibrated one, or either was not measured."""
        if not method or method == self.start_method or method not in self.start_costs:
            return self
        if self.start_method not in self.start_costs:
            return self
        delta = self.start_costs[method] - self.start_costs[self.start_method]
        return replace(
            self, process_start=max(0.0, self.process_start + delta), start_method=method
        )

    def for_kind(self, kind: str) -> MachineCosts:
        """These costs as runner kind ``kind`` pays them: its own figures where it has any."""
        own = self.kinds.get(kind)
        if not own:
            return self
        return replace(self, **{k: float(v) for k, v in own.items() if k in ENGINE_FIELDS})

    def transfer_time(self, pipe_bytes: float, shm_bytes: float = 0.0) -> float:
        """Seconds to move that many bytes to or from worker processes."""
        return pipe_bytes / self.pipe_rate + shm_bytes / self.shm_rate

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MachineCosts:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def default_warning(self) -> str | None:
        """Say so when the predictions use default costs, not this machine's."""
        if self.source != "default":
            return None
        return f"{self.note}; the predictions use default costs, not this machine's."

    def summary(self) -> str:
        """One line of the figures, for paths and reports."""
        return (
            f"per node {self.seq_per_node * 1e3:.3f} ms in line, "
            f"+{self.thread_handoff * 1e3:.3f} ms on threads, "
            f"+{self.process_round_trip * 1e3:.3f} ms in processes; process pool "
            f"start {self.process_start * 1e3:.1f} ms + {self.process_per_worker * 1e3:.1f} ms "
            f"per worker ({self.start_method}); transfer {self.pipe_rate / 1e9:.2f} GB/s pickled, "
            f"{self.shm_rate / 1e9:.2f} GB/s shared memory"
        )


def machine_key() -> dict[str, Any]:
    """What makes calibration figures valid: interpreter, machine, cores, start method."""
    import psutil

    from runadvisor import __version__
    from runadvisor.machine import default_start_method, gil_enabled, usable_cores
    from runadvisor.runners.parallel import resolve_start_method

    return {
        "cache_version": CACHE_VERSION,
        "runadvisor": __version__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "gil_enabled": gil_enabled(),
        "host": platform.node(),
        "platform": platform.platform(terse=True),
        "cores": usable_cores(),
        "total_memory": int(psutil.virtual_memory().total),
        "runner_start_method": resolve_start_method(None),
        "advisor_start_method": default_start_method(),
    }


def cache_path() -> Path | None:
    """Where the figures are cached, or None when caching is off."""
    from runadvisor.machine import usable_cores

    folder = os.environ.get(CACHE_ENV)
    if folder is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        folder = os.path.join(base, "runadvisor")
    elif not folder:
        return None
    name = f"calibration-v{CACHE_VERSION}-{platform.python_version()}-{usable_cores()}.json"
    return Path(folder) / name


def calibrate(
    *,
    refresh: bool = False,
    timeout: float = PROBE_TIMEOUT,
    kinds: Iterable[str] = (),
) -> MachineCosts:
    """This machine's costs: from the cache when valid, else probed (and cached).

    ``kinds``: runner kinds whose own figures are wanted too (those registered
    with a ``probe``; others are ignored). Never raises: if the probe fails,
    default figures come back with ``source == "default"`` and the reason in
    ``note``; a kind whose probe fails is simulated with the machine's figures.
    """
    costs = _machine_costs(refresh, timeout)
    for name in kinds:
        figures = _kind_figures(name, costs.key, refresh, timeout)
        if figures:
            costs.kinds[name] = figures
    return costs


def _machine_costs(refresh: bool, timeout: float) -> MachineCosts:
    key = machine_key()
    path = cache_path()
    if path is not None and not refresh:
        cached = _read_cache(path, key)
        if cached is not None:
            return cached
    from runadvisor.advisor.measure import run_isolated
    from runadvisor.advisor.status import OK

    outcome = run_isolated(probe, (), timeout)
    if outcome.status != OK:
        return _defaults(key, f"the calibration probe did not finish: {outcome.reason}")
    costs = MachineCosts.from_dict(outcome.value)
    costs.key = key
    costs.source = "probe"
    if path is not None:
        _write_cache(path, costs)
    return costs


def _kind_figures(
    name: str, base_key: dict[str, Any], refresh: bool, timeout: float
) -> dict[str, float] | None:
    """A kind's own figures (cached per machine and versions), or None if it has no probe."""
    from importlib import metadata

    from runadvisor.runners import registry

    kind = registry.find(name)
    if kind is None or not kind.probe:
        return None
    versions = {}
    for dist in kind.probe_versions:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    key = {**base_key, "kind": kind.name, "probe": kind.probe, "versions": versions}
    base = cache_path()
    path = None if base is None else base.with_name(f"{base.stem}-{kind.name}.json")
    if path is not None and not refresh:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("key") == key:
                return {k: float(v) for k, v in data["figures"].items() if k in ENGINE_FIELDS}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            pass
    from runadvisor.advisor.measure import run_isolated
    from runadvisor.advisor.status import OK

    module, _, attr = kind.probe.partition(":")
    outcome = run_isolated(_run_kind_probe, (module, attr), timeout)
    if outcome.status != OK or not isinstance(outcome.value, dict):
        return None
    figures = {k: float(v) for k, v in outcome.value.items() if k in ENGINE_FIELDS}
    if path is not None:
        try:
            write_json(path, {"key": key, "figures": figures})
        except OSError:
            pass
    return figures


def _run_kind_probe(module: str, attr: str) -> Any:
    import importlib

    return getattr(importlib.import_module(module), attr)()


def _defaults(key: dict[str, Any], note: str) -> MachineCosts:
    return MachineCosts(
        cores=int(key["cores"]),
        gil_enabled=bool(key["gil_enabled"]),
        start_method=str(key["runner_start_method"]),
        key=key,
        source="default",
        note=note,
    )


def _read_cache(path: Path, key: dict[str, Any]) -> MachineCosts | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        costs = MachineCosts.from_dict(data)
    except (OSError, ValueError, TypeError):
        return None
    costs.source = "cache"
    return costs


def _write_cache(path: Path, costs: MachineCosts) -> None:
    """Write atomically; a cache that cannot be written is no error."""
    try:
        write_json(path, costs.to_dict())
    except OSError:
        pass


# -- the probe (runs in a child process) --------------------------------------------


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


TIMES = (
    "seq_per_node",
    "run_overhead",
    "thread_handoff",
    "process_start",
    "process_per_worker",
    "process_round_trip",
)
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
