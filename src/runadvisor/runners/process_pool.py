"""The process executor: a small pool of worker processes, one pipe each.

Why not ``concurrent.futures.ProcessPoolExecutor``: with one pipe per worker we
always know which node runs in which process, so a worker that dies (SIGKILL,
out of memory, ``os._exit``) is reported with the node it was running, at once,
instead of a ``BrokenProcessPool`` that names nothing; and a hand-off is one
``send_bytes``/``recv_bytes`` pair with no feeder thread in between.

What travels: the run's table of nodes, probes and worker-side datasets goes
to each worker once (inherited for free under fork, cloudpickled under spawn or
forkserver); a task is then a node index plus the payloads of the inputs that
live in the parent (memory datasets). File datasets load and save inside the
worker. Outputs that belong to parent-side datasets come back as payloads and
are saved into the parent's catalog.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import traceback
import warnings
from contextlib import nullcontext
from multiprocessing.connection import wait as wait_for_ready
from typing import Any

import cloudpickle

from runadvisor.machine import background_paused, other_threads, shm_available
from runadvisor.runners import transfer
from runadvisor.runners.errors import ForkWithThreadsWarning, UnpicklableDataError, WorkerDiedError
from runadvisor.runners.placement import Placement, holds_data, read_here, write_here
from runadvisor.runners.scheduler import Completion, RunPlan
from runadvisor.runners.task import Chunks, confirm_datasets, execute_node, save_chunks

_STOP = b""
_worker_table: Any = None  # set in the parent before fork, or sent under spawn


class _RemoteTraceback(Exception):
    """Carries the worker's formatted traceback as the ``__cause__`` of its error."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


def _worker_main(conn: Any, table_bytes: bytes | None, prefix: str | None) -> None:
    """Loop in a worker: take a task, run it, send back outputs and event."""
    global _worker_table
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if table_bytes is not None:
        _worker_table = pickle.loads(table_bytes)
    nodes, datasets, probes = _worker_table
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if message == _STOP:
            return
        conn.send_bytes(_run_task(message, nodes, datasets, probes, prefix))


def _run_task(message: bytes, nodes: Any, datasets: Any, probes: Any, prefix: str | None) -> bytes:
    index, payloads = pickle.loads(message)
    node = nodes[index]
    error: BaseException | None = None
    event = None
    out: dict[str, transfer.Payload] = {}
    try:
        given = {name: transfer.loads(payload) for name, payload in payloads.items()}
        returned, event, error = execute_node(node, given, datasets[index], probes)
        if error is None:
            for name, value in returned.items():
                try:
                    out[name] = transfer.dumps(value, prefix)
                except Exception as exc:
                    raise _output_not_picklable(node, name, value, exc) from None
    except Exception as exc:
        error = exc
    for payload in out.values() if error is not None else ():
        transfer.discard(payload)
    if error is not None:
        out = {}
        tb = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        try:
            error_bytes = cloudpickle.dumps(error)
        except Exception:
            error_bytes = cloudpickle.dumps(RuntimeError(f"{type(error).__name__}: {error}"))
        return pickle.dumps((out, event, error_bytes, tb))
    return pickle.dumps((out, event, None, None))


def _output_not_picklable(node: Any, name: str, value: Any, exc: Exception) -> Exception:
    from runadvisor.io.pickling import find_unpicklable

    where = find_unpicklable(value, root=name) or f"{name}: {exc}"
    return UnpicklableDataError(
        f"Node '{node.name}' returned output '{name}', which cannot be sent back from its "
        f"worker process: {where}. Use ThreadRunner (no pickling), or save '{name}' "
        "to a file dataset so it never leaves the worker.",
        [f"output {where}"],
    )


class ProcessExecutor:
    """Runs tasks in ``max_workers`` processes started for one run."""

    def __init__(
        self, plan: RunPlan, placement: Placement, mp_context: str, *, explicit: bool = False
    ) -> None:
        nodes, catalog = plan.nodes, plan.catalog
        self.capacity = plan.workers
        self._catalog = catalog
        self._index = {node: i for i, node in enumerate(nodes)}
        self._placement = placement
        self._shipped: dict[str, transfer.Payload] = {}
        self._busy: dict[Any, tuple[Any, Any]] = {}  # connection -> (process, node)
        self._idle: list[tuple[Any, Any]] = []
        self._prefix = transfer.run_prefix(id(self)) if shm_available() else None
        inside = placement.in_workers
        datasets = [
            {name: catalog[name] for name in (*n.inputs, *n.outputs, *n.confirms) if name in inside}
            for n in nodes
        ]
        table = (list(nodes), datasets, tuple(plan.probes))
        context = multiprocessing.get_context(mp_context)
        if mp_context == "forkserver":
            # The server imports the worker's code once; each worker forked from it then
            # starts warm (about 0.5 s less per run here). No effect once it runs.
            context.set_forkserver_preload([__name__])
        table_bytes = None if mp_context == "fork" else cloudpickle.dumps(table)
        global _worker_table
        _worker_table = table
        self._processes = []
        try:
            # Our own background threads (the profiler's) stop while the workers fork.
            with background_paused() if mp_context == "fork" else nullcontext():
                if mp_context == "fork" and explicit:
                    _warn_if_threads_running()
                for _ in range(plan.workers):
                    parent_end, child_end = context.Pipe(duplex=True)
                    process = context.Process(
                        target=_worker_main,
                        args=(child_end, table_bytes, self._prefix),
                        name="runadvisor-worker",
                        daemon=True,
                    )
                    process.start()
                    child_end.close()
                    self._processes.append(process)
                    self._idle.append((parent_end, process))
        except BaseException:
            self.shutdown(cancel=True)
            raise
        finally:
            _worker_table = None

    def submit(self, node: Any) -> None:
        travels = self._placement.travels
        payloads = {name: self._ship(name) for name in node.inputs if travels(name)}
        conn, process = self._idle.pop()
        self._busy[conn] = (process, node)
        conn.send_bytes(pickle.dumps((self._index[node], payloads)))

    def _ship(self, name: str) -> transfer.Payload:
        payload = self._shipped.get(name)
        if payload is None:
            value = read_here(self._catalog[name])
            payload = transfer.dumps(value, self._prefix, receiver_unlinks=False)
            self._shipped[name] = payload
        return payload

    def wait(self, timeout: float | None, wake: Any = None) -> list[Completion]:
        """Completions, as the protocol says; ``wake`` (anything ``connection.wait``
        accepts) also ends the wait when it becomes readable (then maybe with [])."""
        watched: list[Any] = list(self._busy) + ([] if wake is None else [wake])
        sentinels = {process.sentinel: conn for conn, (process, _) in self._busy.items()}
        ready = wait_for_ready(watched + list(sentinels), timeout)
        done = []
        ready_conns = [r for r in ready if r in self._busy]
        for conn in ready_conns:
            done.append(self._receive(conn))
        for sentinel in ready:
            conn = sentinels.get(sentinel)
            if conn is None or conn not in self._busy or conn in ready_conns:
                continue
            if conn.poll():  # the result arrived just before the process ended
                done.append(self._receive(conn))
                continue
            process, node = self._busy.pop(conn)
            process.join(0.1)
            done.append(
                Completion(node, None, WorkerDiedError(node.name, process.pid, process.exitcode))
            )
        return done

    def _receive(self, conn: Any) -> Completion:
        process, node = self._busy.pop(conn)
        try:
            out, event, error_bytes, tb = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            process.join(0.1)
            return Completion(node, None, WorkerDiedError(node.name, process.pid, process.exitcode))
        self._idle.append((conn, process))
        if error_bytes is not None:
            error = pickle.loads(error_bytes)
            error.__cause__ = _RemoteTraceback(tb)
            return Completion(node, event, error)
        try:
            for name, payload in out.items():
                dataset = self._catalog[name]
                keep = holds_data(dataset)
                # A fresh object from the worker: where the dataset holds data it is stored
                # without copying, and its payload (segment included) kept to send on to
                # the nodes that read it.
                payload.receiver_unlinks = not keep
                value = transfer.loads(payload)
                if isinstance(value, Chunks):  # a generator node's chunks, saved in order
                    transfer.discard(payload)
                    save_chunks(dataset, value)
                    continue
                if value is None:  # the dataset's own save decides, as in-process runners do
                    transfer.discard(payload)
                    dataset.save(value)
                    continue
                if keep:
                    self._shipped[name] = payload
                write_here(dataset, value)
            here = [name for name in node.confirms if self._placement.travels(name)]
            confirm_datasets(here, self._catalog)  # the worker confirmed the others
        except Exception as exc:
            for payload in out.values():
                transfer.discard(payload)
            return Completion(node, event, exc)
        return Completion(node, event, None)

    def release(self, dataset: str) -> None:
        transfer.discard(self._shipped.pop(dataset, None))
        self._catalog.release(dataset)

    def shutdown(self, cancel: bool = False) -> None:
        """End every worker: politely after a clean run, at once after a failure."""
        connections = [conn for conn, _ in self._idle] + list(self._busy)
        if not cancel:
            for conn in connections:
                try:
                    conn.send_bytes(_STOP)
                except OSError:
                    pass
            for process in self._processes:
                process.join(2.0)
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join(1.0)
        for conn in connections:
            conn.close()
        for process in self._processes:
            process.close() if process.exitcode is not None else None
        self._processes = []
        self._idle.clear()
        self._busy.clear()
        for payload in self._shipped.values():
            transfer.discard(payload)
        self._shipped.clear()
        if self._prefix is not None:
            transfer.sweep(self._prefix)


def _warn_if_threads_running() -> None:
    others = other_threads()
    if others:
        warnings.warn(
            f"{len(others)} other thread(s) are running in this process ({', '.join(others[:5])}) "
            "and ParallelRunner was asked to fork: a child can deadlock on a lock one of them "
            "held. Leave mp_context unset (runadvisor then forks only when no other thread "
            "runs), or use mp_context='forkserver' or 'spawn'.",
            ForkWithThreadsWarning,
            stacklevel=4,
        )
