"""Runs in a fresh subprocess, so that a hang, a crash or an out-of-memory kill is a finding.

(The jobs the advisor runs this way, and their results, are in ``measure.py``.)

Every run the advisor makes (the profiled sequential "facts" run, the machine
probe, each measured candidate) happens in a child process started for it and
for nothing else. On Linux the child is forked: it inherits the pipeline and
the catalog as they are (lambdas and unpicklable objects included) and works
on its own copy-on-write copy, so the caller's catalog is never touched and
every run starts from the same data. Where another thread runs here (a fork
beside it could hang) or fork does not exist, the child starts by forkserver or
spawn and gets them by cloudpickle.

The parent waits at most ``timeout`` seconds. A child that runs over is
killed with its whole process tree (a ParallelRunner's workers included) and
the shared-memory segments its runner left are removed; one that dies is
reported with the signal; an exception inside it comes back rebuilt, with its
traceback. Nothing is left running afterwards. The child's stdout and stderr
go to ``os.devnull``: a node that prints would otherwise print once per run.

Datasets that write files (CSV, Parquet, Pickle...) are written by every run:
they are the pipeline's own outputs.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_for_ready
from typing import Any

import cloudpickle

from runadvisor.advisor.status import CRASHED, FAILED, OK, TIMEOUT, UNPICKLABLE
from runadvisor.machine import background_paused, default_start_method

_EXIT_GRACE = 2.0  # seconds a child that has answered gets to exit on its own


@dataclass
class Outcome:
    """What became of one isolated run.

    ``status`` is ``"ok"``, ``"timeout"``, ``"crashed"``, ``"failed"`` or
    ``"unpicklable"``; ``value`` is what the job returned (when ok); ``reason``
    says in one line what went wrong; ``error`` is the job's exception rebuilt in
    this process (failed/unpicklable), with the child's traceback as its cause;
    ``running`` the watched nodes that had started but not finished when a
    run timed out.
    """

    status: str
    value: Any = None
    reason: str | None = None
    error: BaseException | None = None
    exitcode: int | None = None
    elapsed: float = 0.0
    running: list[str] = field(default_factory=list)


class _ChildTraceback(Exception):
    """The child's formatted traceback, attached as ``__cause__`` of a rebuilt error."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def run_isolated(
    job: Callable[..., Any],
    args: Sequence[Any] = (),
    timeout: float | None = None,
    watch: Sequence[str] = (),
) -> Outcome:
    """Call ``job(*args)`` in a fresh child process and return what became of it.

    ``job`` must return picklable data. Never raises for what happens in the
    child; a KeyboardInterrupt in the parent kills the child and propagates.
    ``watch``: node names whose progress the child records (through
    :func:`node_watcher`) in memory shared with this process, so that a run
    that times out names the nodes still running.
    """
    method, payload = _start(job, args)
    context = multiprocessing.get_context(method)
    receiver, sender = context.Pipe(duplex=False)
    states = context.RawArray("b", len(watch)) if watch else None
    process = context.Process(
        target=_child_main,
        args=(sender, payload, states, list(watch)),
        name="runadvisor-advise",
        daemon=False,  # a daemon process may not start the ParallelRunner's workers
    )
    began = time.perf_counter()
    if method == "fork":  # our own background threads (the profiler's) stop for the fork
        with background_paused():
            process.start()
    else:
        process.start()
    sender.close()
    pid = process.pid
    answered = False
    try:
        outcome = _wait(process, receiver, timeout, began)
        answered = outcome.status != TIMEOUT
        if not answered and states is not None:
            outcome.running = [name for name, s in zip(watch, states) if s == _STARTED]
            if outcome.running:
                names = ", ".join(repr(n) for n in outcome.running)
                outcome.reason = (
                    f"still running after {timeout:g} s ({names}): stopped, with its workers"
                )
    finally:
        if answered:
            process.join(_EXIT_GRACE)
        if process.is_alive() or not answered:
            kill_tree(pid)
            process.join(_EXIT_GRACE)
        receiver.close()
        if process.exitcode is not None:
            process.close()
        _sweep_segments(pid)
    return outcome


def _start(job: Callable[..., Any], args: Sequence[Any]) -> tuple[str, Any]:
    """How to start the child, and what to hand it.

    Fork (the child inherits the job as it is, unpicklable data included) when
    no other thread runs here; else forkserver or spawn with the job
    cloudpickled. A job that does not pickle is forked all the same, with a
    warning: there is no other way to run it in a child.
    """
    method = default_start_method()
    if method == "fork":
        return method, (job, tuple(args))
    try:
        return method, cloudpickle.dumps((job, tuple(args)))
    except Exception as exc:
        if "fork" not in multiprocessing.get_all_start_methods():
            raise
        from runadvisor.runners.errors import ForkWithThreadsWarning

        warnings.warn(
            f"Other threads run in this process, so the advisor would start its runs with "
            f"{method}, but the pipeline or catalog does not pickle ({exc}): forking anyway, "
            "which can hang if one of those threads holds a lock.",
            ForkWithThreadsWarning,
            stacklevel=3,
        )
        return "fork", (job, tuple(args))


def _wait(process: Any, receiver: Any, timeout: float | None, began: float) -> Outcome:
    deadline = None if timeout is None else began + timeout
    while True:
        left = None if deadline is None else max(0.0, deadline - time.perf_counter())
        ready = wait_for_ready([receiver, process.sentinel], left)
        elapsed = time.perf_counter() - began
        if receiver in ready or (ready and receiver.poll()):
            try:
                kind, body = receiver.recv()
            except (EOFError, OSError):
                process.join(0.5)
                return _crashed(process.exitcode, elapsed)
            except Exception as exc:  # the answer did not unpickle here
                return Outcome(FAILED, reason=f"the child's answer could not be read: {exc}")
            if kind == OK:
                return Outcome(OK, value=body, elapsed=elapsed)
            return _rebuild_error(body, elapsed)
        if ready:  # the process ended without answering
            process.join(0.5)
            return _crashed(process.exitcode, elapsed)
        if deadline is not None and time.perf_counter() >= deadline:
            return Outcome(
                TIMEOUT,
                reason=f"still running after {timeout:g} s: stopped (with its workers)",
                elapsed=elapsed,
            )


def _crashed(exitcode: int | None, elapsed: float) -> Outcome:
    from runadvisor.runners.errors import describe_exit

    return Outcome(
        CRASHED,
        reason=f"the run's process ended without answering: {describe_exit(exitcode)}",
        exitcode=exitcode,
        elapsed=elapsed,
    )


def _rebuild_error(body: dict[str, Any], elapsed: float) -> Outcome:
    error: BaseException | None = None
    if body.get("pickled") is not None:
        try:
            error = pickle.loads(body["pickled"])
        except Exception:
            error = None
    if error is None:
        error = RuntimeError(f"{body['type']}: {body['message']}")
    if body.get("traceback"):
        error.__cause__ = _ChildTraceback(body["traceback"])
    return Outcome(body["status"], reason=body["reason"], error=error, elapsed=elapsed)


def kill_tree(pid: int | None) -> None:
    """Kill process ``pid`` and all its descendants, and reap them. Safe if already gone."""
    if pid is None:
        return
    import psutil

    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    try:
        root.suspend()  # so it starts no new child between the listing and the kill
    except psutil.Error:
        pass
    try:
        family = root.children(recursive=True)
    except psutil.Error:
        family = []
    for process in [root, *family]:
        try:
            process.kill()
        except psutil.Error:
            pass
    # Grandchildren are reaped by whoever inherits them: wait until they are dead
    # (gone or zombie), not until they are reaped.
    deadline = time.monotonic() + _EXIT_GRACE
    for process in family:
        while time.monotonic() < deadline:
            try:
                if process.status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.Error:
                break
            time.sleep(0.005)


def _sweep_segments(pid: int | None) -> None:
    """Remove /dev/shm segments a killed run's ParallelRunner could not clean up."""
    if pid is None:
        return
    from runadvisor.machine import shm_available
    from runadvisor.runners import transfer

    if shm_available():
        transfer.sweep(transfer.process_prefix(pid))


# -- in the child -------------------------------------------------------------------


_STARTED, _FINISHED = 1, 2
_watched: tuple[Any, dict[str, int]] | None = None  # in the child: (states, name -> index)


class _NodeWatcher:
    """Observer that marks watched nodes started and finished in the shared states."""

    def __init__(self, states: Any, index: dict[str, int]) -> None:
        self._states = states
        self._index = index

    def node_started(self, name: str) -> None:
        i = self._index.get(name)
        if i is not None:
            self._states[i] = _STARTED

    def __call__(self, event: Any) -> None:
        i = self._index.get(event.node)
        if i is not None:
            self._states[i] = _FINISHED


def node_watcher() -> _NodeWatcher | None:
    """In a child of :func:`run_isolated` with ``watch``: an observer recording node progress."""
    if _watched is None:
        return None
    return _NodeWatcher(*_watched)


def _child_main(sender: Any, payload: Any, states: Any = None, watch: Sequence[str] = ()) -> None:
    global _watched
    _quiet()
    if states is not None:
        _watched = (states, {name: i for i, name in enumerate(watch)})
    try:
        job, args = pickle.loads(payload) if isinstance(payload, bytes) else payload
        message: tuple[str, Any] = (OK, job(*args))
    except BaseException as exc:
        message = ("error", _pack_error(exc))
    try:
        sender.send(message)
    except Exception as exc:  # the job's answer did not pickle: say so by type, not by text
        from runadvisor.runners.errors import UnpicklableDataError

        problem = UnpicklableDataError(
            "the run's answer does not pickle, so it could not be sent back to the advisor: "
            f"{type(exc).__name__}: {exc}",
            [f"answer: {type(exc).__name__}: {exc}"],
        )
        sender.send(("error", _pack_error(problem)))
    sender.close()


def _quiet() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills us
    warnings.simplefilter("ignore")
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.close(null)
    except OSError:
        pass


def _pack_error(exc: BaseException) -> dict[str, Any]:
    try:
        pickled: bytes | None = cloudpickle.dumps(exc)
        pickle.loads(pickled)
    except Exception:
        pickled = None
    return {
        "status": classify(exc),
        "type": type(exc).__name__,
        "message": str(exc),
        "reason": describe_error(exc),
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        "pickled": pickled,
    }


def classify(exc: BaseException) -> str:
    """``"unpicklable"`` when data could not cross a process boundary, ``"crashed"`` when a
    worker process died, else ``"failed"`` (decided by type, never by message)."""
    from runadvisor.runners import UnpicklableDataError, WorkerDiedError

    if isinstance(exc, WorkerDiedError):
        return CRASHED
    if isinstance(exc, UnpicklableDataError):
        return UNPICKLABLE
    return FAILED


def describe_error(exc: BaseException) -> str:
    """``Type: first line of the message``, plus which node failed when the run says so."""
    from runadvisor.runners import failure_of

    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    failure = failure_of(exc)
    if failure is not None:
        text += f" (Node '{failure.node}' failed under {failure.runner})"
    return text


# -- jobs ----------------------------------------------------------------------------
