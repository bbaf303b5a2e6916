"""Running one node where it is scheduled, and measuring it there.

The same function runs a node inline, in a pool thread or in a worker process:
it loads the inputs it is given datasets for, calls the node, saves the
outputs it has datasets for, and returns the rest with a ``NodeEvent``.
"""

from __future__ import annotations

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


def execute_node(
    node: Any,
    given: Mapping[str, Any],
    datasets: Mapping[str, Any],
    probes: Sequence[Any] = (),
) -> tuple[dict[str, Any], NodeEvent, BaseException | None]:
    """Run ``node`` and measure it.

    ``given`` holds input values that travelled with the task; every other input
    is loaded from ``datasets``. Outputs with an entry in ``datasets`` are saved
    here; the others are returned. A failure is returned, not raised, so the
    caller decides how to surface it with the node's name.
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
        for name, value in outputs.items():
            dataset = datasets.get(name)
            if dataset is None:
                returned[name] = value
            else:
                dataset.save(value)
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
