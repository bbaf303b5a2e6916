"""Datasets backed by one local file: CSV, Parquet (pandas), pickle and JSON.

Every save writes a temporary file next to the target and renames it over the
target (``os.replace``), so a save that fails part-way leaves no half-written
file and keeps what an earlier save wrote. pandas, pyarrow, json and pickle
are imported only inside the methods that need them.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from runadvisor.io.core import AbstractDataset, DatasetError, DatasetValueError
from runadvisor.jsonfile import atomic_write


class _FileDataset(AbstractDataset):
    """Shared plumbing: a file path, load/save arguments, presence checks."""

    _DEFAULT_LOAD_ARGS: dict[str, Any] = {}
    _DEFAULT_SAVE_ARGS: dict[str, Any] = {}

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._filepath = os.path.expanduser(os.fspath(filepath))
        self._load_args = {**self._DEFAULT_LOAD_ARGS, **(load_args or {})}
        self._save_args = {**self._DEFAULT_SAVE_ARGS, **(save_args or {})}
        self.metadata = metadata

    @property
    def filepath(self) -> str:
        """The file this dataset reads and writes (``~`` expanded)."""
        return self._filepath

    def _require_file(self) -> str:
        """The path, or a DatasetError saying who should have created it."""
        path = self._filepath
        if not os.path.exists(path):
            raise DatasetError(
                f"Cannot load {self}: file '{os.path.abspath(path)}' does not exist. "
                "It must be created first: by the node that outputs this dataset (run it "
                "upstream of the nodes that read it) or by you, if it is a pipeline input."
            )
        return path

    def _require_frame(self, data: Any, method: str) -> None:
        """A DatasetError unless ``data`` can ``method`` (``to_csv``, ``to_parquet``)."""
        if not callable(getattr(data, method, None)):
            raise DatasetError(
                f"{self} saves pandas DataFrames, but was given a {type(data).__name__} "
                f"(it has no {method}()). Return a DataFrame from the node, or use "
                "PickleDataset or JSONDataset for other objects."
            )

    def _exists(self) -> bool:
        return os.path.exists(self._filepath)

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._filepath,
            "load_args": self._load_args,
            "save_args": self._save_args,
        }


class CSVDataset(_FileDataset):
    """A pandas DataFrame in a CSV file (``pandas.read_csv`` / ``DataFrame.to_csv``)."""

    _DEFAULT_SAVE_ARGS = {"index": False}

    def load(self) -> Any:
        """Read the file with ``pandas.read_csv(**load_args)``."""
        path = self._require_file()
        import pandas as pd

        return pd.read_csv(path, **self._load_args)

    def save(self, data: Any) -> None:
        """Write ``data.to_csv(**save_args)`` atomically."""
        self._require_frame(data, "to_csv")
        atomic_write(self._filepath, lambda temp: data.to_csv(temp, **self._save_args))


class ParquetDataset(_FileDataset):
    """A pandas DataFrame in a Parquet file, through pyarrow."""

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(filepath, load_args, save_args, metadata)
        if "partition_cols" in self._save_args:
            raise DatasetValueError(
                f"{self} does not support save_args['partition_cols']: a partitioned "
                "dataset is a folder and cannot be replaced atomically. Remove it."
            )

    def load(self) -> Any:
        """Read the file with ``pandas.read_parquet(**load_args)``."""
        path = self._require_file()
        import pandas as pd

        return pd.read_parquet(path, **self._load_args)

    def save(self, data: Any) -> None:
        """Write ``data.to_parquet(**save_args)`` atomically."""
        self._require_frame(data, "to_parquet")
        atomic_write(self._filepath, lambda temp: data.to_parquet(temp, **self._save_args))


class PickleDataset(_FileDataset):
    """Any picklable object in a file, through ``pickle`` or another backend.

    ``backend`` names a module with ``load(file)`` and ``dump(obj, file)``:
    "pickle" (default), "cloudpickle" (lambdas, closures), "joblib", "dill"...
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        backend: str = "pickle",
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(filepath, load_args, save_args, metadata)
        if backend != "pickle":
            try:
                module = importlib.import_module(backend)
            except ImportError as exc:
                raise DatasetValueError(
                    f"PickleDataset(filepath={self._filepath!r}): backend {backend!r} "
                    f"cannot be imported ({exc}). Install it, or use backend='pickle'."
                ) from exc
            if not all(callable(getattr(module, attr, None)) for attr in ("load", "dump")):
                raise DatasetValueError(
                    f"PickleDataset(filepath={self._filepath!r}): backend {backend!r} "
                    "should satisfy the pickle interface: it needs load() and dump()."
                )
        self._backend = backend

    def _module(self) -> Any:
        return importlib.import_module(self._backend)

    def load(self) -> Any:
        """Unpickle the file with the backend's ``load(file, **load_args)``."""
        path = self._require_file()
        with open(path, "rb") as file:
            return self._module().load(file, **self._load_args)

    def save(self, data: Any) -> None:
        """Pickle ``data`` with the backend's ``dump(data, file, **save_args)``, atomically."""
        module = self._module()

        def write(temp: str) -> None:
            with open(temp, "xb") as file:
                module.dump(data, file, **self._save_args)

        atomic_write(self._filepath, write)

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "backend": self._backend, **super()._describe()}


class JSONDataset(_FileDataset):
    """JSON-serialisable data in a UTF-8 file (``json.load`` / ``json.dump``, indent 2)."""

    _DEFAULT_SAVE_ARGS = {"indent": 2}

    def load(self) -> Any:
        """Parse the file with ``json.load(file, **load_args)``."""
        path = self._require_file()
        import json

        with open(path, encoding="utf-8") as file:
            return json.load(file, **self._load_args)

    def save(self, data: Any) -> None:
        """Write ``json.dump(data, file, **save_args)`` atomically."""
        import json

        def write(temp: str) -> None:
            with open(temp, "x", encoding="utf-8") as file:
                json.dump(data, file, **self._save_args)

        atomic_write(self._filepath, write)
