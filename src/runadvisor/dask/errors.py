"""What the Dask integration can raise, as typed data, and the check that Dask is there."""

from __future__ import annotations

import importlib.util
from typing import Any

from runadvisor.exceptions import RunAdvisorError
from runadvisor.runners.errors import RunnerError, WorkerDiedError

INSTALL = "pip install 'runadvisor[dask]'"


class DaskNotInstalledError(RunAdvisorError, ImportError):
    """DaskRunner was asked for, but dask.distributed is not installed."""

    def __init__(self) -> None:
        super().__init__(f"DaskRunner needs dask.distributed, which is not installed: {INSTALL}.")

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), ())


class DaskClusterError(RunnerError):
    """The Dask cluster could not be reached or started (``address``: where, or None)."""

    def __init__(self, address: str | None, reason: str) -> None:
        self.address = address
        self.reason = reason
        where = f"the Dask scheduler at {address}" if address else "a local Dask cluster"
        fix = (
            "check the address and that the scheduler runs (dask scheduler), or leave "
            "address unset for a local cluster"
            if address
            else "check that this machine can start processes and open local ports"
        )
        super().__init__(f"Could not use {where}: {reason}. Fix: {fix}.")

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.address, self.reason))


class WorkerLostError(WorkerDiedError):
    """A Dask worker died while running ``node`` (``worker``: its address; ``attempts``:
    how many workers tried the node and died)."""

    def __init__(self, node: str, worker: str | None, attempts: int) -> None:
        RuntimeError.__init__(
            self,
            f"Node '{node}' was running on Dask worker {worker or '(unknown)'}, which died; "
            f"{attempts} worker(s) died running it. The usual cause is memory (the node needs "
            "more than a worker may use: fewer threads per worker, or workers with more "
            "memory), or a crash in native code.",
        )
        self.node = node
        self.pid = None
        self.exitcode = None
        self.worker = worker
        self.attempts = attempts

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.node, self.worker, self.attempts))


def installed() -> bool:
    """Whether dask.distributed can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec("distributed") is not None
    except (ImportError, ValueError):
        return False


def require() -> Any:
    """The ``distributed`` module; :class:`DaskNotInstalledError` when it is missing."""
    try:
        import distributed
    except ImportError:
        raise DaskNotInstalledError() from None
    return distributed
