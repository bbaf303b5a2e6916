"""Runners: one scheduler loop, three ways for tasks to reach workers."""

from runadvisor.runners.base import AbstractRunner, RunnerError, RunTimeoutError
from runadvisor.runners.events import NodeEvent
from runadvisor.runners.parallel import ParallelRunner
from runadvisor.runners.process_pool import (
    ForkWithThreadsWarning,
    UnpicklableDataError,
    WorkerDiedError,
)
from runadvisor.runners.sequential import SequentialRunner
from runadvisor.runners.thread import ThreadRunner

__all__ = [
    "AbstractRunner",
    "ForkWithThreadsWarning",
    "NodeEvent",
    "ParallelRunner",
    "RunTimeoutError",
    "RunnerError",
    "SequentialRunner",
    "ThreadRunner",
    "UnpicklableDataError",
    "WorkerDiedError",
]
