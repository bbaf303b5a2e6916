"""What a run can raise, as typed data.

Each error carries the facts it is about as fields, so that other layers (the
advisor, the command line) decide from types and fields, never from message
text. A node's own exception is re-raised as it was, with a
:class:`NodeFailure` record attached (see :func:`failure_of`).
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from dataclasses import dataclass, field

from runadvisor.exceptions import RunAdvisorError, add_note
from runadvisor.io.core import DatasetError


class RunnerError(RunAdvisorError, ValueError):
    """A run that cannot start as asked: bad option, missing input, unpicklable data."""


class RunTimeoutError(RunAdvisorError, TimeoutError):
    """A node or the whole run took longer than its ``timeout``.

    ``scope`` is ``"run"`` or ``"node"``, ``limit`` the timeout in seconds,
    ``running`` the nodes still running, ``stopped`` whether their workers
    were stopped (processes) or run on in the background (threads).
    """

    def __init__(self, scope: str, limit: float, running: Sequence[str], stopped: bool) -> None:
        self.scope = scope
        self.limit = limit
        self.running = list(running)
        self.stopped = stopped
        names = ", ".join(f"'{name}'" for name in self.running)
        what = "The run" if scope == "run" else "Node(s)"
        message = f"{what} exceeded the {scope} timeout of {limit:g} s; still running: {names}."
        if stopped:
            message += " Their worker processes were stopped."
        else:
            message += (
                " A thread cannot be killed in Python: it keeps running in the background "
                "until it returns. Use ParallelRunner to be able to stop hung nodes."
            )
        super().__init__(message)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.scope, self.limit, self.running, self.stopped))


class UnpicklableDataError(RunnerError, TypeError):
    """Data that must cross a process boundary does not pickle.

    ``problems`` names each thing that does not pickle with the attribute path
    and the reason (``dataset catalog['client'].session: cannot pickle ...``).
    """

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (str(self), self.problems))


class WorkerDiedError(RuntimeError):
    """A worker process ended while it was running a node (``node``, ``pid``, ``exitcode``)."""

    def __init__(self, node: str, pid: int | None, exitcode: int | None) -> None:
        self.node = node
        self.pid = pid
        self.exitcode = exitcode
        super().__init__(
            f"Node '{node}' was running in worker process {pid}, and {describe_exit(exitcode)}."
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.node, self.pid, self.exitcode))


class ForkWithThreadsWarning(RuntimeWarning):
    """Forking while other threads run can deadlock the children."""


class ResumeHintWarning(RuntimeWarning):
    """A run failed; the warning says which nodes to resume from."""


def describe_exit(exitcode: int | None) -> str:
    """Say in words how a process ended, and the usual cause."""
    if exitcode is None:
        return "it stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            return (
                f"it was killed by {name}; the usual cause is the out-of-memory killer "
                "(the node needed more memory than was free: run fewer workers, or "
                "ThreadRunner, which shares one copy of the data)"
            )
        return f"it was killed by {name}"
    return (
        f"it exited with code {exitcode} without reporting (os._exit(), sys.exit() in a "
        "thread, or a crash in native code)"
    )


@dataclass(frozen=True)
class OtherFailure:
    """A further node that failed in the same run."""

    node: str
    error_type: str
    message: str


@dataclass(frozen=True)
class NodeFailure:
    """What failed in a run: the record attached to the exception the run raises.

    ``node``: the first node that failed; ``runner``: the runner's class name;
    ``resume_from``: the nodes to rerun from (their outputs were lost or never
    made); ``others``: nodes that failed too, while the first one's neighbours
    finished.
    """

    node: str
    runner: str
    resume_from: tuple[str, ...] = ()
    others: tuple[OtherFailure, ...] = field(default_factory=tuple)

    def python_hint(self) -> str:
        """How to resume in Python: ``pipeline.from_nodes('a', 'b')``."""
        return "pipeline.from_nodes(" + ", ".join(repr(n) for n in self.resume_from) + ")"


_ATTRIBUTE = "runadvisor_failure"


def attach_failure(error: BaseException, failure: NodeFailure) -> None:
    """Attach ``failure`` to ``error``, with notes that say it in words (for Python users)."""
    setattr(error, _ATTRIBUTE, failure)
    add_note(error, f"Node '{failure.node}' failed under {failure.runner}.", structured=True)
    for other in failure.others:
        add_note(
            error,
            f"Node '{other.node}' also failed: {other.error_type}: {other.message}",
            structured=True,
        )
    if failure.resume_from:
        add_note(error, resume_sentence(failure), structured=True)


def resume_sentence(failure: NodeFailure, how: str | None = None) -> str:
    """``To resume, rerun from the nodes a,b: <how>.`` (``how``: the Python call by default)."""
    names = ",".join(failure.resume_from)
    return f"To resume, rerun from the nodes {names}: {how or failure.python_hint()}."


def failure_of(error: BaseException) -> NodeFailure | None:
    """The :class:`NodeFailure` a run attached to ``error``, if any."""
    failure = getattr(error, _ATTRIBUTE, None)
    return failure if isinstance(failure, NodeFailure) else None


class EmptyInputError(RunnerError, DatasetError):
    """A pipeline input registered as an in-memory dataset that holds no data.

    A ``DatasetError`` as in Kedro (where loading it fails), raised before anything runs.
    """
