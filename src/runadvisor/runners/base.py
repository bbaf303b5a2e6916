"""What every runner does around the scheduler loop.

Validate, decide which nodes must run, register intermediates, check free
inputs, build a :class:`RunPlan`, ask the runner for an executor, run the
loop, and turn what happened into outputs or one clear, typed error. Runners
differ only in ``_make_executor(plan)``.
"""

from __future__ import annotations

import logging
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from runadvisor.runners.errors import (
    NodeFailure,
    OtherFailure,
    ResumeHintWarning,
    RunnerError,
    RunTimeoutError,
    attach_failure,
    resume_sentence,
)
from runadvisor.runners.events import NodeEvent
from runadvisor.runners.scheduler import Executor, RunPlan, RunState, RunTimedOut, run_loop

logger = logging.getLogger("runadvisor.runners")


def check_workers(max_workers: Any, runner: str) -> int | None:
    """Validate ``max_workers``: None or a positive int."""
    if max_workers is None:
        return None
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise RunnerError(
            f"{runner}(max_workers={max_workers!r}): max_workers must be a positive integer "
            "(or None for the default)."
        )
    return max_workers


def pipeline_width(nodes: Sequence[Any], parents: dict[Any, Iterable[Any]]) -> int:
    """An upper bound on how many nodes can ever run at once.

    A greedy chain cover (each node extends a chain ending at one of its
    parents, if that chain is still open) is never smaller than the largest set
    of mutually independent nodes, by Dilworth's theorem, and is exact for
    chains, fans and trees.
    """
    open_tails: set[Any] = set()
    chains = 0
    for node in nodes:
        for parent in parents.get(node, ()):
            if parent in open_tails:
                open_tails.discard(parent)
                break
        else:
            chains += 1
        open_tails.add(node)
    return max(1, chains)


class AbstractRunner:
    """The base of every runner: ``run(pipeline, catalog)`` returns the free outputs.

    Subclasses say how tasks reach workers by implementing ``_make_executor``.
    """

    #: Whether a timed-out node's worker is stopped (processes) or runs on (threads).
    _kills_on_timeout = False

    def __init__(self, max_workers: int | None = None, is_async: bool = False) -> None:
        self._max_workers = check_workers(max_workers, type(self).__name__)
        self._is_async = is_async

    @property
    def max_workers(self) -> int | None:
        """Workers asked for (None: the runner's default)."""
        return self._max_workers

    def __repr__(self) -> str:
        workers = "" if self._max_workers is None else f"max_workers={self._max_workers}"
        return f"{type(self).__name__}({workers})"

    def _default_workers(self) -> int:
        return 1

    def workers_for(self, pipeline: Any) -> int:
        """Workers this runner would use on ``pipeline``: asked or default, capped by its width."""
        width = pipeline_width(pipeline.nodes, pipeline.node_dependencies)
        return max(1, min(self._max_workers or self._default_workers(), width))

    def run(
        self,
        pipeline: Any,
        catalog: Any = None,
        hook_manager: Any = None,
        run_id: str | None = None,
        only_missing_outputs: bool = False,
        *,
        observers: Sequence[Callable[[NodeEvent], Any]] = (),
        timeout: float | None = None,
        node_timeout: float | None = None,
    ) -> dict[str, Any]:
        """Run ``pipeline`` against ``catalog``; return ``{name: dataset}`` for its free outputs.

        ``observers`` are called with each ``NodeEvent``; ``timeout`` bounds the
        whole run and ``node_timeout`` each node, in seconds.
        """
        from runadvisor.io import DataCatalog, MemoryDataset

        if catalog is None:
            catalog = DataCatalog()
        for name, value in (("timeout", timeout), ("node_timeout", node_timeout)):
            if value is not None and (isinstance(value, bool) or not value > 0):
                raise RunnerError(f"{name}={value!r}: give a positive number of seconds, or None.")
        if only_missing_outputs:  # first, as Kedro: skipped nodes need no inputs
            pipeline = _missing_outputs_pipeline(pipeline, catalog)
        free_inputs = pipeline.inputs()
        free_outputs = pipeline.outputs()
        _check_inputs(catalog, free_inputs, pipeline)
        for name in sorted(pipeline.datasets()):
            if name not in catalog:
                catalog[name] = MemoryDataset()
        plan = self._plan(
            pipeline, catalog, free_inputs | free_outputs, observers, timeout, node_timeout
        )
        state = RunState()
        if plan.nodes:
            state = self._run_plan(plan, observers, timeout, node_timeout)
        if state.failed:
            raise self._failure(pipeline, catalog, state)
        return {name: catalog[name] for name in sorted(free_outputs)}

    def _plan(
        self,
        pipeline: Any,
        catalog: Any,
        keep: set[str],
        observers: Sequence[Any],
        timeout: float | None,
        node_timeout: float | None,
    ) -> RunPlan:
        nodes = pipeline.nodes
        consumers: dict[str, int] = {}
        for node in nodes:
            for name in node.inputs:
                consumers[name] = consumers.get(name, 0) + 1
        probes = tuple(p for p in (getattr(o, "task_probe", None) for o in observers) if p)
        return RunPlan(
            nodes=nodes,
            parents=pipeline.node_dependencies,
            consumers=consumers,
            keep=frozenset(keep),
            catalog=catalog,
            workers=self.workers_for(pipeline),
            probes=probes,
            timed=timeout is not None or node_timeout is not None,
        )

    def _run_plan(
        self,
        plan: RunPlan,
        observers: Sequence[Any],
        timeout: float | None,
        node_timeout: float | None,
    ) -> RunState:
        executor = self._make_executor(plan)
        try:
            state = run_loop(plan, executor, observers, timeout=timeout, node_timeout=node_timeout)
        except RunTimedOut as late:
            executor.shutdown(cancel=True)
            raise RunTimeoutError(
                late.kind, late.limit, [n.name for n in late.nodes], self._kills_on_timeout
            ) from None
        except BaseException:
            executor.shutdown(cancel=True)
            raise
        executor.shutdown(cancel=bool(state.failed))
        return state

    def _make_executor(self, plan: RunPlan) -> Executor:
        """The executor that runs ``plan``'s tasks: the one thing a runner decides."""
        raise NotImplementedError

    def _failure(self, pipeline: Any, catalog: Any, state: RunState) -> BaseException:
        node, error = state.failed[0]
        resume = resume_nodes(pipeline, catalog, done=set(state.done))
        failure = NodeFailure(
            node=node.name,
            runner=type(self).__name__,
            resume_from=tuple(n.name for n in resume),
            others=tuple(
                OtherFailure(other.name, type(exc).__name__, str(exc))
                for other, exc in state.failed[1:]
            ),
        )
        attach_failure(error, failure)
        if failure.resume_from:
            warnings.warn(
                f"There are {len(resume)} node(s) to resume from. {resume_sentence(failure)}",
                ResumeHintWarning,
                stacklevel=3,
            )
        return error


def _check_inputs(catalog: Any, free_inputs: set[str], pipeline: Any) -> None:
    from runadvisor.io import DatasetNotFoundError
    from runadvisor.io.catalog import dataset_exists, is_ephemeral

    used = pipeline.datasets()
    for node in pipeline.nodes:
        unknown = [n for n in getattr(node, "confirms", ()) if n not in catalog and n not in used]
        if unknown:
            raise DatasetNotFoundError(
                f"Node '{node.name}' confirms {unknown}, which the catalog does not have: add "
                "them to the DataCatalog, or drop them from the node's confirms=."
            )

    missing = sorted(name for name in free_inputs if name not in catalog)
    if missing:
        hints = _spelling_hints(missing, catalog)
        raise RunnerError(
            f"Pipeline input(s) {missing} not found in the catalog: no node produces them "
            f"and the catalog has no dataset of that name{hints}. Add them to the DataCatalog "
            "(or check the spelling of the node inputs)."
        )
    empty = sorted(
        name
        for name in free_inputs
        if is_ephemeral(catalog[name]) and not dataset_exists(catalog[name])
    )
    if empty:
        from runadvisor.runners.errors import EmptyInputError

        raise EmptyInputError(
            f"Pipeline input(s) {empty} are registered in the catalog as empty in-memory "
            "datasets: no node produces them and nothing was saved to them. Give them "
            "data (MemoryDataset(data=...)) or a file dataset."
        )


def _spelling_hints(missing: list[str], catalog: Any) -> str:
    """`` ('raw_sale': did you mean 'raw_sales'?)`` for names one slip from a catalog entry."""
    import difflib  # only on this error path

    keys = getattr(catalog, "keys", None)
    known = [str(k) for k in keys()] if callable(keys) else []
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, known, n=2, cutoff=0.75)
        if close:
            hints.append(f"{name!r}: did you mean {' or '.join(repr(c) for c in close)}?")
    return f" ({'; '.join(hints)})" if hints else ""


def _missing_outputs_pipeline(pipeline: Any, catalog: Any) -> Any:
    """The nodes ``only_missing_outputs=True`` runs, chosen by Kedro's rule.

    Walking the nodes from last to first, a node runs when it has no outputs
    (a node run for its side effects always runs), when one of its persisted
    outputs is missing, or when a node that runs reads one of its outputs that
    is in memory or missing. Outputs in memory are never "missing" themselves:
    a pipeline whose outputs all live in memory runs nothing.
    """
    from runadvisor.io.catalog import dataset_exists, is_ephemeral

    def persisted_and_missing(name: str) -> bool:
        if name not in catalog:
            return False
        dataset = catalog.get(name)
        return not is_ephemeral(dataset) and not dataset_exists(dataset)

    def in_memory_or_missing(name: str) -> bool:
        if name not in catalog:
            return True
        dataset = catalog.get(name)
        return is_ephemeral(dataset) or not dataset_exists(dataset)

    readers: dict[str, list[Any]] = {}
    for node in pipeline.nodes:
        for name in node.inputs:
            readers.setdefault(name, []).append(node)
    to_run: set[Any] = set()
    for node in reversed(pipeline.nodes):
        if (
            not node.outputs
            or any(persisted_and_missing(name) for name in node.outputs)
            or any(
                in_memory_or_missing(name)
                for name in node.outputs
                if any(reader in to_run for reader in readers.get(name, ()))
            )
        ):
            to_run.add(node)
    names = [node.name for node in pipeline.nodes if node in to_run]
    _log_selection(len(pipeline.nodes), [n.name for n in pipeline.nodes if n not in to_run])
    if not names:
        return type(pipeline)([])
    return pipeline.only_nodes(*names)


def _log_selection(total: int, skipped: list[str]) -> None:
    """Kedro's log lines for ``only_missing_outputs``."""
    if len(skipped) == total:
        logger.info("Skipping all %d nodes (all persistent outputs exist)", total)
        return
    if skipped:
        logger.info(
            "Skipping %d nodes with existing outputs: %s", len(skipped), ", ".join(sorted(skipped))
        )
    logger.info("Running %d out of %d nodes", total - len(skipped), total)


def resume_nodes(pipeline: Any, catalog: Any, done: set[Any]) -> list[Any]:
    """The nodes to rerun from after a failure, by Kedro's rule.

    Every node not done must run again. So must, breadth first, the producers
    of the inputs they read that are not persisted (in-memory data is lost with
    the run; parameters, ``params:...``, are not data to recompute), and then
    everything downstream of those (``from_nodes``). The answer is the first
    topological group of that set: its nodes whose parents are all outside it,
    in pipeline order. ``pipeline.from_nodes(*answer)`` reruns exactly the set.
    """
    from runadvisor.io.catalog import is_ephemeral

    nodes = pipeline.nodes
    remaining = [node for node in nodes if node not in done]
    if not remaining:
        return []
    producers = {name: node for node in nodes for name in node.outputs}
    to_run = set(remaining)
    queue = deque(remaining)
    while queue:
        for name in queue.popleft().inputs:
            producer = producers.get(name)
            if producer is None or producer in to_run or name.startswith("params:"):
                continue
            dataset = catalog.get(name)
            if dataset is None or is_ephemeral(dataset):
                to_run.add(producer)
                queue.append(producer)
    parents = pipeline.node_dependencies
    for node in nodes:  # topological order: a parent is seen before its children
        if node not in to_run and any(p in to_run for p in parents.get(node, ())):
            to_run.add(node)
    return [
        node
        for node in nodes
        if node in to_run and not any(p in to_run for p in parents.get(node, ()))
    ]
