"""Helpers for the profiles tests: a stand-in NodeEvent and a tiny fake runner.

The fake runner calls the task probe exactly as the contract in
docs/architecture.md says (``before()`` in the worker right before the node,
``after(state, outputs)`` right after), so the unit tests do not depend on the
real runners; tests/profiles/test_integration.py covers those.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from runadvisor.profiles.probe import unpack
from runadvisor.runners import NodeEvent

FakeEvent = NodeEvent  # the engine's own event; tests build them by hand


@dataclass
class FakeNode:
    name: str
    func: Any
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)

    def __hash__(self) -> int:
        return hash(self.name)


class FakePipeline:
    def __init__(self, nodes: list[FakeNode]) -> None:
        self.nodes = nodes
        producers = {out: n for n in nodes for out in n.outputs}
        self.node_dependencies = {
            n: {producers[i] for i in n.inputs if i in producers} for n in nodes
        }


def execute(node: FakeNode, probe: Any) -> FakeEvent:
    """Run one node the way the engine does, probe around it."""
    state = probe.before() if probe is not None else None
    start = time.perf_counter()
    cpu0 = time.thread_time()
    outputs = None
    error = None
    try:
        value = node.func()
        outputs = {name: value for name in node.outputs}
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    cpu = time.thread_time() - cpu0
    end = time.perf_counter()
    extras = probe.after(state, outputs) if probe is not None else {}
    return FakeEvent(
        node.name, start, end, cpu, os.getpid(), threading.get_native_id(), error, extras
    )


def reading(event: FakeEvent) -> dict[str, Any]:
    """The profiler probe's reading in ``event.extras``, by field name."""
    return unpack(event.extras)


class FakeRunner:
    """Runs a FakePipeline's nodes in order (workers=1) or all at once on threads."""

    def __init__(self, max_workers: int = 1) -> None:
        self.max_workers = max_workers

    def run(self, pipeline, catalog, *, only_missing_outputs=False, observers=()):
        probe = next((o.task_probe for o in observers if hasattr(o, "task_probe")), None)
        if self.max_workers == 1:
            for node in pipeline.nodes:
                event = execute(node, probe)
                for obs in observers:
                    obs(event)
                if event.error:
                    raise RuntimeError(f"node {node.name} failed: {event.error}")
        else:
            with ThreadPoolExecutor(self.max_workers) as pool:
                futures = [pool.submit(execute, n, probe) for n in pipeline.nodes]
                for future in futures:
                    event = future.result()
                    for obs in observers:
                        obs(event)
        return {}


# Workloads: each takes a duration and returns something small.
def sleep_for(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


def python_loop(seconds: float) -> int:
    deadline = time.perf_counter() + seconds
    total = 0
    while time.perf_counter() < deadline:
        for i in range(2000):
            total += i
    return total


_BLOB = os.urandom(1 << 20) * 16  # 16 MB, incompressible enough to keep zlib busy


def hash_and_compress(seconds: float) -> int:
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        hashlib.sha256(_BLOB).digest()
        n += len(zlib.compress(memoryview(_BLOB)[: 1 << 22], 1))  # no copy under the GIL
    return n


def allocate(nbytes: int = 200 * 2**20, hold: float = 0.1) -> int:
    """Allocate and touch ``nbytes``, keep them ``hold`` seconds, free them.

    numpy fills the block without the GIL (a bytearray would hold it for the
    whole memset and stall a Python node running next to it on a thread).
    """
    block = np.ones(nbytes, dtype=np.uint8)
    time.sleep(hold)  # long enough for the sampler when threads share the process
    return int(block.size)


# Second-level nodes for the engine tests: the extra argument only orders them
# after a first-level node.
def hash_after(seconds: float, *_after: object) -> int:
    return hash_and_compress(seconds)


def allocate_after(*_after: object) -> int:
    # held for three of the sampler's longest intervals: under threads the peak
    # comes from its samples, and a busy machine delays them
    return allocate(hold=0.3)


def fail_after(_after: object) -> None:
    raise ValueError("node failed on purpose")
