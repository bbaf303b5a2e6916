"""DaskRunner: the scheduler loop over a Dask cluster.

With no address, each run starts a ``LocalCluster`` sized to this machine
(one single-threaded worker process per core, as many as the pipeline can
use) and closes it after the run, Ctrl-C and failures included. With a
scheduler address (``tcp://host:8786``) the run uses that cluster and leaves it
running; ``client=`` reuses a ``distributed.Client`` the caller owns.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from runadvisor import machine
from runadvisor.dask.errors import DaskClusterError, require
from runadvisor.runners.base import AbstractRunner
from runadvisor.runners.scheduler import RunPlan, RunState

#: Seconds to wait for a cluster to answer before giving up.
CONNECT_TIMEOUT = 30.0


class DaskRunner(AbstractRunner):
    """Runs nodes as tasks on a Dask cluster; data stays on the workers.

    ``address``: a scheduler address (None: an embedded LocalCluster).
    ``client``: a ``distributed.Client`` to use instead (never closed here).
    ``max_workers``: worker processes of the embedded cluster (default: one per
    core), never more than the pipeline can use at once. ``threads_per_worker``,
    ``processes`` and ``cluster_options`` go to ``LocalCluster``.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        client: Any = None,
        max_workers: int | None = None,
        threads_per_worker: int = 1,
        processes: bool = True,
        cluster_options: Mapping[str, Any] | None = None,
        is_async: bool = False,
    ) -> None:
        require()
        super().__init__(max_workers=max_workers, is_async=is_async)
        self._address = address
        self._client = client
        self._threads_per_worker = threads_per_worker
        self._processes = processes
        self._cluster_options = dict(cluster_options or {})
        self._active: Any = None
        # Closing a cluster of our own stops its worker processes, and a late node with them.
        self._kills_on_timeout = address is None and client is None and processes

    @property
    def address(self) -> str | None:
        """The scheduler address asked for (None: a local cluster, or the given client's)."""
        return self._address

    def __repr__(self) -> str:
        if self._address:
            return f"{type(self).__name__}({self._address!r})"
        return super().__repr__()

    def _default_workers(self) -> int:
        return machine.usable_cores()

    def _run_plan(self, plan: RunPlan, observers: Any, timeout: Any, node_timeout: Any) -> RunState:
        with self._connected(plan.workers) as client:
            self._active = client
            try:
                return super()._run_plan(plan, observers, timeout, node_timeout)
            finally:
                self._active = None

    def _make_executor(self, plan: RunPlan) -> Any:
        from runadvisor.dask.executor import DaskExecutor

        threads = sum(self._active.nthreads().values())
        return DaskExecutor(plan, self._active, capacity=threads)

    @contextlib.contextmanager
    def _connected(self, workers: int) -> Iterator[Any]:
        """The client for one run: the caller's, one to ``address``, or one to a
        LocalCluster started here; whatever was opened here is closed after the run."""
        if self._client is not None:
            yield self._client
            return
        distributed = require()
        closers: list[Callable[[], Any]] = []
        try:
            try:
                if self._address:
                    client = distributed.Client(
                        self._address, timeout=CONNECT_TIMEOUT, set_as_default=False
                    )
                else:
                    options = {
                        "n_workers": workers,
                        "threads_per_worker": self._threads_per_worker,
                        "processes": self._processes,
                        "dashboard_address": None,
                        "silence_logs": logging.ERROR,
                        **self._cluster_options,
                    }
                    cluster = distributed.LocalCluster(**options)
                    closers.append(cluster.close)
                    client = distributed.Client(cluster, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise DaskClusterError(self._address, f"{type(exc).__name__}: {exc}") from None
            closers.insert(0, client.close)
            yield client
        finally:
            with _quiet_shutdown():
                for close in closers:
                    try:
                        close()
                    except Exception:  # a cluster already gone
                        pass


@contextlib.contextmanager
def _quiet_shutdown() -> Iterator[None]:
    """Dask logs connections that close while a cluster stops; they are expected here."""
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
