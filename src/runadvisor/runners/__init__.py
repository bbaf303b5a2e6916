"""Runners: one scheduler loop, several ways for tasks to reach workers.

Each kind of runner is described once in :mod:`runadvisor.runners.registry`.
"""

from runadvisor.io.shared_memory import ParallelRunnerManager
from runadvisor.runners.base import AbstractRunner
from runadvisor.runners.errors import (
    EmptyInputError,
    ForkWithThreadsWarning,
    NodeFailure,
    ResumeHintWarning,
    RunnerError,
    RunTimeoutError,
    UnpicklableDataError,
    WorkerDiedError,
    failure_of,
)
from runadvisor.runners.events import NodeEvent
from runadvisor.runners.hybrid import HybridRunner
from runadvisor.runners.parallel import ParallelRunner
from runadvisor.runners.registry import RunnerKind, UnknownRunnerError
from runadvisor.runners.sequential import SequentialRunner
from runadvisor.runners.thread import ThreadRunner

__all__ = [
    "AbstractRunner",
    "EmptyInputError",
    "ForkWithThreadsWarning",
    "HybridRunner",
    "NodeEvent",
    "NodeFailure",
    "ParallelRunner",
    "ParallelRunnerManager",
    "ResumeHintWarning",
    "RunTimeoutError",
    "RunnerError",
    "RunnerKind",
    "SequentialRunner",
    "ThreadRunner",
    "UnknownRunnerError",
    "UnpicklableDataError",
    "WorkerDiedError",
    "failure_of",
]
