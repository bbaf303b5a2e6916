"""What runs on a Dask worker: one node, measured there, its event sent to the client.

A task is ``run_node(spec, *values)``: ``values`` are the results of the tasks
it depends on (Dask moves them worker to worker); ``spec`` says which input
each one is. The node loads and saves its file datasets here, returns its
in-memory outputs (which stay on this worker as the task's result), and its
``NodeEvent`` travels to the client on the run's event topic, so that no data
goes through the client to report a node done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import cloudpickle

from runadvisor.runners.task import Chunks, execute_node


@dataclass(frozen=True)
class NodeSpec:
    """One node as a Dask task: the node, what each dependency value is, the datasets it
    loads and saves on the worker, the observers' probes, and the run's event topic.

    ``args[i]`` is ``(input name, output to pick)`` for the i-th value: the input the
    value feeds (None: the dependency only orders the two nodes) and, when the value
    is a producer's dict of outputs, the output to take from it.
    """

    node: Any
    args: tuple[tuple[str | None, str | None], ...]
    datasets: dict[str, Any]
    probes: tuple[Any, ...]
    topic: str

    def __reduce__(self) -> Any:
        # Dask pickles with plain pickle when it can; cloudpickle sends functions of
        # modules loaded by path (runadvisor.loading registers them) by value instead.
        fields = (self.node, self.args, self.datasets, self.probes, self.topic)
        return _rebuild, (cloudpickle.dumps(fields),)


def _rebuild(data: bytes) -> NodeSpec:
    return NodeSpec(*cloudpickle.loads(data))


def run_node(spec: NodeSpec, *values: Any) -> dict[str, Any]:
    """Run the node with its inputs; returns ``{output: value}`` for its in-memory outputs.

    A failure is re-raised after the event is sent, so Dask marks the task (and
    everything downstream) failed.
    """
    given: dict[str, Any] = {}
    for (name, pick), value in zip(spec.args, values):
        if name is None:
            continue
        if pick is not None:
            value = value[pick]
        if isinstance(value, Chunks):  # a generator's output: readers see the last chunk
            value = value[-1]
        given[name] = value
    returned, event, error = execute_node(spec.node, given, spec.datasets, spec.probes)
    send_event(spec.topic, event)
    if error is not None:
        raise error
    return returned


def pick(result: dict[str, Any], name: str) -> Any:
    """One output of a node with several (so a reader fetches only the one it reads)."""
    return result[name]


def ordered(result: Any) -> None:
    """Nothing: a dependency that only orders two nodes (a file written, then read)."""
    return None


def send_event(topic: str, event: Any) -> None:
    """Log the event on ``topic`` (the client subscribes to it), with this clock's offset."""
    from distributed import get_worker

    message = {
        "node": event.node,
        "event": cloudpickle.dumps(event),
        # perf_counter is per machine: the client shifts it by the two clocks' offsets.
        "offset": time.time() - time.perf_counter(),
    }
    get_worker().log_event(topic, message)
