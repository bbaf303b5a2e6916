"""``DataCatalog``: the mapping from dataset names to datasets that a run reads and writes.

Any object with ``load()`` and ``save(data)`` is a dataset (so real Kedro datasets
work unchanged); any other value is data and is wrapped in a ``MemoryDataset``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runadvisor.exceptions import add_note
from runadvisor.io.core import (
    DatasetError,
    DatasetNotFoundError,
    dataset_exists,
    is_dataset,
    is_ephemeral,
    release_dataset,
)
from runadvisor.io.memory import MemoryDataset
from runadvisor.io.pickling import find_unpicklable

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "DataCatalog",
    "SharedMemoryDataCatalog",
    "dataset_exists",
    "is_ephemeral",
    "release_dataset",
]


def _as_dataset(name: str, value: Any) -> Any:
    """``value`` itself if it is a dataset, else a ``MemoryDataset`` holding it.

    An object with only one of ``load``/``save``, or a dataset class instead of
    an instance, is almost surely a mistake: say so rather than store it as data.
    """
    if is_dataset(value):
        return value
    has_load = callable(getattr(value, "load", None))
    has_save = callable(getattr(value, "save", None))
    if isinstance(value, type) and (has_load or has_save):
        raise DatasetError(
            f"catalog[{name!r}] is the class {value.__name__}, not a dataset: "
            f"create one, e.g. {value.__name__}(...)."
        )
    if has_load or has_save:
        has, lacks = ("load", "save") if has_load else ("save", "load")
        raise DatasetError(
            f"catalog[{name!r}] is a {type(value).__name__}: a dataset needs load() and "
            f"save(), and it has {has}() but no {lacks}(). Add {lacks}(), or if the object "
            f"is data, register MemoryDataset(value) or pass it in raw_data."
        )
    return MemoryDataset(data=value)


class DataCatalog:
    """Datasets by name: ``load``, ``save``, ``exists``, ``release`` and mapping access.

    ``datasets`` maps names to datasets or raw values (wrapped in
    ``MemoryDataset``); ``raw_data`` maps names to values that are always stored
    as data, even if they happen to have ``load``/``save`` methods.
    """

    def __init__(
        self,
        datasets: dict[str, Any] | None = None,
        raw_data: dict[str, Any] | None = None,
        *,
        load_versions: dict[str, str] | None = None,
        save_version: str | None = None,
    ) -> None:
        if load_versions or save_version:
            raise DatasetError(
                "DataCatalog(load_versions=..., save_version=...) is not supported: "
                "runadvisor does not version datasets. Remove these arguments."
            )
        self._datasets: dict[str, Any] = {}
        for name, value in (datasets or {}).items():
            self[name] = value
        for name, value in (raw_data or {}).items():
            self._datasets[name] = MemoryDataset(data=value)

    def _not_found(self, name: str) -> DatasetNotFoundError:
        import difflib  # only on this error path

        message = f"Dataset '{name}' not found in the catalog"
        matches = difflib.get_close_matches(str(name), [str(k) for k in self._datasets], n=3)
        if matches:
            message += " - did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
        else:
            message += ". Register it (catalog[name] = dataset) or check the spelling."
        return DatasetNotFoundError(message)

    def __getitem__(self, name: str) -> Any:
        try:
            return self._datasets[name]
        except KeyError:
            raise self._not_found(name) from None

    def __setitem__(self, name: str, value: Any) -> None:
        self._datasets[name] = _as_dataset(name, value)

    def __contains__(self, name: object) -> bool:
        return name in self._datasets

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._datasets))

    def __len__(self) -> int:
        return len(self._datasets)

    def __repr__(self) -> str:
        if not self._datasets:
            return f"{type(self).__name__}()"
        lines = [f"  {name!r}: {dataset!s}," for name, dataset in self._datasets.items()]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def get(self, name: str, default: Any = None) -> Any:
        """The dataset called ``name``, or ``default``."""
        return self._datasets.get(name, default)

    def keys(self) -> list[str]:
        """The dataset names, in registration order."""
        return list(self._datasets)

    def values(self) -> list[Any]:
        """The datasets, in registration order."""
        return list(self._datasets.values())

    def items(self) -> list[tuple[str, Any]]:
        """``(name, dataset)`` pairs, in registration order."""
        return list(self._datasets.items())

    def load(self, name: str) -> Any:
        """Load the data of dataset ``name``."""
        dataset = self[name]
        try:
            return dataset.load()
        except DatasetError as exc:
            add_note(exc, f"while loading catalog['{name}']")
            raise

    def save(self, name: str, data: Any) -> None:
        """Save ``data`` to dataset ``name``; an unknown name gets a new ``MemoryDataset``."""
        dataset = self._datasets.get(name)
        new = dataset is None
        if new:
            dataset = MemoryDataset()
        try:
            dataset.save(data)
        except DatasetError as exc:
            add_note(exc, f"while saving catalog['{name}']")
            raise
        if new:  # registered only once saved, so a failed save leaves no empty entry
            self._datasets[name] = dataset

    def exists(self, name: str) -> bool:
        """Whether dataset ``name`` is registered and its data is there to load."""
        dataset = self._datasets.get(name)
        return dataset is not None and dataset_exists(dataset)

    def release(self, name: str) -> None:
        """Let dataset ``name`` drop data it holds in memory."""
        release_dataset(self[name])


class SharedMemoryDataCatalog(DataCatalog):
    """A ``DataCatalog`` that can check it is fit for worker processes (Kedro compatibility).

    runadvisor's process runner works with any catalog: memory datasets stay in
    the parent and their data travels with each task. This class keeps Kedro
    code that names it working, and ``validate_catalog`` reports what would not
    pickle.
    """

    def set_manager_datasets(self, manager: Any) -> None:
        """Accepted for Kedro compatibility; runadvisor needs no multiprocessing manager."""
        return None

    def validate_catalog(self) -> None:
        """Raise ``DatasetError`` naming every dataset that cannot go to a worker process."""
        problems = []
        for name, dataset in self._datasets.items():
            root = f"catalog[{name!r}]"
            if getattr(dataset, "_SINGLE_PROCESS", False) is True:
                problems.append(f"{root}: {type(dataset).__name__} is marked _SINGLE_PROCESS")
                continue
            found = find_unpicklable(dataset, root=root)
            if found is not None:
                problems.append(found)
        if problems:
            raise DatasetError(
                "These datasets cannot be used with multiprocessing, because they do not "
                "pickle:\n  "
                + "\n  ".join(problems)
                + "\nUse ThreadRunner (threads share memory, nothing is pickled), or store "
                "the data with a file dataset (e.g. PickleDataset) so that each worker "
                "process loads it itself."
            )
