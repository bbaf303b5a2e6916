"""Datasets whose data lives in this process: ``MemoryDataset`` and ``CachedDataset``.

Copies guard the stored object against a node that mutates what it loaded (or
what it saved). The copy mode is inferred per object without importing pandas or
numpy: if they are not in ``sys.modules`` the object cannot be one of theirs.
"""

from __future__ import annotations

import copy
import sys
from typing import Any, Literal

from runadvisor.io.core import (
    AbstractDataset,
    DatasetError,
    DatasetValueError,
    dataset_exists,
    is_dataset,
    release_dataset,
)

TCopyMode = Literal["deepcopy", "copy", "assign"]
_COPY_MODES = ("deepcopy", "copy", "assign")

_EMPTY_MESSAGE = (
    "Data for MemoryDataset has not been saved yet. Nothing has saved to it, or its "
    "data was released after its last consumer ran: save to it first, or give the "
    "data to the catalog as a raw value."
)


class _Empty:
    """The 'no data' marker; pickles by reference so it stays the one marker."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<empty>"

    def __reduce__(self) -> str:
        return "_EMPTY"


_EMPTY: Any = _Empty()


def _check_copy_mode(copy_mode: str | None) -> None:
    if copy_mode is not None and copy_mode not in _COPY_MODES:
        raise DatasetValueError(
            f"Invalid copy mode: {copy_mode}. Possible values are: deepcopy, copy, assign."
        )


def infer_copy_mode(data: Any) -> TCopyMode:
    """The copy mode Kedro would pick for ``data``.

    pandas DataFrames and numpy arrays are copied with ``.copy()``; other
    DataFrame types (polars, Spark) and ibis tables are assigned, as they are
    immutable or cannot be deep-copied; everything else is deep-copied.
    """
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        frame = getattr(pandas, "DataFrame", None)
        if frame is not None and isinstance(data, frame):
            return "copy"
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        array = getattr(numpy, "ndarray", None)
        if array is not None and isinstance(data, array):
            return "copy"
    if type(data).__name__ == "DataFrame":
        return "assign"
    ibis = sys.modules.get("ibis")
    table = getattr(ibis, "Table", None) if ibis is not None else None
    if isinstance(table, type) and isinstance(data, table):
        return "assign"
    return "deepcopy"


def copy_with_mode(data: Any, copy_mode: TCopyMode) -> Any:
    """Copy ``data`` as ``copy_mode`` says ("deepcopy", "copy" or "assign")."""
    if copy_mode == "deepcopy":
        return copy.deepcopy(data)
    if copy_mode == "copy":
        method = getattr(data, "copy", None)
        return method() if callable(method) else copy.copy(data)
    if copy_mode == "assign":
        return data
    _check_copy_mode(copy_mode)
    raise AssertionError("unreachable")  # pragma: no cover


class MemoryDataset(AbstractDataset):
    """Holds one Python object in memory, copying it on save and on load.

    ``copy_mode`` is "deepcopy", "copy" or "assign"; None infers it per object
    (see ``infer_copy_mode``).
    """

    _EPHEMERAL = True
    _RECORD_INIT_ARGS = False  # would keep a second reference to the data

    def __init__(
        self,
        data: Any = _EMPTY,
        copy_mode: TCopyMode | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        _check_copy_mode(copy_mode)
        self._copy_mode = copy_mode
        self.metadata = metadata
        self._data: Any = _EMPTY
        if data is not _EMPTY:
            self._store(data)

    def _mode(self, data: Any) -> TCopyMode:
        return self._copy_mode or infer_copy_mode(data)

    def _store(self, data: Any) -> None:
        """Store a copy of ``data`` (``None`` allowed, as Kedro's constructor allows it)."""
        mode = self._mode(data)
        try:
            self._data = copy_with_mode(data, mode)
        except Exception as exc:
            raise DatasetError(
                f"MemoryDataset cannot {mode} a {type(data).__name__}: {exc}. Store it "
                "without copying with MemoryDataset(data, copy_mode='assign')."
            ) from exc

    def _load_or_empty(self) -> Any:
        """A copy of the data, or the ``_EMPTY`` marker; never raises for emptiness."""
        data = self._data
        if data is _EMPTY:
            return _EMPTY
        return copy_with_mode(data, self._mode(data))

    def load(self) -> Any:
        """A copy of the stored object."""
        data = self._load_or_empty()
        if data is _EMPTY:
            raise DatasetError(_EMPTY_MESSAGE)
        return data

    def save(self, data: Any) -> None:
        """Store a copy of ``data``."""
        self._store(data)

    def _peek(self) -> Any:
        """The stored object itself, not a copy (the process runner pickles it anyway)."""
        data = self._data
        if data is _EMPTY:
            raise DatasetError(_EMPTY_MESSAGE)
        return data

    def _put(self, data: Any) -> None:
        """Store ``data`` itself, not a copy (it arrived unpickled, so nobody else holds it)."""
        self._data = data

    def _exists(self) -> bool:
        return self._data is not _EMPTY

    def _release(self) -> None:
        self._data = _EMPTY

    def _describe(self) -> dict[str, Any]:
        data = self._data
        return {
            "data": None if data is _EMPTY else f"<{type(data).__name__}>",
            "copy_mode": self._copy_mode,
        }


class CachedDataset(AbstractDataset):
    """Wraps a dataset and keeps what it loaded or saved in memory.

    The first ``load`` reads the wrapped dataset; later ones return (a copy of)
    the cache. ``save`` writes through to the wrapped dataset and the cache.
    ``dataset`` is a dataset or its catalog entry (a dict with ``type``); a
    versioned entry says ``versioned: true`` on the ``CachedDataset``, and
    ``version`` then reaches the wrapped dataset. Pickling drops the cache, so a
    worker process gets the wrapped dataset only; like Kedro's, it is marked
    ``_SINGLE_PROCESS`` (the cache would be lost in a worker).
    """

    _EPHEMERAL = True
    _SINGLE_PROCESS = True

    def __init__(
        self,
        dataset: Any,
        version: Any = None,
        copy_mode: TCopyMode | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if isinstance(dataset, dict):
            dataset = self._from_config(dataset, version)
        elif not is_dataset(dataset):
            raise DatasetValueError(
                "The argument type of 'dataset' should be either a dict/YAML representation "
                f"of the dataset, or the actual dataset object; CachedDataset was given a "
                f"{type(dataset).__name__}, and a dataset needs load() and save()."
            )
        self._dataset = dataset
        self._cache = MemoryDataset(copy_mode=copy_mode)
        self.metadata = metadata

    @staticmethod
    def _from_config(config: dict[str, Any], version: Any) -> Any:
        """The wrapped dataset made from its catalog entry, with ``version`` if given."""
        if "versioned" in config:
            raise DatasetValueError(
                "Cached datasets should specify that they are versioned in the "
                "'CachedDataset', not in the wrapped dataset: move 'versioned: true' up "
                "one level."
            )
        config = dict(config)
        if version:
            config["versioned"] = True
            return AbstractDataset.from_config("_cached", config, version.load, version.save)
        return AbstractDataset.from_config("_cached", config)

    def load(self) -> Any:
        """The cached data if any, else the wrapped dataset's data (then cached)."""
        if self._cache._exists():
            return self._cache.load()
        data = self._dataset.load()
        self._cache._store(data)  # not save(): a dataset may load None
        return data

    def save(self, data: Any) -> None:
        """Save to the wrapped dataset, then to the cache."""
        self._dataset.save(data)
        self._cache.save(data)

    def _exists(self) -> bool:
        return self._cache._exists() or dataset_exists(self._dataset)

    def _release(self) -> None:
        self._cache._release()
        release_dataset(self._dataset)

    def _describe(self) -> dict[str, Any]:
        return {"dataset": self._dataset, "cache": self._cache._describe()["data"]}

    def _init_config(self) -> dict[str, Any]:
        """As Kedro: the wrapped dataset's entry under ``dataset``, ``versioned`` lifted up."""
        config = {"type": f"{type(self).__module__}.{type(self).__qualname__}"}
        config["copy_mode"] = self._cache._copy_mode
        inner_config = getattr(self._dataset, "_init_config", None)
        inner = dict(inner_config()) if callable(inner_config) else {}
        if "versioned" in inner:
            config["versioned"] = inner.pop("versioned")
        inner.pop("metadata", None)
        config["dataset"] = inner
        return config

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = MemoryDataset(copy_mode=self._cache._copy_mode)
        return state
