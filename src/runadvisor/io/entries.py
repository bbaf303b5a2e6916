"""What a catalog holds under a name: a dataset, data to wrap, or an entry not created yet."""

from __future__ import annotations

from typing import Any

from runadvisor.io.config import TYPE_KEY, dataset_from_config
from runadvisor.io.core import DatasetError, is_dataset
from runadvisor.io.memory import MemoryDataset


def as_dataset(name: str, value: Any) -> Any:
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


def version_of(dataset: Any) -> Any:
    """The ``Version`` a (possibly cached) versioned dataset was given, or None."""
    inner = dataset
    if type(dataset).__name__ == "CachedDataset":
        inner = getattr(dataset, "_dataset", dataset)
    version = getattr(inner, "_version", None)
    return version if hasattr(version, "load") and hasattr(version, "save") else None


def is_memory_dataset(dataset: Any) -> bool:
    """Kedro's test for what ``to_config`` leaves out: memory datasets (ours or Kedro's)."""
    if isinstance(dataset, str):
        return dataset.rsplit(".", 1)[-1] in ("MemoryDataset", "SharedMemoryDataset")
    return isinstance(dataset, MemoryDataset) or type(dataset).__name__ == "MemoryDataset"


class LazyDataset:
    """A catalog entry not yet turned into a dataset (Kedro creates datasets on first use)."""

    __slots__ = ("config", "load_version", "name", "save_version")

    def __init__(
        self,
        name: str,
        config: dict[str, Any],
        load_version: str | None = None,
        save_version: str | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.load_version = load_version
        self.save_version = save_version

    def __repr__(self) -> str:
        return f"{self.config.get(TYPE_KEY)} (not created yet)"

    def materialize(self) -> Any:
        """The dataset this entry describes."""
        return dataset_from_config(self.name, self.config, self.load_version, self.save_version)
