"""runadvisor's runners as Kedro runners: ``kedro run --runner runadvisor.kedro.ParallelRunner``.

Each class is a Kedro ``AbstractRunner`` whose ``run()`` hands the Kedro
pipeline and catalog to runadvisor's engine (see :mod:`runadvisor.kedro.catalog`):
the project's node and dataset hooks fire for every node, in worker processes
too; ``only_missing_outputs`` asks each dataset's ``exists()``; a failing node
raises its own exception, and the log says which nodes to resume from with
``--from-nodes``, as ``kedro run`` does.

The worker count, since ``--runner`` takes a class path only:

- ``--runner-params max_workers=4`` (Kedro 1.6 and later), or ``max_workers=``
  from Python;
- a class path with the count: ``runadvisor.kedro.ParallelRunner4``,
  ``runadvisor.kedro.ThreadRunner8`` (made on first use);
- the environment: ``RUNADVISOR_WORKERS=4``;
- else the engine's default (cores for processes, ``min(32, cores + 4)`` for
  threads), never more than the pipeline can run at once.

The first of these that is given wins. The start method of
``ParallelRunner``'s workers: ``RUNADVISOR_MP_CONTEXT``, else
``KEDRO_MP_CONTEXT``, else fork where it exists.
"""

from __future__ import annotations

import logging
import os
import re
import time
import warnings
from typing import Any

from runadvisor.kedro._kedro import require
from runadvisor.kedro.errors import KedroRunnerError
from runadvisor.runners.errors import ResumeHintWarning

WORKERS_ENV = "RUNADVISOR_WORKERS"
_SIZED = re.compile(r"^(ThreadRunner|ParallelRunner)([1-9][0-9]*)$")

_kedro_runner = require("kedro.runner")


def _workers_from(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        count = int(str(value).strip())
    except ValueError:
        count = 0
    if isinstance(value, bool) or count < 1:
        raise KedroRunnerError(
            f"{where}={value!r}: give a positive whole number of workers (or leave it unset "
            "for the default)."
        )
    return count


class _EngineRunner(_kedro_runner.AbstractRunner):
    """A Kedro runner whose work is done by a runadvisor runner kind (``_kind``)."""

    _kind = "sequential"
    _fixed_workers: int | None = None

    def __init__(self, max_workers: int | None = None, is_async: bool = False) -> None:
        super().__init__(is_async=is_async)
        self._max_workers = (
            _workers_from(max_workers, "max_workers")
            or self._fixed_workers
            or _workers_from(os.environ.get(WORKERS_ENV), WORKERS_ENV)
        )

    @property
    def max_workers(self) -> int | None:
        """Workers asked for (None: the engine's default)."""
        return self._max_workers

    @property
    def _logger(self) -> logging.Logger:
        # Under Kedro's logger, so that a project's logging configuration shows our lines
        # where it shows those of Kedro's own runners.
        return logging.getLogger("kedro.runner.runadvisor")

    def __repr__(self) -> str:
        workers = f"max_workers={self._max_workers}" if self._max_workers else ""
        return f"runadvisor.kedro.{type(self).__name__}({workers})"

    def _engine(self) -> Any:
        from runadvisor.runners import registry

        options: dict[str, Any] = {}
        if self._kind == "parallel":
            options["mp_context"] = os.environ.get("RUNADVISOR_MP_CONTEXT") or os.environ.get(
                "KEDRO_MP_CONTEXT"
            )
        return registry.get(self._kind).build(self._max_workers, **options)

    def run(
        self,
        pipeline: Any,
        catalog: Any,
        hook_manager: Any = None,
        run_id: str | None = None,
        only_missing_outputs: bool = False,
    ) -> dict[str, Any]:
        """Run ``pipeline`` on ``catalog`` with runadvisor's engine; Kedro's return value."""
        from runadvisor.kedro.catalog import bridge, copy_back

        package = _package_name()
        view, run_catalog = bridge(
            pipeline,
            catalog,
            hook_manager,
            run_id=run_id,
            is_async=self._is_async,
            package=package,
        )
        engine = self._engine()
        progress = _CompletedNodes(self._logger, len(pipeline.nodes))
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                # The engine's resume hint speaks Python; the log below speaks kedro run.
                warnings.simplefilter("ignore", ResumeHintWarning)
                engine.run(
                    view,
                    run_catalog,
                    only_missing_outputs=only_missing_outputs,
                    observers=[progress],
                )
        except Exception as exc:
            self._suggest_resume(exc)
            raise
        copy_back(run_catalog, pipeline.outputs())
        self._logger.info(
            "Pipeline execution completed successfully in %.1f sec.",
            time.perf_counter() - started,
        )
        return {name: catalog[name] for name in pipeline.outputs()}

    def _suggest_resume(self, exc: BaseException) -> None:
        """Kedro's resume message, from the engine's failure record."""
        from runadvisor.runners import failure_of

        failure = failure_of(exc)
        if failure is None:
            return
        if not failure.resume_from:
            self._logger.warning("No nodes ran. Repeat the previous command to attempt a new run.")
            return
        names = ",".join(sorted(failure.resume_from))
        self._logger.warning(
            "There are nodes that have not run.\nYou can resume the pipeline run from the "
            "nearest nodes with persisted inputs by adding the following argument to your "
            'previous command:\n  --from-nodes "%s"',
            names,
        )

    # Kedro's AbstractRunner asks for these; run() above does the work instead.
    def _get_executor(self, max_workers: int) -> None:
        return None

    def _run(self, pipeline: Any, catalog: Any, hook_manager: Any = None, run_id: Any = None):
        raise NotImplementedError("runadvisor.kedro runners run through run()")


class _CompletedNodes:
    """Logs each completed node as Kedro's runners do."""

    def __init__(self, logger: logging.Logger, total: int) -> None:
        self.logger = logger
        self.total = total
        self.done = 0

    def __call__(self, event: Any) -> None:
        if event.error is not None:
            return
        self.done += 1
        self.logger.info("Completed node: %s", event.node)
        self.logger.info("Completed %d out of %d tasks", self.done, self.total)


def _package_name() -> str | None:
    try:
        from kedro.framework.project import PACKAGE_NAME
    except ImportError:  # pragma: no cover - Kedro is there if we got here
        return None
    return PACKAGE_NAME


class SequentialRunner(_EngineRunner):
    """runadvisor's SequentialRunner for ``kedro run``: one node at a time, in Kedro's order."""

    _kind = "sequential"

    def __init__(self, max_workers: int | None = None, is_async: bool = False) -> None:
        super().__init__(max_workers=None, is_async=is_async)
        self._max_workers = None


class ThreadRunner(_EngineRunner):
    """runadvisor's ThreadRunner for ``kedro run``: nodes in a pool of threads."""

    _kind = "thread"


class ParallelRunner(_EngineRunner):
    """runadvisor's ParallelRunner for ``kedro run``: nodes in worker processes.

    In-memory data moves through shared memory; file datasets load and save in
    the workers; hooks fire in the workers.
    """

    _kind = "parallel"


_BASES = {"ThreadRunner": ThreadRunner, "ParallelRunner": ParallelRunner}
_SIZED_CLASSES: dict[str, type] = {}


def sized_runner(name: str) -> type | None:
    """``ParallelRunner4`` -> a ParallelRunner subclass fixed at 4 workers (None: no such name)."""
    match = _SIZED.match(name)
    if match is None:
        return None
    cls = _SIZED_CLASSES.get(name)
    if cls is None:
        base = _BASES[match.group(1)]
        workers = int(match.group(2))
        cls = type(
            name,
            (base,),
            {
                "_fixed_workers": workers,
                "__doc__": f"{base.__name__} with {workers} workers ({base.__doc__})",
                "__module__": "runadvisor.kedro",
            },
        )
        _SIZED_CLASSES[name] = cls
    return cls
