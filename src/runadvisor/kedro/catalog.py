"""A Kedro catalog as runadvisor's engine uses it, and the pipeline view to go with it.

:func:`bridge` turns a Kedro pipeline and catalog into what the engine runs:

- Kedro's ``MemoryDataset`` entries become runadvisor ``MemoryDataset``\\ s
  (same copy mode, same data), so in-memory data crosses to worker processes
  the engine's way (large buffers through shared memory); free outputs are
  copied back into the Kedro catalog after the run (:func:`copy_back`).
- Every other dataset (kedro-datasets or the project's own ``AbstractDataset``
  subclasses) stays the Kedro object, seen through a :class:`KedroDataset`.
  One that can be used from any process (not in memory, pickles, not marked
  ``_SINGLE_PROCESS``) is loaded and saved by the node itself, inside its
  hooks, in whichever worker runs it, through the Kedro catalog (its logging
  and validation included). Any other one lives in the process that runs the
  engine and its data travels: a dataset holding a connection still works
  under ParallelRunner.

The engine's own rules then hold for Kedro datasets too: ``exists()`` decides
``only_missing_outputs``, ``release()`` is called after the last reader, and a
value that cannot reach a worker process is named with its attribute path.

Versioned datasets keep Kedro's versioning. A catalog used for runs in another
process than the one that built it (the advisor runs each candidate in a
fresh child) gives its versioned datasets a fresh save version there, since
Kedro refuses to save one version twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from runadvisor.io import DataCatalog
from runadvisor.io import MemoryDataset as EngineMemoryDataset
from runadvisor.io.core import dataset_exists, is_ephemeral, is_single_process, release_dataset
from runadvisor.kedro.relay import HookRelay
from runadvisor.kedro.view import DEFERRED, SAVED, HookedNode, RunPipeline
from runadvisor.runners.placement import pickles
from runadvisor.runners.task import Chunks, save_chunks


class KedroDataset:
    """A Kedro dataset as the engine sees it (see the module doc).

    ``here``: the node loads and saves it itself (the engine gets and stores
    markers); otherwise the engine loads and saves it.
    """

    _EPHEMERAL = False

    def __init__(self, name: str, dataset: Any, here: bool) -> None:
        self.name = name
        self.dataset = dataset
        self.here = here
        self._EPHEMERAL = is_ephemeral(dataset)
        self._SINGLE_PROCESS = is_single_process(dataset)

    def __repr__(self) -> str:
        return f"KedroDataset({self.name!r}, {type(self.dataset).__name__})"

    def load(self) -> Any:
        """The data (or :data:`DEFERRED` when the node loads it itself)."""
        return DEFERRED if self.here else self.dataset.load()

    def save(self, data: Any) -> None:
        """Save ``data`` (nothing to do for :data:`SAVED`: the node saved it); a generator
        node's chunks are saved one by one."""
        if data is SAVED:
            return
        if isinstance(data, Chunks):
            save_chunks(self.dataset, data)
            return
        self.dataset.save(data)

    def exists(self) -> bool:
        """Kedro's ``exists()``."""
        return dataset_exists(self.dataset)

    def release(self) -> None:
        """Kedro's ``release()``."""
        release_dataset(self.dataset)


class RunCatalog(DataCatalog):
    """The engine's catalog for a Kedro run, with what Kedro-side code needs to know.

    ``kedro_catalog``: the Kedro catalog it was built from; ``relay``: the
    hooks; ``project``: the project it came from (None for a bare run).
    """

    def __init__(
        self,
        datasets: dict[str, Any],
        kedro_catalog: Any,
        relay: HookRelay,
        project: Any = None,
    ) -> None:
        super().__init__()
        self._datasets = dict(datasets)
        self.kedro_catalog = kedro_catalog
        self.relay = relay
        self.project = project
        self._home = os.getpid()

    def ensure_fresh(self) -> None:
        """In a process other than the one that built it: a new save version (once)."""
        if os.getpid() != self._home:
            self._home = os.getpid()
            self.new_save_version()

    def new_save_version(self) -> None:
        """Give the versioned datasets a new save version, for another run in this process
        (Kedro, like a KedroSession, allows one run per save version)."""
        refresh_save_versions(
            d.dataset for d in self._datasets.values() if isinstance(d, KedroDataset)
        )

    def __getitem__(self, name: str) -> Any:
        self.ensure_fresh()
        return super().__getitem__(name)

    def __contains__(self, name: object) -> bool:
        self.ensure_fresh()
        return super().__contains__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self.ensure_fresh()
        return super().get(name, default)


def kedro_dataset(catalog: Any, name: str) -> Any:
    """The Kedro catalog's dataset ``name``, materialised from patterns, or None."""
    try:
        return catalog.get(name, fallback_to_runtime_pattern=True)
    except TypeError:  # a catalog without runtime patterns
        return catalog.get(name)


def _is_kedro_memory(dataset: Any) -> bool:
    from kedro.io import MemoryDataset

    return type(dataset) is MemoryDataset


def _engine_memory(dataset: Any) -> EngineMemoryDataset:
    """A runadvisor MemoryDataset with a Kedro MemoryDataset's copy mode and data."""
    copy_mode = getattr(dataset, "_copy_mode", None)
    engine = EngineMemoryDataset(copy_mode=copy_mode)
    if dataset_exists(dataset):
        engine._put(dataset.load())
    return engine


def _wrap(name: str, dataset: Any) -> KedroDataset:
    here = not is_single_process(dataset) and not is_ephemeral(dataset) and pickles(dataset)
    return KedroDataset(name, dataset, here)


def bridge(
    pipeline: Any,
    catalog: Any,
    hook_manager: Any = None,
    *,
    run_id: str | None = None,
    is_async: bool = False,
    package: str | None = None,
    project: Any = None,
) -> tuple[RunPipeline, RunCatalog]:
    """The engine's pipeline and catalog for a Kedro ``pipeline`` and ``catalog``.

    Raises ValueError, as Kedro's runners do, when a free input of the pipeline
    is neither in the catalog nor matched by one of its patterns.
    """
    names = sorted(pipeline.datasets())
    free_inputs = pipeline.inputs()
    missing = sorted(n for n in free_inputs if n not in catalog)
    if missing:
        raise ValueError(
            f"Pipeline input(s) {set(missing)} not found in the {type(catalog).__name__}"
        )
    relay = HookRelay(hook_manager, catalog, package, run_id, is_async)
    datasets: dict[str, Any] = {}
    for name in names:
        dataset = kedro_dataset(catalog, name)
        if dataset is None or _is_kedro_memory(dataset):
            datasets[name] = EngineMemoryDataset() if dataset is None else _engine_memory(dataset)
        else:
            datasets[name] = _wrap(name, dataset)
    hooked = {}
    for node in pipeline.nodes:
        wrapped = {
            name: datasets[name]
            for name in (*node.inputs, *node.outputs)
            if isinstance(datasets[name], KedroDataset)
        }
        own = {name: d.dataset for name, d in wrapped.items() if d.here}
        elsewhere = [name for name in node.outputs if name in wrapped and not wrapped[name].here]
        hooked[node] = HookedNode(node, relay, own, elsewhere)
    return RunPipeline(pipeline, hooked), RunCatalog(datasets, catalog, relay, project)


def copy_back(run_catalog: RunCatalog, names: Iterable[str]) -> None:
    """Store the data of in-memory free outputs in the Kedro catalog (as Kedro's run does)."""
    kedro_catalog = run_catalog.kedro_catalog
    for name in names:
        dataset = run_catalog.get(name)
        if isinstance(dataset, EngineMemoryDataset) and dataset_exists(dataset):
            target = kedro_dataset(kedro_catalog, name)
            if target is None:
                kedro_catalog[name] = dataset._peek()
            else:
                target.save(dataset._peek())


def refresh_save_versions(datasets: Iterable[Any]) -> None:
    """Give Kedro versioned datasets one new save version (their load versions stay)."""
    from kedro.io.core import AbstractVersionedDataset, Version, generate_timestamp

    stamp = None
    for dataset in datasets:
        version = getattr(dataset, "_version", None)
        if not isinstance(dataset, AbstractVersionedDataset) or version is None:
            continue
        stamp = stamp or generate_timestamp()
        dataset._version = Version(version.load, stamp)
        clear = getattr(dataset, "_clear_version_cache", None)
        if callable(clear):
            clear()
