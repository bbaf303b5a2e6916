"""The dataset contract (Kedro 1.x compatible), its errors and duck-typing helpers.

A dataset is anything with ``load()`` and ``save(data)``; ``exists()`` and
``release()`` are optional. ``AbstractDataset`` is the convenient base: it wraps a
subclass's ``load``/``save`` so that every failure surfaces as a ``DatasetError``
that names the dataset, exactly as Kedro does. Heavy libraries are never imported
here, so ``import runadvisor.io`` stays cheap.
"""

from __future__ import annotations

import abc
import functools
import reprlib
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from runadvisor.io.errors import (
    CredentialsNotFoundError,
    DatasetAlreadyExistsError,
    DatasetError,
    DatasetNotFoundError,
    DatasetNotPicklableError,
    DatasetTypeNotFoundError,
    DatasetValueError,
    VersionAlreadyExistsError,
    VersionNotFoundError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "AbstractDataset",
    "CredentialsNotFoundError",
    "DatasetAlreadyExistsError",
    "DatasetError",
    "DatasetNotFoundError",
    "DatasetNotPicklableError",
    "DatasetTypeNotFoundError",
    "DatasetValueError",
    "VersionAlreadyExistsError",
    "VersionNotFoundError",
    "dataset_exists",
    "is_dataset",
    "is_ephemeral",
    "is_single_process",
    "release_dataset",
]


_repr = reprlib.Repr()
_repr.maxlevel = 2
_repr.maxdict = 8
_repr.maxlist = 8
_repr.maxtuple = 8
_repr.maxstring = 200
_repr.maxother = 200


def _format_value(value: Any) -> str:
    """One short ``repr`` for ``__str__``; nested datasets render as themselves."""
    if is_dataset(value):
        return str(value)
    return _repr.repr(value)


def _wrap_load(load_func: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Turn any non-``DatasetError`` raised by ``load_func`` into one naming the dataset."""

    @functools.wraps(load_func)
    def load(self: Any) -> Any:
        try:
            return load_func(self)
        except DatasetError:
            raise
        except Exception as exc:
            raise DatasetError(f"Failed while loading data from dataset {self}.\n{exc}") from exc

    load.__loadwrapped__ = True  # type: ignore[attr-defined]
    return load


def _wrap_save(save_func: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """Refuse ``None`` and turn any non-``DatasetError`` into one naming the dataset."""

    @functools.wraps(save_func)
    def save(self: Any, data: Any) -> None:
        if data is None:
            raise DatasetError(
                f"Saving 'None' to a 'Dataset' is not allowed: {self} was given None. "
                "Make the node that produces it return a value, or remove the output."
            )
        try:
            save_func(self, data)
        except DatasetError:
            raise
        except Exception as exc:
            raise DatasetError(f"Failed while saving data to dataset {self}.\n{exc}") from exc

    save.__savewrapped__ = True  # type: ignore[attr-defined]
    return save


def _record_init_args(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap ``__init__`` so the instance keeps the arguments it was made with.

    Kedro's ``to_config`` writes a dataset back as ``{type, **init args}``; the
    arguments are bound to the signature here, defaults included, ``self`` not.
    """

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        import inspect  # first dataset made pays ~3 ms, not every import

        bound = inspect.signature(init).bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        arguments.pop(next(iter(arguments)), None)  # self
        try:
            self._init_args = arguments
        except AttributeError:  # __slots__ without room for it
            pass

    __init__.__initwrapped__ = True  # type: ignore[attr-defined]
    return __init__


_DI = TypeVar("_DI")  # the type a dataset's save() takes
_DO = TypeVar("_DO")  # the type its load() returns


class AbstractDataset(abc.ABC, Generic[_DI, _DO]):
    """Base class of datasets: implement ``load``, ``save`` and ``_describe``.

    Generic in what it saves and loads, as Kedro's: ``class MyDataset(
    AbstractDataset[pd.DataFrame, pd.DataFrame])``.

    Optionally implement ``_exists`` (else ``exists()`` is False) and ``_release``.
    Legacy subclasses that implement ``_load``/``_save`` instead work too.
    ``_EPHEMERAL`` is True for datasets whose data lives in the process holding
    the catalog (memory), False for those that load and save anywhere (files).
    ``_SINGLE_PROCESS = True`` marks a dataset that must not be used from worker
    processes (see ``is_single_process``).
    """

    _EPHEMERAL = False
    _SINGLE_PROCESS = False
    # Whether instances keep their constructor arguments for ``_init_config``.
    # Memory datasets do not: they would keep a second reference to their data.
    _RECORD_INIT_ARGS = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap the ``load``/``save`` a subclass defines with Kedro's error handling."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        init = own.get("__init__")
        if cls._RECORD_INIT_ARGS and callable(init) and not getattr(init, "__initwrapped__", False):
            cls.__init__ = _record_init_args(init)  # type: ignore[method-assign]
        if "_load" in own and "load" not in own:
            cls.load = own["_load"]  # type: ignore[method-assign]
        if "_save" in own and "save" not in own:
            cls.save = own["_save"]  # type: ignore[method-assign]
        load = cls.__dict__.get("load")
        if load is not None and not getattr(load, "__loadwrapped__", False):
            cls.load = cls._load_wrapper(load)  # type: ignore[method-assign]
        save = cls.__dict__.get("save")
        if save is not None and not getattr(save, "__savewrapped__", False):
            cls.save = cls._save_wrapper(save)  # type: ignore[method-assign]

    @classmethod
    def _load_wrapper(cls, load_func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Decorate a subclass's ``load`` with Kedro's error handling."""
        return _wrap_load(load_func)

    @classmethod
    def _save_wrapper(cls, save_func: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
        """Decorate a subclass's ``save`` with Kedro's error handling."""
        return _wrap_save(save_func)

    @classmethod
    def from_config(
        cls,
        name: str,
        config: dict[str, Any],
        load_version: str | None = None,
        save_version: str | None = None,
    ) -> Any:
        """The dataset a catalog entry describes (``type`` plus constructor arguments)."""
        from runadvisor.io.config import dataset_from_config

        return dataset_from_config(name, config, load_version, save_version)

    def _init_config(self) -> dict[str, Any]:
        """This dataset as a catalog entry: its type path and constructor arguments.

        A ``version`` argument becomes ``versioned: true``; ``metadata`` is left
        out, as Kedro does.
        """
        kind = type(self)
        config: dict[str, Any] = {"type": f"{kind.__module__}.{kind.__qualname__}"}
        config.update(getattr(self, "_init_args", None) or {})
        if config.pop("version", None):
            config["versioned"] = True
        config.pop("metadata", None)
        return config

    def _copy(self, **overwrite_params: Any) -> Any:
        """A deep copy with the given attributes replaced (``_copy(_version=...)``)."""
        import copy

        clone = copy.deepcopy(self)
        for name, value in overwrite_params.items():
            setattr(clone, name, value)
        return clone

    @abc.abstractmethod
    def load(self) -> Any:
        """Load and return the data."""

    @abc.abstractmethod
    def save(self, data: Any) -> None:
        """Save ``data``."""

    @abc.abstractmethod
    def _describe(self) -> dict[str, Any]:
        """The arguments that identify this dataset, for messages."""

    def exists(self) -> bool:
        """Whether the data is there to load (``_exists()``; errors become DatasetError)."""
        try:
            return bool(self._exists())
        except DatasetError:
            raise
        except Exception as exc:
            raise DatasetError(f"Failed during exists check for dataset {self}.\n{exc}") from exc

    def _exists(self) -> bool:
        import logging  # only on this rare path: logging costs ~10 ms to import

        logging.getLogger(__name__).warning(
            "'exists()' not implemented for '%s'. Assuming output does not exist.",
            type(self).__name__,
        )
        return False

    def release(self) -> None:
        """Drop any data held in memory (``_release()``; errors become DatasetError)."""
        try:
            self._release()
        except DatasetError:
            raise
        except Exception as exc:
            raise DatasetError(f"Failed during release for dataset {self}.\n{exc}") from exc

    def _release(self) -> None:
        return None

    def __str__(self) -> str:
        name = type(self).__name__
        try:
            description = self._describe()
        except Exception:
            return f"{name}()"
        if not isinstance(description, dict):
            return f"{name}()"
        parts = [
            f"{key}={_format_value(value)}"
            for key, value in description.items()
            if value is not None
        ]
        return f"{name}({', '.join(parts)})"

    __repr__ = __str__


def is_dataset(obj: Any) -> bool:
    """Whether ``obj`` is a dataset instance: it has callable ``load`` and ``save``."""
    if isinstance(obj, type):
        return False
    return callable(getattr(obj, "load", None)) and callable(getattr(obj, "save", None))


def dataset_exists(dataset: Any) -> bool:
    """``dataset.exists()`` where defined; a dataset without it is assumed to exist."""
    exists = getattr(dataset, "exists", None)
    if exists is None:
        return True
    return bool(exists())


def release_dataset(dataset: Any) -> None:
    """``dataset.release()`` where defined; nothing otherwise."""
    release = getattr(dataset, "release", None)
    if release is not None:
        release()


def is_ephemeral(dataset: Any) -> bool:
    """Whether the data of ``dataset`` lives only in this process (memory, cache).

    Looks at the instance too, because Kedro's ``MemoryDataset`` sets
    ``self._EPHEMERAL = True`` rather than a class attribute; ``__getattr__``
    proxies are not consulted (they may forward to another process).
    """
    try:
        return bool(object.__getattribute__(dataset, "_EPHEMERAL"))
    except AttributeError:
        return False


def is_single_process(dataset: Any) -> bool:
    """Whether ``dataset`` must stay in the process that holds the catalog.

    True when its class (or the instance itself) sets ``_SINGLE_PROCESS = True``,
    as Kedro's Spark datasets and ``CachedDataset`` do; such a dataset cannot be
    loaded or saved in worker processes. ``__getattr__`` proxies are not consulted.
    """
    try:
        return object.__getattribute__(dataset, "_SINGLE_PROCESS") is True
    except AttributeError:
        return False
