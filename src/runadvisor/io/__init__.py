"""Datasets and the catalog, compatible with Kedro 1.x's ``kedro.io``.

Importing this package imports neither pandas nor pyarrow nor cloudpickle nor
Kedro: the file datasets, ``find_unpicklable`` and ``DataCatalog.from_config``
import what they need when first used.
"""

from __future__ import annotations

from runadvisor.io.catalog import DataCatalog
from runadvisor.io.config import parse_dataset_definition
from runadvisor.io.config_resolver import CatalogConfigResolver
from runadvisor.io.core import (
    AbstractDataset,
    CredentialsNotFoundError,
    DatasetAlreadyExistsError,
    DatasetError,
    DatasetNotFoundError,
    DatasetNotPicklableError,
    DatasetTypeNotFoundError,
    DatasetValueError,
    VersionAlreadyExistsError,
    VersionNotFoundError,
    dataset_exists,
    is_dataset,
    is_ephemeral,
    is_single_process,
    release_dataset,
)
from runadvisor.io.files import CSVDataset, JSONDataset, ParquetDataset, PickleDataset
from runadvisor.io.memory import CachedDataset, MemoryDataset
from runadvisor.io.paths import get_filepath_str, get_protocol_and_path, validate_on_forbidden_chars
from runadvisor.io.pickling import find_unpicklable
from runadvisor.io.shared_memory import (
    ParallelRunnerManager,
    SharedMemoryDataCatalog,
    SharedMemoryDataset,
)
from runadvisor.io.versioning import (
    VERSION_FORMAT,
    AbstractVersionedDataset,
    Version,
    generate_timestamp,
)

__all__ = [
    "VERSION_FORMAT",
    "AbstractDataset",
    "AbstractVersionedDataset",
    "CSVDataset",
    "CachedDataset",
    "CatalogConfigResolver",
    "CredentialsNotFoundError",
    "DataCatalog",
    "DatasetAlreadyExistsError",
    "DatasetError",
    "DatasetNotFoundError",
    "DatasetNotPicklableError",
    "DatasetTypeNotFoundError",
    "DatasetValueError",
    "JSONDataset",
    "MemoryDataset",
    "ParallelRunnerManager",
    "ParquetDataset",
    "PickleDataset",
    "SharedMemoryDataCatalog",
    "SharedMemoryDataset",
    "Version",
    "VersionAlreadyExistsError",
    "VersionNotFoundError",
    "dataset_exists",
    "find_unpicklable",
    "generate_timestamp",
    "get_filepath_str",
    "get_protocol_and_path",
    "is_dataset",
    "is_ephemeral",
    "is_single_process",
    "parse_dataset_definition",
    "release_dataset",
    "validate_on_forbidden_chars",
]
