"""runadvisor: run Kedro-style pipelines, measure them, and get told how to run them.

The public names are imported lazily so that ``import runadvisor`` stays cheap
(pandas, matplotlib and psutil load only where they are used).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # pipeline
    "node": "runadvisor.pipeline",
    "Node": "runadvisor.pipeline",
    "pipeline": "runadvisor.pipeline",
    "Pipeline": "runadvisor.pipeline",
    "CircularDependencyError": "runadvisor.pipeline",
    "OutputNotUniqueError": "runadvisor.pipeline",
    # io
    "AbstractDataset": "runadvisor.io",
    "DatasetError": "runadvisor.io",
    "DatasetNotFoundError": "runadvisor.io",
    "MemoryDataset": "runadvisor.io",
    "CachedDataset": "runadvisor.io",
    "CSVDataset": "runadvisor.io",
    "ParquetDataset": "runadvisor.io",
    "PickleDataset": "runadvisor.io",
    "JSONDataset": "runadvisor.io",
    "DataCatalog": "runadvisor.io",
    "SharedMemoryDataCatalog": "runadvisor.io",
    # runners
    "AbstractRunner": "runadvisor.runners",
    "SequentialRunner": "runadvisor.runners",
    "ThreadRunner": "runadvisor.runners",
    "ParallelRunner": "runadvisor.runners",
    "HybridRunner": "runadvisor.runners",
    "NodeEvent": "runadvisor.runners",
    # profiles
    "Profiler": "runadvisor.profiles",
    "RunProfile": "runadvisor.profiles",
    "NodeRecord": "runadvisor.profiles",
    "profile_run": "runadvisor.profiles",
    # advisor
    "advise": "runadvisor.advisor",
    "advise_from_profile": "runadvisor.advisor",
    "Recommendation": "runadvisor.advisor",
    "PipelineFacts": "runadvisor.advisor",
    # reports
    "write_report": "runadvisor.reports",
    # errors
    "RunAdvisorError": "runadvisor.exceptions",
}

__all__ = sorted(_EXPORTS)

# ``runadvisor.pipeline`` is both a subpackage and a function (as in Kedro). Bind
# the function eagerly: once any module imports the subpackage, Python would set
# the attribute to the module and ``from runadvisor import pipeline`` would break.
# The pipeline package imports only the standard library, so this stays cheap.
from runadvisor.pipeline import (  # noqa: E402, F401
    CircularDependencyError,
    Node,
    OutputNotUniqueError,
    Pipeline,
    node,
    pipeline,
)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'runadvisor' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
