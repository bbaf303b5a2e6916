"""Running one node where it is scheduled, and measuring it there.

The same function runs a node inline, in a pool thread or in a worker process:
it loads the inputs it is given datasets for, calls the node, saves the
outputs it has datasets for, confirms the datasets the node confirms, and
returns the rest with a ``NodeEvent``.
"""

from __future__ import annotations

import inspect
import os
import threading
from collections.abc import Mapping, Sequence
from time import perf_counter, thread_time
from typing import Any

from runadvisor.runners.events import NodeEvent

_PID = os.getpid()


def _current_pid() -> int:
    # os.getpid() is cheap but a forked worker must not report its parent's pid.
    global _PID
    pid = os.getpid()
    if pid != _PID:
        _PID = pid
    return pid


class Chunks(list):  # type: ignore[type-arg]
    """The chunks a generator node yielded for an output whose dataset lives in
    another process, in order; that process saves them one by one (``save_chunks``)."""


def save_chunks(dataset: Any, chunks: Chunks) -> None:
    """Save each chunk in turn, as the node would have where the dataset lives."""
    for chunk in chunks:
        dataset.save(chunk)


def confirm_datasets(names: Sequence[str], datasets: Mapping[str, Any]) -> None:
    """Call ``confirm()`` on each named dataset that is in ``datasets`` and has one."""
    for name in names:
        dataset = datasets.get(name)
        if dataset is not None and hasattr(dataset, "confirm"):
            dataset.confirm()


def _stream(
    outputs: dict[str, Any], datasets: Mapping[str, Any], returned: dict[str, Any]
) -> dict[str, Any]:
    """Save a generator node's chunks as they come; return each output's last chunk.

    The output iterators advance together, one chunk each per round, so chunks
    are saved in the order the function yields them (``a0, b0, a1, b1, ...``).
    Outputs without a dataset here collect their chunks in a ``Chunks`` list,
    which the process holding the dataset saves in the same order.
    """
    names = list(outputs)
    targets = [datasets.get(name) for name in names]
    last: dict[str, Any] = {}
    for values in zip(*outputs.values()):
        for name, dataset, value in zip(names, targets, values):
            if dataset is None:
                returned.setdefault(name, Chunks()).append(value)
            else:
                dataset.save(value)
            last[name] = value
    return last


def execute_node(
    node: Any,
    given: Mapping[str, Any],
    datasets: Mapping[str, Any],
    probes: Sequence[Any] = (),
) -> tuple[dict[str, Any], NodeEvent, BaseException | None]:
    """Run ``node`` and measure it.

    ``given`` holds input values that travelled with the task; every other input
    is loaded from ``datasets`` (anything with ``[name]`` and ``get(name)``: a
    dict, or the catalog itself in-process). Outputs with an entry in
    ``datasets`` are saved here; the others are returned. Then each dataset in
    ``node.confirms`` that is in ``datasets`` and has a ``confirm`` method is
    confirmed. A failure is returned, not raised, so the caller decides how to
    surface it with the node's name.

    A generator node (``node.yields_chunks``, or a generator function for other
    node types) saves each chunk as it is yielded; for an output returned to the
    caller, its chunks come back as a ``Chunks`` list for the caller to save in
    order (the simplest faithful choice: the caller's dataset sees every chunk,
    and an in-memory dataset ends with the last, as it would in place). Probes
    see each output's last chunk. The event covers the whole node, every chunk
    included.
    """
    states = [probe.before() for probe in probes] if probes else ()
    start = perf_counter()
    cpu0 = thread_time()
    outputs: dict[str, Any] | None = None
    returned: dict[str, Any] = {}
    error: BaseException | None = None
    try:
        inputs = {
            name: given[name] if name in given else datasets[name].load() for name in node.inputs
        }
        outputs = node.run(inputs)
        yields = getattr(node, "yields_chunks", None) if outputs else False
        if yields is None:  # a node type without the attribute (Kedro's)
            yields = inspect.isgeneratorfunction(node.func)
        if yields:
            outputs = _stream(outputs, datasets, returned)
        else:
            for name, value in outputs.items():
                dataset = datasets.get(name)
                if dataset is None:
                    returned[name] = value
                else:
                    dataset.save(value)
        confirms = getattr(node, "confirms", None)
        if confirms:
            confirm_datasets(confirms, datasets)
    except Exception as exc:  # the node's failure is data for the scheduler
        error = exc
    cpu = thread_time() - cpu0
    end = perf_counter()
    extras: dict[str, Any] = {}
    for probe, state in zip(probes, states):
        try:
            extras.update(probe.after(state, outputs))
        except Exception:  # a probe must never break a run
            pass
    event = NodeEvent(
        node=node.name,
        start=start,
        end=end,
        cpu=cpu,
        pid=_current_pid(),
        thread=threading.get_native_id(),
        error=None if error is None else f"{type(error).__name__}: {error}",
        extras=extras,
    )
    return returned, event, error
