"""The Dask executor: the scheduler loop's protocol over a Dask client.

The whole run goes to Dask as one graph when the executor starts, so Dask's
scheduler moves data worker to worker and starts each node as soon as its
inputs exist, with no round trip through this process per node. The loop
still decides everything a run reports: it "submits" a node when its parents
are done, and the executor hands back the node's completion once Dask has
finished it and its event has arrived (on the run's event topic). After the
first failure, nodes the loop has not submitted are cancelled.

Where data lives (``placement.place`` under a start method that inherits
nothing):
- file datasets that pickle load and save on the workers, inside the node;
- in-memory outputs stay on the worker that made them, as the task's result,
  until the loop releases the dataset; readers on other workers fetch them
  from there;
- in-memory pipeline inputs are scattered to the cluster once, straight to a
  worker where this process can reach the workers;
- what this process must hold (the pipeline's free outputs, datasets that load
  and save only here) is fetched when its node is done.
"""

from __future__ import annotations

import queue
import time
import traceback
import uuid
from collections.abc import Sequence
from typing import Any

from runadvisor.dask.errors import WorkerLostError
from runadvisor.dask.tasks import NodeSpec, ordered, pick, run_node
from runadvisor.runners.errors import UnpicklableDataError
from runadvisor.runners.placement import (
    holds_data,
    place,
    read_here,
    unpicklable_parts,
    write_here,
)
from runadvisor.runners.scheduler import Completion, RunPlan
from runadvisor.runners.task import Chunks, confirm_datasets, save_chunks

#: Seconds to wait for a finished node's event before reporting it without one.
EVENT_GRACE = 5.0
#: Seconds to try reaching the workers directly before sending inputs through the scheduler.
SCATTER_TIMEOUT = 10.0


class _RemoteTraceback(Exception):
    """The worker's formatted traceback, attached as the ``__cause__`` of a node's error."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def check_pickles(nodes: Sequence[Any], catalog: Any, probes: Sequence[Any]) -> None:
    """Before anything runs: node functions, probes and in-memory pipeline inputs must
    pickle to reach Dask's workers. Raises UnpicklableDataError naming each one."""
    problems = unpicklable_parts(nodes, catalog, probes, functions=True)
    if problems:
        raise UnpicklableDataError(
            "DaskRunner must send nodes and data to Dask workers, and some of it cannot be "
            "pickled:\n  - " + "\n  - ".join(problems) + "\nUse ThreadRunner or "
            "HybridRunner (inline or threads for these nodes), make the object picklable, "
            "or keep it in a file dataset.",
            problems,
        )


class DaskExecutor:
    """Runs a plan's nodes on the cluster behind ``client`` (see the module doc)."""

    def __init__(self, plan: RunPlan, client: Any, *, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self._client = client
        self._catalog = plan.catalog
        check_pickles(plan.nodes, plan.catalog, plan.probes)
        self._in_workers = place(plan.nodes, plan.catalog, "spawn").in_workers
        self._token = uuid.uuid4().hex[:12]
        self._topic = f"runadvisor-{self._token}"
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._by_name = {node.name: node for node in plan.nodes}
        self._futures: dict[Any, Any] = {}  # node -> its future, until delivered
        # dataset -> (future holding its data, the output to pick from its value or None)
        self._holders: dict[str, tuple[Any, str | None]] = {}
        self._finished: dict[Any, tuple[Any, float]] = {}  # node -> (future, when done)
        self._events: dict[str, Any] = {}  # node name -> its NodeEvent
        self._submitted: list[Any] = []  # submitted by the loop, not yet delivered
        self._delivered: set[Any] = set()
        self._failed = False
        self._offset = time.time() - time.perf_counter()
        self._here = {
            name
            for node in plan.nodes
            for name in node.outputs
            if name not in self._in_workers
            and (name in plan.keep or not holds_data(plan.catalog[name]))
        }
        client.subscribe_topic(self._topic, self._queue.put)  # before the graph: in order
        try:
            self._submit_graph(plan)
        except BaseException:
            self.shutdown(cancel=True)
            raise

    # -- the graph -----------------------------------------------------------------
    def _submit_graph(self, plan: RunPlan) -> None:
        nodes, catalog = plan.nodes, plan.catalog
        inside = self._in_workers
        produced = {out: node for node in nodes for out in node.outputs}
        by_base = {out.split("@", 1)[0]: out for out in produced}

        def producer(name: str) -> tuple[Any, str] | tuple[None, None]:
            """The node writing ``name`` and its own name for it (transcoding: one dataset)."""
            out = name if name in produced else by_base.get(name.split("@", 1)[0])
            return (produced[out], out) if out is not None else (None, None)

        free = sorted(
            {n for node in nodes for n in node.inputs if n not in inside and not producer(n)[0]}
        )
        scattered = {}
        if free:  # a list, not a dict: a dict's keys would become the cluster's keys
            values = [read_here(catalog[name]) for name in free]
            scattered = dict(zip(free, self._scatter(values)))
        self._holders.update({name: (future, None) for name, future in scattered.items()})
        key = {node: f"{node.name}-{self._token}" for node in nodes}
        resident = {node: [out for out in node.outputs if out not in inside] for node in nodes}
        graph: dict[str, Any] = {}
        picks: dict[str, str] = {}  # output -> key of its own value (nodes with several)
        ordering: dict[Any, str] = {}  # node -> key of a value that only orders
        for node in nodes:
            if len(resident[node]) > 1:
                for out in resident[node]:
                    picks[out] = f"{key[node]}:{out}"
                    graph[picks[out]] = (pick, key[node], out)
        for node in nodes:
            args: list[tuple[str | None, str | None]] = []
            values: list[Any] = []
            for name in node.inputs:
                source, out = producer(name)
                if name in inside:
                    if source is not None:  # written by another node first: wait for it
                        args.append((None, None))
                        values.append(self._order_key(source, key, resident, ordering, graph))
                    continue
                if source is None:
                    args.append((name, None))
                    values.append(scattered[name])
                elif out in picks:
                    args.append((name, None))
                    values.append(picks[out])
                else:
                    args.append((name, out))
                    values.append(key[source])
            datasets = {
                name: catalog[name]
                for name in (*node.inputs, *node.outputs, *node.confirms)
                if name in inside
            }
            spec = NodeSpec(node, tuple(args), datasets, tuple(plan.probes), self._topic)
            graph[key[node]] = (run_node, spec, *values)
        wanted = [key[node] for node in nodes] + list(picks.values())
        futures = dict(zip(wanted, self._client.get(graph, wanted, sync=False)))
        for node in nodes:
            future = futures[key[node]]
            self._futures[node] = future
            for out in resident[node]:
                own = futures.get(picks.get(out, ""))
                self._holders[out] = (own, None) if own is not None else (future, out)
            future.add_done_callback(lambda f, node=node: self._queue.put((node, f)))

    def _scatter(self, values: list[Any]) -> list[Any]:
        """Send the pipeline's in-memory inputs to the workers: straight to them where
        this process can reach them (no copy here, nothing through the scheduler), else
        through the scheduler."""
        try:
            return self._client.scatter(values, hash=False, direct=True, timeout=SCATTER_TIMEOUT)
        except (OSError, TimeoutError):
            return self._client.scatter(values, hash=False)

    @staticmethod
    def _order_key(
        source: Any,
        key: dict[Any, str],
        resident: dict[Any, list[str]],
        ordering: dict[Any, str],
        graph: dict[str, Any],
    ) -> str:
        """A key that is done once ``source`` is, and whose value is small."""
        if not resident[source]:
            return key[source]  # its result is an empty dict
        if source not in ordering:
            ordering[source] = f"{key[source]}:done"
            graph[ordering[source]] = (ordered, key[source])
        return ordering[source]

    # -- the protocol ----------------------------------------------------------------
    def submit(self, node: Any) -> None:
        self._submitted.append(node)

    def wait(self, timeout: float | None) -> list[Completion]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self._drain(block=False)
            done = self._deliverable()
            if done:
                return done
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return []
            waiting = any(node in self._finished for node in self._submitted)
            step = 0.05 if waiting else 1.0  # waiting for an event, or for Dask
            self._drain(block=True, timeout=step if left is None else min(step, left))

    def _drain(self, block: bool, timeout: float | None = None) -> None:
        try:
            item = self._queue.get(timeout=timeout) if block else self._queue.get_nowait()
        except queue.Empty:
            return
        while True:
            self._take(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return

    def _take(self, item: Any) -> None:
        first, second = item
        if isinstance(second, dict):  # (timestamp, message) from the event topic
            event = _unpack(second, self._offset)
            if event is not None:
                self._events.setdefault(event.node, event)
        elif first not in self._finished:  # (node, future) from a done callback
            self._finished[first] = (second, time.monotonic())

    def _deliverable(self) -> list[Completion]:
        out = []
        for node in list(self._submitted):
            finished = self._finished.get(node)
            if finished is None:
                continue
            future, when = finished
            completion = self._completion(node, future, time.monotonic() - when)
            if completion is not None:
                self._submitted.remove(node)
                self._delivered.add(node)
                self._futures.pop(node, None)
                out.append(completion)
        if any(c.error is not None for c in out) and not self._failed:
            self._failed = True
            self._cancel_undelivered()  # after a failure nothing new starts
        return out

    def _completion(self, node: Any, future: Any, waited: float) -> Completion | None:
        from distributed import KilledWorker

        event = self._events.get(node.name)
        status = future.status
        if status == "finished":
            if event is None and waited < EVENT_GRACE:
                return None
            return Completion(node, event, self._fetch(node))
        if status == "cancelled":
            return Completion(node, event, _cancelled(node))
        error = future.exception()
        if isinstance(error, KilledWorker):
            worker = getattr(error.last_worker, "address", None)
            return Completion(
                node, None, WorkerLostError(node.name, worker, error.allowed_failures + 1)
            )
        if event is None and waited < EVENT_GRACE:
            return None
        tb = future.traceback()
        if tb is not None and error is not None and error.__cause__ is None:
            text = "".join(traceback.format_exception(type(error), error, tb))
            error.__cause__ = _RemoteTraceback(text)
        return Completion(node, event, error)

    def _fetch(self, node: Any) -> BaseException | None:
        """Bring the outputs this process must hold here, and confirm its datasets here."""
        try:
            for name in node.outputs:
                if name not in self._here:
                    continue
                future, out = self._holders[name]
                value = future.result()
                value = value[out] if out is not None else value
                dataset = self._catalog[name]
                if isinstance(value, Chunks):
                    save_chunks(dataset, value)
                else:
                    write_here(dataset, value)
            here = [name for name in node.confirms if name not in self._in_workers]
            confirm_datasets(here, self._catalog)
        except Exception as exc:
            return exc
        return None

    def _cancel_undelivered(self) -> None:
        pending = [f for n, f in self._futures.items() if n not in self._submitted and not f.done()]
        if pending:
            try:
                self._client.cancel(pending)
            except Exception:  # the cluster may be going away already
                pass

    def release(self, dataset: str) -> None:
        self._holders.pop(dataset, None)  # the cluster frees it once no task needs it
        self._catalog.release(dataset)

    def shutdown(self, cancel: bool = False) -> None:
        futures = [*self._futures.values(), *(f for f, _ in self._holders.values())]
        try:
            self._client.unsubscribe_topic(self._topic)
        except Exception:
            pass
        if cancel and futures:
            try:
                self._client.cancel(futures)
            except Exception:
                pass
        self._futures.clear()
        self._holders.clear()
        self._finished.clear()
        self._submitted.clear()


def _unpack(message: dict[str, Any], offset: float) -> Any:
    """The NodeEvent in a topic message, on this process's ``perf_counter`` clock."""
    import pickle

    try:
        event = pickle.loads(message["event"])
    except Exception:
        return None
    shift = float(message.get("offset", offset)) - offset  # 0 on this machine
    event.start += shift
    event.end += shift
    event.extras.setdefault("dask.worker", message.get("worker"))
    return event


def _cancelled(node: Any) -> BaseException:
    from concurrent.futures import CancelledError

    return CancelledError(f"Node '{node.name}' was cancelled on the Dask cluster.")
