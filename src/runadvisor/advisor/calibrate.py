"""What runners cost on this machine, measured once by a quick probe and cached.

The simulation needs the engine's overheads in seconds: the cost of a node
on each kind of runner beyond its own work, the start-up of a process pool,
a task's round trip to a worker process, and how fast data crosses to and
from a worker (pickled through a pipe, or large buffers through ``/dev/shm``).
The probe (``cost_probe.py``) measures them with real, profiled runs of tiny pipelines (the same
way the candidates are measured) in a fresh subprocess, in a second or two
(spawn starts a whole interpreter), and caches the figures as JSON in
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
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from runadvisor.jsonfile import write_json

CACHE_ENV = "RUNADVISOR_CACHE_DIR"
CACHE_VERSION = 4
PROBE_TIMEOUT = 30.0
MIN_PER_NODE = 5e-6  # a node's engine cost is never free (a floor noise cannot cross)
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
    from runadvisor.advisor.cost_probe import probe
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
