"""Datasets backed by one file: CSV, Parquet (pandas), pickle and JSON.

They take kedro-datasets' arguments (``filepath``, ``load_args``, ``save_args``,
``version``, ``credentials``, ``fs_args``, ``metadata``) and keep Kedro's
versioned layout (``<filepath>/<version>/<basename>``). A local save writes a
temporary file next to the target and renames it over the target, so a save
that fails part-way leaves no half-written file. A path with a protocol
(``s3://``, ``memory://``...) goes through ``fsspec`` with ``credentials`` and
``fs_args`` as storage options. pandas, pyarrow, json, pickle and fsspec are
imported only inside the methods that need them.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from pathlib import PurePosixPath
from typing import Any

from runadvisor.io.errors import DatasetError, DatasetValueError
from runadvisor.io.paths import get_filepath_str, get_protocol_and_path
from runadvisor.io.versioning import AbstractVersionedDataset, Version
from runadvisor.jsonfile import atomic_write


def _filesystem(protocol: str, storage_options: dict[str, Any]) -> Any:
    """The fsspec filesystem for ``protocol``, or a DatasetError saying what to install."""
    try:
        import fsspec
    except ImportError as exc:
        raise DatasetError(
            f"Paths with the protocol '{protocol}://' need fsspec: pip install fsspec "
            "(plus the filesystem's own package, e.g. s3fs or gcsfs)."
        ) from exc
    try:
        return fsspec.filesystem(protocol, **storage_options)
    except (ImportError, ValueError) as exc:
        raise DatasetError(
            f"fsspec cannot open '{protocol}://' paths: {exc}. Install the filesystem's "
            "package (e.g. pip install s3fs for s3://, gcsfs for gs://)."
        ) from exc


def _opened(target: Any, mode: str, **kwargs: Any) -> Any:
    """``open(target)`` for a path; the file itself (left open) for a file object."""
    if isinstance(target, str):
        return open(target, mode, **kwargs)  # the caller's `with` closes it
    return contextlib.nullcontext(target)


class _FileDataset(AbstractVersionedDataset):
    """Shared plumbing: path and protocol, versions, arguments, presence checks.

    Subclasses implement ``_read(source)`` and ``_write(data, target)``, where
    the source or target is a local path or an open file of a remote filesystem.
    """

    _DEFAULT_LOAD_ARGS: dict[str, Any] = {}
    _DEFAULT_SAVE_ARGS: dict[str, Any] = {}
    _TEXT = False  # open remote files in text mode (CSV, JSON) rather than binary

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        *,
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        protocol, path = get_protocol_and_path(os.fspath(filepath), version)
        fs_args = dict(fs_args or {})
        self._open_args_load = dict(fs_args.pop("open_args_load", None) or {})
        self._open_args_save = dict(fs_args.pop("open_args_save", None) or {})
        self._protocol = protocol
        self._fs: Any = None
        if protocol == "file":
            path = os.path.expanduser(path)
            super().__init__(PurePosixPath(path), version)
        else:
            self._fs = _filesystem(protocol, {**(credentials or {}), **fs_args})
            super().__init__(PurePosixPath(path), version, self._fs.exists, self._fs.glob)
        self._load_args = {**self._DEFAULT_LOAD_ARGS, **(load_args or {})}
        self._save_args = {**self._DEFAULT_SAVE_ARGS, **(save_args or {})}
        self.metadata = metadata

    @property
    def filepath(self) -> str:
        """The path as given (``~`` expanded), without protocol or version folders."""
        return str(self._filepath)

    @property
    def protocol(self) -> str:
        """``file`` for local paths, else the URL scheme (``s3``, ``memory``...)."""
        return self._protocol

    def _path_str(self, path: PurePosixPath) -> str:
        return str(path) if self._fs is None else get_filepath_str(path, self._protocol)

    def load(self) -> Any:
        """Read the version to load (or the file itself, if unversioned)."""
        path = self._path_str(self._get_load_path())
        if self._fs is None:
            if not os.path.exists(path):
                raise DatasetError(
                    f"Cannot load {self}: file '{os.path.abspath(path)}' does not exist. "
                    "It must be created first: by the node that outputs this dataset (run "
                    "it upstream of the nodes that read it) or by you, if it is a pipeline "
                    "input."
                )
            return self._read(path)
        mode = "r" if self._TEXT else "rb"
        with self._fs.open(path, mode=mode, **self._open_args_load) as file:
            return self._read(file)

    def save(self, data: Any) -> None:
        """Write ``data`` to the version to save (or the file itself): atomically if local."""
        self._check_data(data)
        path = self._path_str(self._get_save_path())
        if self._fs is None:
            atomic_write(path, lambda temp: self._write(data, temp))
            return
        mode = "w" if self._TEXT else "wb"
        with self._fs.open(path, mode=mode, **self._open_args_save) as file:
            self._write(data, file)
        self._fs.invalidate_cache(self._path_str(self._filepath))

    def _check_data(self, data: Any) -> None:
        """Raise a DatasetError if this dataset cannot save ``data``."""

    def _read(self, source: Any) -> Any:
        raise NotImplementedError

    def _write(self, data: Any, target: Any) -> None:
        raise NotImplementedError

    def _require_frame(self, data: Any, method: str) -> None:
        """A DatasetError unless ``data`` can ``method`` (``to_csv``, ``to_parquet``)."""
        if not callable(getattr(data, method, None)):
            raise DatasetError(
                f"{self} saves pandas DataFrames, but was given a {type(data).__name__} "
                f"(it has no {method}()). Return a DataFrame from the node, or use "
                "PickleDataset or JSONDataset for other objects."
            )

    def _exists(self) -> bool:
        try:
            path = self._get_load_path()
        except DatasetError:  # versioned, and no version saved yet
            return False
        return bool(self._exists_function(self._path_str(path)))

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self.filepath,
            "protocol": None if self._protocol == "file" else self._protocol,
            "load_args": self._load_args,
            "save_args": self._save_args,
            "version": self._version,
        }


class CSVDataset(_FileDataset):
    """A pandas DataFrame in a CSV file (``pandas.read_csv`` / ``DataFrame.to_csv``)."""

    _DEFAULT_SAVE_ARGS = {"index": False}
    _TEXT = True

    def _check_data(self, data: Any) -> None:
        self._require_frame(data, "to_csv")

    def _read(self, source: Any) -> Any:
        import pandas as pd

        return pd.read_csv(source, **self._load_args)

    def _write(self, data: Any, target: Any) -> None:
        data.to_csv(target, **self._save_args)


class ParquetDataset(_FileDataset):
    """A pandas DataFrame in a Parquet file, through pyarrow."""

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        *,
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            filepath,
            load_args=load_args,
            save_args=save_args,
            version=version,
            credentials=credentials,
            fs_args=fs_args,
            metadata=metadata,
        )
        if "partition_cols" in self._save_args:
            raise DatasetValueError(
                f"{self} does not support save_args['partition_cols']: a partitioned "
                "dataset is a folder and cannot be replaced atomically. Remove it."
            )

    def _check_data(self, data: Any) -> None:
        self._require_frame(data, "to_parquet")

    def _read(self, source: Any) -> Any:
        import pandas as pd

        return pd.read_parquet(source, **self._load_args)

    def _write(self, data: Any, target: Any) -> None:
        data.to_parquet(target, **self._save_args)


class PickleDataset(_FileDataset):
    """Any picklable object in a file, through ``pickle`` or another backend.

    ``backend`` names a module with ``load(file)`` and ``dump(obj, file)``:
    "pickle" (default), "cloudpickle" (lambdas, closures), "joblib", "dill"...
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        *,
        backend: str = "pickle",
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            filepath,
            load_args=load_args,
            save_args=save_args,
            version=version,
            credentials=credentials,
            fs_args=fs_args,
            metadata=metadata,
        )
        if backend != "pickle":
            try:
                module = importlib.import_module(backend)
            except ImportError as exc:
                raise DatasetValueError(
                    f"PickleDataset(filepath={self.filepath!r}): backend {backend!r} "
                    f"cannot be imported ({exc}). Install it, or use backend='pickle'."
                ) from exc
            if not all(callable(getattr(module, attr, None)) for attr in ("load", "dump")):
                raise DatasetValueError(
                    f"PickleDataset(filepath={self.filepath!r}): backend {backend!r} "
                    "should satisfy the pickle interface: it needs load() and dump()."
                )
        self._backend = backend

    def _read(self, source: Any) -> Any:
        with _opened(source, "rb") as file:
            return importlib.import_module(self._backend).load(file, **self._load_args)

    def _write(self, data: Any, target: Any) -> None:
        module = importlib.import_module(self._backend)
        with _opened(target, "xb") as file:
            module.dump(data, file, **self._save_args)

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self.filepath, "backend": self._backend, **super()._describe()}


class JSONDataset(_FileDataset):
    """JSON-serialisable data in a UTF-8 file (``json.load`` / ``json.dump``, indent 2)."""

    _DEFAULT_SAVE_ARGS = {"indent": 2}
    _TEXT = True

    def _read(self, source: Any) -> Any:
        import json

        with _opened(source, "r", encoding="utf-8") as file:
            return json.load(file, **self._load_args)

    def _write(self, data: Any, target: Any) -> None:
        import json

        with _opened(target, "x", encoding="utf-8") as file:
            json.dump(data, file, **self._save_args)
