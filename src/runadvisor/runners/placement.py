"""Where each dataset lives when nodes run in worker processes.

One decision, used by the process pool (what to load in the workers, what to
send with each task) and by the advisor's facts (what would cross a process
boundary, and how many bytes):

- persisted datasets (files, databases) that pickle load and save inside the
  workers, unless their class says ``_SINGLE_PROCESS = True``;
- under ``fork``, in-memory free inputs that hold data are inherited by the
  workers copy-on-write and loaded there, so they are never pickled;
- everything else lives in the parent: its data travels with each task that
  reads it, and outputs come back to be saved there.

Parent-side datasets that hold data in memory are read and written through
the small :class:`HoldsData` protocol (no copy: the process boundary copies
anyway); any other dataset is loaded and saved as usual.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import cloudpickle


@runtime_checkable
class HoldsData(Protocol):
    """A dataset whose data lives in this process (``MemoryDataset``).

    ``_peek()`` returns the stored object without copying it; ``_put(data)``
    stores ``data`` without copying it.
    """

    def _peek(self) -> Any: ...

    def _put(self, data: Any) -> None: ...


def holds_data(dataset: Any) -> bool:
    """Whether ``dataset`` keeps its data in this process and lets us read it without a copy."""
    return isinstance(dataset, HoldsData)


def read_here(dataset: Any) -> Any:
    """The dataset's data, uncopied where it holds it in memory, else loaded."""
    return dataset._peek() if isinstance(dataset, HoldsData) else dataset.load()


def write_here(dataset: Any, value: Any) -> bool:
    """Store ``value``: uncopied where the dataset holds data in memory (returns True),
    else through ``save()`` (returns False)."""
    if isinstance(dataset, HoldsData):
        dataset._put(value)
        return True
    dataset.save(value)
    return False


def pickles(value: Any) -> bool:
    """Whether ``value`` pickles, without copying its large buffers."""
    try:
        cloudpickle.dumps(value, protocol=5, buffer_callback=_ignore)
    except Exception:
        return False
    return True


def _ignore(buffer: pickle.PickleBuffer) -> None:
    return None


@dataclass(frozen=True)
class Placement:
    """Which datasets load and save inside the workers; the others live in the parent."""

    in_workers: frozenset[str]

    def travels(self, name: str) -> bool:
        """Whether ``name``'s data crosses the process boundary (it lives in the parent)."""
        return name not in self.in_workers


def place(nodes: Sequence[Any], catalog: Any, start_method: str) -> Placement:
    """Decide, for every dataset the nodes read or write, where it lives (see the module doc)."""
    from runadvisor.io import dataset_exists, is_ephemeral, is_single_process

    names = sorted({name for node in nodes for name in (*node.inputs, *node.outputs)})
    produced = {name for node in nodes for name in node.outputs}
    inside = set()
    for name in names:
        dataset = catalog[name]
        if is_single_process(dataset):
            continue
        if not is_ephemeral(dataset):
            if pickles(dataset):
                inside.add(name)
        elif (
            start_method == "fork"
            and name not in produced
            and holds_data(dataset)
            and dataset_exists(dataset)
        ):
            inside.add(name)
    return Placement(frozenset(inside))


def unpicklable_parts(
    nodes: Sequence[Any], catalog: Any, probes: Sequence[Any], *, functions: bool
) -> list[str]:
    """What must reach a worker process and does not pickle, each named with the
    attribute path at fault: node functions and observer probes (``functions``: False
    where workers inherit them by fork), and the in-memory pipeline inputs that live in
    the parent (those loaded where they run are checked when sent). In-memory inputs
    must pickle under every start method, so what runs under fork runs under spawn."""
    from runadvisor.io.catalog import dataset_exists, is_ephemeral
    from runadvisor.io.pickling import find_unpicklable

    problems = []
    if functions:
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
        if not is_ephemeral(dataset) or not holds_data(dataset) or not dataset_exists(dataset):
            continue
        value = read_here(dataset)
        if not pickles(value):
            where = find_unpicklable(value, root=f"catalog['{name}']") or name
            problems.append(f"dataset {where}")
    return problems
