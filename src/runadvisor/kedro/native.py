"""Kedro's own runners, run as ``kedro run --runner X`` runs them, measured for the advisor.

Each class here is what the registry kinds ``kedro-sequential``,
``kedro-thread`` and ``kedro-parallel`` build: given the engine's view of a
Kedro project (:func:`runadvisor.kedro.catalog.bridge`), it runs the Kedro
pipeline with Kedro's runner on a Kedro catalog of the class ``kedro run``
would use (a ``SharedMemoryDataCatalog`` for ``ParallelRunner``), holding the
project's dataset objects, with the project's hooks. Node events come from
the recorder hook (:mod:`runadvisor.kedro.recorder`), in every worker, and
reach the observers (the profiler, a progress bar) when the run ends.
Pipeline hooks do not fire (nor do they for runadvisor's own runners in
``runadvisor advise|run|profile``): a measured run is nodes and datasets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from runadvisor.kedro._kedro import require
from runadvisor.runners.errors import RunnerError


class KedroNativeRunner:
    """Kedro's runner ``_kedro_class`` with runadvisor's runner interface."""

    _kedro_class = "SequentialRunner"
    _takes_workers = True

    def __init__(self, max_workers: int | None = None, is_async: bool = False) -> None:
        if max_workers is not None and (
            isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1
        ):
            raise RunnerError(f"max_workers={max_workers!r}: give a positive whole number.")
        self._max_workers = max_workers if self._takes_workers else None
        self._is_async = is_async

    @property
    def max_workers(self) -> int | None:
        """Workers asked for (None: Kedro's default)."""
        return self._max_workers

    def __repr__(self) -> str:
        workers = f"max_workers={self._max_workers}" if self._max_workers else ""
        return f"kedro.{self._kedro_class}({workers})"

    def workers_for(self, pipeline: Any) -> int:
        """Workers Kedro's runner would use on ``pipeline`` (its own rule)."""
        import os

        if not self._takes_workers:
            return 1
        source = getattr(pipeline, "source", pipeline)
        needed = max(1, len(source.nodes) - len(source.grouped_nodes) + 1)
        if self._kedro_class == "ParallelRunner":
            return min(needed, self._max_workers or os.cpu_count() or 1)
        return min(needed, self._max_workers) if self._max_workers else needed

    def _kedro_runner(self) -> Any:
        cls = getattr(require("kedro.runner"), self._kedro_class)
        if self._takes_workers:
            return cls(max_workers=self._max_workers, is_async=self._is_async)
        return cls(is_async=self._is_async)

    def _kedro_catalog(self, pipeline: Any, catalog: Any) -> Any:
        """A catalog of the class ``kedro run`` gives this runner, with the project's datasets."""
        from runadvisor.kedro.catalog import kedro_dataset

        io = require("kedro.io")
        cls = io.SharedMemoryDataCatalog if self._kedro_class == "ParallelRunner" else None
        source = catalog.kedro_catalog
        if cls is None:
            cls = type(source) if isinstance(source, io.DataCatalog) else io.DataCatalog
        datasets = {}
        for name in sorted(pipeline.datasets()):
            dataset = kedro_dataset(source, name)
            if dataset is not None and not _is_shared_memory_default(dataset, cls):
                datasets[name] = dataset
        # Every dataset of the pipeline that the project configures is here already; the
        # others (intermediates) get the catalog class's own default, as in kedro run.
        return cls(datasets=datasets)

    def run(
        self,
        pipeline: Any,
        catalog: Any,
        hook_manager: Any = None,
        run_id: str | None = None,
        only_missing_outputs: bool = False,
        *,
        observers: Sequence[Callable[[Any], Any]] = (),
        timeout: float | None = None,
        node_timeout: float | None = None,
    ) -> dict[str, Any]:
        """Run the Kedro pipeline behind ``pipeline`` with Kedro's runner; observers get events."""
        from runadvisor.kedro.catalog import RunCatalog
        from runadvisor.kedro.recorder import hooks as recorder
        from runadvisor.kedro.view import RunPipeline

        if not isinstance(pipeline, RunPipeline) or not isinstance(catalog, RunCatalog):
            raise RunnerError(
                f"kedro.{self._kedro_class} runs Kedro projects only: give a Kedro project "
                "(a folder with pyproject.toml and [tool.kedro]), or use a runadvisor runner."
            )
        if timeout is not None or node_timeout is not None:
            raise RunnerError(
                f"kedro.{self._kedro_class} has no timeout: run without --timeout, or use "
                "runadvisor's runners (they stop a run that takes too long)."
            )
        kedro_pipeline = pipeline.source
        catalog.ensure_fresh()  # a new save version when this process did not build it
        kedro_catalog = self._kedro_catalog(kedro_pipeline, catalog)
        manager = hook_manager or catalog.relay.manager_for_run()
        if manager is not None and not manager.is_registered(recorder):
            manager.register(recorder)
        runner = self._kedro_runner()
        probes = [p for p in (getattr(o, "task_probe", None) for o in observers) if p]
        recorder.start(probes)
        try:
            runner.run(
                kedro_pipeline,
                kedro_catalog,
                manager,
                run_id=run_id or catalog.relay.run_id,
                only_missing_outputs=only_missing_outputs,
            )
        finally:
            for event in recorder.finish():
                for observer in observers:
                    observer(event)
            _drop(runner)
        return {name: kedro_catalog[name] for name in sorted(kedro_pipeline.outputs())}


def _is_shared_memory_default(dataset: Any, catalog_class: type) -> bool:
    """An empty plain MemoryDataset (an intermediate's): let the catalog class make its own
    (a SharedMemoryDataCatalog makes one its worker processes share)."""
    from kedro.io import MemoryDataset

    from runadvisor.io.core import dataset_exists

    return (
        type(dataset) is MemoryDataset
        and catalog_class.__name__ == "SharedMemoryDataCatalog"
        and not dataset_exists(dataset)
    )


def _drop(runner: Any) -> None:
    """Stop what the runner started (Kedro's ParallelRunner: its multiprocessing manager)."""
    manager = getattr(runner, "_manager", None)
    if manager is not None:
        try:
            manager.shutdown()
        except Exception:  # already stopped
            pass


class KedroSequentialRunner(KedroNativeRunner):
    """Kedro's SequentialRunner (``kedro run``)."""

    _kedro_class = "SequentialRunner"
    _takes_workers = False


class KedroThreadRunner(KedroNativeRunner):
    """Kedro's ThreadRunner (``kedro run --runner ThreadRunner``)."""

    _kedro_class = "ThreadRunner"


class KedroParallelRunner(KedroNativeRunner):
    """Kedro's ParallelRunner (``kedro run --runner ParallelRunner``)."""

    _kedro_class = "ParallelRunner"
