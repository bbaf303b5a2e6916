"""The facts run itself, in a fresh child process: one profiled SequentialRunner run.

:func:`facts_job` runs the pipeline under the profiler with the advisor's own
task probe (:class:`AdvisorProbe`): each node's CPU outside its thread (native
thread pools, child processes; ``native.py``) and each output's size as it
would travel to or from a worker process, or why it does not pickle. Around
the run it measures other processes' load and, on a busy machine, the cores
this process tree gets (``contention.py``). ``facts.build_facts`` turns the
answer into PipelineFacts in the parent.
"""

from __future__ import annotations

import time
from typing import Any

# Keys of the advisor probe's results in NodeEvent.extras.
TRANSFER_KEY = "advisor.transfer"
SIZING_KEY = "advisor.sizing_seconds"
NATIVE_KEY = "advisor.native_cpu"
CPU_WAIT_BUSY = 0.05  # nodes waited this share of their CPU time for a CPU: the machine is busy


def transfer_size(value: Any, root: str = "value") -> tuple[int | None, int | None, str | None]:
    """How ``value`` would travel to a worker process: (bytes pickled in band, bytes of large
    buffers through shared memory, None), or (None, None, why it does not pickle)."""
    from runadvisor.runners.transfer import OUT_OF_BAND_MIN_BYTES, sizes

    try:
        header, buffers = sizes(value)
    except Exception as exc:
        from runadvisor.io.pickling import find_unpicklable

        return None, None, find_unpicklable(value, root=root) or f"{root}: {exc}"
    if buffers < OUT_OF_BAND_MIN_BYTES:  # the engine sends small buffers in band
        return header + buffers, 0, None
    return header, buffers, None


class AdvisorProbe:
    """Task probe of the facts run: the CPU each node spent outside its own thread (native
    thread pools, child processes; see ``native.py``), and each output's size as it would
    travel to or from a worker process (or why it does not pickle). Waiting for a CPU is
    in the profile. The time the probe itself takes is reported (``SIZING_KEY``), so that
    the run's wall time can be told without it."""

    def before(self) -> Any:
        from runadvisor.advisor.native import CpuMeter

        began = time.perf_counter()
        meter = CpuMeter()
        meter.start()
        return meter, time.perf_counter() - began

    def after(self, state: Any, outputs: dict[str, Any] | None) -> dict[str, Any]:
        began = time.perf_counter()
        extras: dict[str, Any] = {}
        meter, spent = state if isinstance(state, tuple) else (None, 0.0)
        if meter is not None:
            extras[NATIVE_KEY] = meter.stop()  # before sizing: that is ours, not the node's
        if outputs:
            extras[TRANSFER_KEY] = {
                name: transfer_size(value, root=f"output '{name}'")
                for name, value in outputs.items()
            }
        extras[SIZING_KEY] = spent + time.perf_counter() - began
        return extras


class AdvisorObserver:
    """Observer that collects :class:`AdvisorProbe` results, by dataset and node name."""

    def __init__(self) -> None:
        self.task_probe = AdvisorProbe()
        self.sizes: dict[str, tuple[int | None, int | None, str | None]] = {}
        self.producer: dict[str, str] = {}
        self.native: dict[str, tuple[float, float]] = {}  # node -> (pool CPU, child CPU)
        self.sizing_seconds = 0.0  # spent measuring and sizing outputs: not the pipeline's

    def __call__(self, event: Any) -> None:
        extras = event.extras or {}
        self.sizing_seconds += extras.get(SIZING_KEY, 0.0)
        native = extras.get(NATIVE_KEY)
        if native is not None:
            self.native[event.node] = (native.pool_cpu, native.child_cpu)
        for name, size in extras.get(TRANSFER_KEY, {}).items():
            self.sizes[name] = size
            self.producer[name] = event.node


def facts_job(pipeline: Any, catalog: Any, start_method: str | None = None) -> dict[str, Any]:
    """One profiled SequentialRunner run with transfer checks (runs in a child process).

    The profiler's own output sizing is off: the advisor's probe pickles each
    output once, after the profiler's probe has stopped its GIL clock, and the
    sizes are copied into the profile.
    """
    from runadvisor.advisor.contention import LoadMeter
    from runadvisor.advisor.measure import node_watcher
    from runadvisor.io.pickling import find_unpicklable
    from runadvisor.profiles import Profiler
    from runadvisor.runners import SequentialRunner
    from runadvisor.runners.parallel import resolve_start_method
    from runadvisor.runners.placement import holds_data, place, read_here

    runner = SequentialRunner()
    checker = AdvisorObserver()
    profiler = Profiler(pipeline, runner=runner, measure_output_bytes=False)
    watcher = node_watcher()
    load = LoadMeter()
    load.start()
    with profiler:
        runner.run(
            pipeline, catalog, observers=[profiler, checker, *([watcher] if watcher else [])]
        )
    others = load.stop()
    profile = profiler.profile
    assert profile is not None
    machine = _machine_load(profile, others)
    for record in profile.nodes:
        by_output = {}
        for name in record.outputs:
            inband, buffers, _ = checker.sizes.get(name, (None, None, None))
            by_output[name] = None if inband is None else inband + (buffers or 0)
        record.out_bytes_by_output = by_output
        record.out_bytes = sum(v for v in by_output.values() if v is not None)
    profile.settings["measure_output_bytes"] = True

    method = start_method or resolve_start_method(None)  # the caller's process decides
    # The engine's own rule for what loads inside the workers; the rest travels.
    placement = place(pipeline.nodes, catalog, method)
    travels = {name: placement.travels(name) for name in sorted(pipeline.datasets())}
    sizes: dict[str, tuple[int, int]] = {}
    unpicklable: list[str] = []
    stuck: set[str] = set()  # nodes that could not run in a worker process
    readers = {name: [n.name for n in pipeline.nodes if name in n.inputs] for name in travels}
    for name, (inband, buffers, why) in sorted(checker.sizes.items()):
        if why is not None:
            if travels.get(name, True):
                unpicklable.append(f"{why} (made by node '{checker.producer[name]}')")
                stuck.update([checker.producer[name], *readers.get(name, ())])
        else:
            sizes[name] = (int(inband or 0), int(buffers or 0))
    for name in sorted(pipeline.inputs()):
        dataset = catalog.get(name)
        if not travels.get(name, True) or not holds_data(dataset):
            continue
        try:
            value = read_here(dataset)
        except Exception:
            continue
        inband, buffers, why = transfer_size(value, root=f"catalog['{name}']")
        if why is not None:
            unpicklable.append(why)
            stuck.update(readers.get(name, ()))
        else:
            sizes[name] = (int(inband or 0), int(buffers or 0))
    if method != "fork":  # under fork the workers inherit the functions
        for node in pipeline.nodes:
            where = find_unpicklable(node.func, root=f"node '{node.name}' function")
            if where:
                unpicklable.append(where)
                stuck.add(node.name)
    return {
        "profile": profile.to_dict(),
        "order": [node.name for node in pipeline.nodes],
        "widest_level": _groups_width(pipeline),
        "travels": travels,
        "sizes": sizes,
        "unpicklable": unpicklable,
        "unpicklable_nodes": sorted(stuck),
        "start_method": method,
        "sizing_seconds": checker.sizing_seconds,
        "native": checker.native,
        **machine,
    }


def _machine_load(profile: Any, others: float | None) -> dict[str, Any]:
    """Others' load during the run, the capacity curve when the machine was busy, and the
    native thread pools loaded (in the child, after the run)."""
    from runadvisor.advisor.contention import BUSY_LOAD, measure_capacity
    from runadvisor.advisor.native import native_pools, sleeper_wakeup

    on_cpu = sum(max(0.0, r.cpu) for r in profile.nodes)
    waited = sum(max(0.0, r.cpu_wait or 0.0) for r in profile.nodes)
    busy = (others is not None and others >= BUSY_LOAD) or waited > CPU_WAIT_BUSY * on_cpu
    capacity = measure_capacity(int(profile.machine.cores)) if busy else None
    return {
        "others_load": others,
        "capacity": capacity,
        "pools": native_pools(),
        "wakeup": sleeper_wakeup(),
    }


def _groups_width(pipeline: Any) -> int | None:
    """Most nodes in one of the pipeline's levels (None: it has no ``grouped_nodes``)."""
    groups = getattr(pipeline, "grouped_nodes", None)
    if groups is None:
        return None
    return max((len(group) for group in groups), default=0)
