"""Kedro's multiprocessing names: ``SharedMemoryDataset`` and ``SharedMemoryDataCatalog``.

Kedro's ParallelRunner keeps in-memory data in a ``multiprocessing`` manager
process, so every dataset must pickle and each load is a round trip. runadvisor's
process runner needs neither: in-memory data stays in the parent and travels
with each task (large buffers through shared memory). So ``SharedMemoryDataset``
is a ``MemoryDataset`` that accepts Kedro's ``manager`` arguments, and
``SharedMemoryDataCatalog`` keeps Kedro's checks: ``validate_catalog`` names
every dataset that cannot be used from worker processes, and why.
"""

from __future__ import annotations

from multiprocessing.managers import SyncManager
from typing import Any, ClassVar

from runadvisor.io.catalog import DataCatalog
from runadvisor.io.core import is_single_process
from runadvisor.io.errors import DatasetNotPicklableError
from runadvisor.io.memory import MemoryDataset
from runadvisor.io.pickling import find_unpicklable


class ParallelRunnerManager(SyncManager):
    """Kedro's ``multiprocessing`` manager for ``SharedMemoryDataset``s.

    Kedro code that starts one and hands it to ``SharedMemoryDataset`` or
    ``SharedMemoryDataCatalog.set_manager_datasets`` keeps working; runadvisor's
    own runners never need it (see the module docstring). As Kedro's, it can make
    a ``MemoryDataset`` that lives in the manager process.
    """


ParallelRunnerManager.register("MemoryDataset", MemoryDataset)


class SharedMemoryDataset(MemoryDataset):
    """A ``MemoryDataset`` under Kedro's multiprocessing name.

    ``manager`` (a ``multiprocessing`` manager in Kedro) is accepted and kept,
    but not needed: runadvisor's process runner moves the data itself.
    """

    def __init__(self, manager: Any = None) -> None:
        super().__init__()
        self._manager = manager

    def set_manager(self, manager: Any) -> None:
        """Accepted for Kedro compatibility (see the class docstring)."""
        self._manager = manager

    def _describe(self) -> dict[str, Any]:
        return {"data": super()._describe()["data"]}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_manager"] = None  # a manager proxy belongs to the process that made it
        return state


class SharedMemoryDataCatalog(DataCatalog):
    """A ``DataCatalog`` that checks it can be used with worker processes.

    Names matching no entry or pattern become ``SharedMemoryDataset``s, as in
    Kedro. runadvisor's ``ParallelRunner`` works with any catalog; this class
    keeps Kedro code that names it working.
    """

    default_runtime_patterns: ClassVar[dict[str, dict[str, Any]]] = {
        "{default}": {"type": "SharedMemoryDataset"}
    }

    def set_manager_datasets(self, manager: Any) -> None:
        """Give ``manager`` to every ``SharedMemoryDataset`` (ours or Kedro's) in the catalog."""
        for dataset in self._datasets.values():
            set_manager = getattr(type(dataset), "set_manager", None)
            if type(dataset).__name__ == "SharedMemoryDataset" and callable(set_manager):
                dataset.set_manager(manager)

    def validate_catalog(self) -> None:
        """Raise ``DatasetNotPicklableError`` naming every dataset that cannot go to a
        worker process: marked ``_SINGLE_PROCESS``, or not picklable (with the attribute
        path that is not). It is also an ``AttributeError``, as Kedro's is."""
        names = []
        problems = []
        for name, dataset in self._datasets.items():
            root = f"catalog[{name!r}]"
            if is_single_process(dataset):
                names.append(name)
                problems.append(f"{root}: {type(dataset).__name__} is marked _SINGLE_PROCESS")
                continue
            found = find_unpicklable(dataset, root=root)
            if found is not None:
                names.append(name)
                problems.append(found)
        if problems:
            raise DatasetNotPicklableError(
                f"The following datasets cannot be used with multiprocessing: {sorted(names)}"
                "\n  "
                + "\n  ".join(problems)
                + "\nUse ThreadRunner (threads share memory, nothing is pickled), or store "
                "the data with a file dataset (e.g. PickleDataset) so that each worker "
                "process loads it itself.",
                datasets=sorted(names),
                problems=problems,
            )
