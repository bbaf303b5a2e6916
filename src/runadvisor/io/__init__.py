"""Datasets and the catalog, compatible with Kedro 1.x's ``kedro.io``.

Importing this package imports neither pandas nor pyarrow nor cloudpickle: the
file datasets and ``find_unpicklable`` import them when first used.
"""

from __future__ import annotations

from runadvisor.io.catalog import DataCatalog, SharedMemoryDataCatalog
from runadvisor.io.core import (
    AbstractDataset,
    DatasetError,
    DatasetNotFoundError,
    DatasetValueError,
    dataset_exists,
    is_dataset,
    is_ephemeral,
    release_dataset,
)
from runadvisor.io.files import CSVDataset, JSONDataset, ParquetDataset, PickleDataset
from runadvisor.io.memory import CachedDataset, MemoryDataset
from runadvisor.io.pickling import find_unpicklable

__all__ = [
    "AbstractDataset",
    "CSVDataset",
    "CachedDataset",
    "DataCatalog",
    "DatasetError",
    "DatasetNotFoundError",
    "DatasetValueError",
    "JSONDataset",
    "MemoryDataset",
    "ParquetDataset",
    "PickleDataset",
    "SharedMemoryDataCatalog",
    "dataset_exists",
    "find_unpicklable",
    "is_dataset",
    "is_ephemeral",
    "release_dataset",
]
