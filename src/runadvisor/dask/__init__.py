"""runadvisor on dask.distributed: ``DaskRunner`` (the ``runadvisor[dask]`` extra).

An edge package: it depends on the core, never the other way round, and
importing it imports nothing of Dask. ``DaskRunner`` runs a pipeline on a
Dask cluster: an embedded ``LocalCluster`` sized to this machine (closed after
the run) or the cluster at a scheduler address. Without the extra, building a
``DaskRunner`` raises :class:`DaskNotInstalledError` with the pip line.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DaskRunner": "runadvisor.dask.runner",
    "DaskExecutor": "runadvisor.dask.executor",
    "DaskNotInstalledError": "runadvisor.dask.errors",
    "WorkerLostError": "runadvisor.dask.errors",
    "require": "runadvisor.dask.errors",
    "installed": "runadvisor.dask.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'runadvisor.dask' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
