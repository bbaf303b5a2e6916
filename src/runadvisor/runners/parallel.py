"""ParallelRunner: nodes in worker processes, for CPU work that holds the GIL."""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Sequence
from typing import Any

import cloudpickle

from runadvisor.runners.base import AbstractRunner, RunnerError, available_cores
from runadvisor.runners.process_pool import ProcessExecutor

MP_CONTEXT_ENV = "RUNADVISOR_MP_CONTEXT"


class ParallelRunner(AbstractRunner):
    """Runs independent nodes in a pool of processes started for the run.

    Works with any catalog: in-memory data stays in this process and travels
    with each task (large arrays through shared memory); file datasets load and
    save inside the workers. Node functions travel with cloudpickle, so lambdas
    and closures work. What must travel is checked before anything runs.
    ``mp_context`` (or the ``RUNADVISOR_MP_CONTEXT`` variable) picks the start
    method; the default is ``fork`` where it exists (fastest), else ``spawn``.
    """

    _kills_on_timeout = True

    def __init__(
        self,
        max_workers: int | None = None,
        is_async: bool = False,
        mp_context: str | None = None,
    ) -> None:
        super().__init__(max_workers=max_workers, is_async=is_async)
        self._mp_context = resolve_start_method(mp_context)

    @property
    def mp_context(self) -> str:
        """The start method the workers use."""
        return self._mp_context

    def _default_workers(self) -> int:
        return available_cores()

    def _make_executor(
        self,
        nodes: Sequence[Any],
        catalog: Any,
        workers: int,
        probes: Sequence[Any],
        timed: bool = False,
    ) -> ProcessExecutor:
        worker_side = check_transfer(nodes, catalog, probes, self._mp_context)
        return ProcessExecutor(nodes, catalog, worker_side, workers, probes, self._mp_context)


def resolve_start_method(mp_context: str | None) -> str:
    """The start method asked for (argument, then environment), checked; else the default."""
    methods = multiprocessing.get_all_start_methods()
    source = "mp_context"
    if mp_context is None:
        mp_context = os.environ.get(MP_CONTEXT_ENV) or None
        source = MP_CONTEXT_ENV
    if mp_context is None:
        return "fork" if "fork" in methods else "spawn"
    if mp_context not in methods:
        raise RunnerError(
            f"{source}={mp_context!r} is not a start method on this platform; use one of "
            f"{', '.join(repr(m) for m in methods)}."
        )
    return mp_context


def worker_side_datasets(nodes: Sequence[Any], catalog: Any, mp_context: str) -> set[str]:
    """The datasets that load and save inside the workers; the others' data travels.

    Persisted datasets that pickle go to the workers. Under fork, so do the free
    inputs already held in memory: the workers inherit them copy-on-write and
    ``load()`` them there (copying, as any load does), so a 100 MB array is
    neither pickled nor written to shared memory.
    """
    from runadvisor.io.catalog import dataset_exists, is_ephemeral

    names = sorted({name for node in nodes for name in (*node.inputs, *node.outputs)})
    produced = {name for node in nodes for name in node.outputs}
    inside = set()
    for name in names:
        dataset = catalog[name]
        if not is_ephemeral(dataset):
            if _pickles(dataset):
                inside.add(name)
        elif (
            mp_context == "fork"
            and name not in produced
            and getattr(dataset, "_peek", None) is not None
            and dataset_exists(dataset)
        ):
            inside.add(name)
    return inside


def check_transfer(
    nodes: Sequence[Any], catalog: Any, probes: Sequence[Any], mp_context: str
) -> set[str]:
    """Check before running that everything that must reach a worker pickles.

    Returns ``worker_side_datasets``. Raises ``RunnerError`` naming the node or
    dataset, the attribute that does not pickle, and the way out. In-memory free
    inputs must pickle under every start method, so a pipeline that runs under
    fork also runs under spawn.
    """
    from runadvisor.io.catalog import dataset_exists, is_ephemeral
    from runadvisor.io.pickling import find_unpicklable

    problems = []
    if mp_context != "fork":  # under fork the workers inherit functions and datasets
        for node in nodes:
            where = find_unpicklable(node.func, root=f"node '{node.name}' function")
            if where:
                problems.append(where)
        for probe in probes:
            where = find_unpicklable(probe, root="observer probe")
            if where:
                problems.append(where)
    produced = {name for node in nodes for name in node.outputs}
    for name in sorted({name for node in nodes for name in node.inputs} - produced):
        dataset = catalog[name]
        peek = getattr(dataset, "_peek", None)
        if not is_ephemeral(dataset) or peek is None or not dataset_exists(dataset):
            continue  # loaded where it runs, or checked when it is sent
        value = peek()
        if not _pickles(value):
            where = find_unpicklable(value, root=f"catalog['{name}']") or name
            problems.append(f"dataset {where}")
    if problems:
        raise RunnerError(
            "ParallelRunner must send data to worker processes, and some of it cannot be "
            "pickled:\n  - " + "\n  - ".join(problems) + "\nUse ThreadRunner (no pickling "
            "needed), make the object picklable (drop locks, connections and open files, "
            "or recreate them inside the node), or keep it in a file dataset."
        )
    return worker_side_datasets(nodes, catalog, mp_context)


def _pickles(value: Any) -> bool:
    """Whether ``value`` pickles, without copying large buffers."""
    try:
        cloudpickle.dumps(value, protocol=5, buffer_callback=_ignore)
    except Exception:
        return False
    return True


def _ignore(buffer: pickle.PickleBuffer) -> None:
    return None
