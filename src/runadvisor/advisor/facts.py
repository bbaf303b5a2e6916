"""The facts the advisor decides on, from one profiled sequential run.

:func:`facts_job` runs in a fresh child process (see ``measure.py``): one
``SequentialRunner`` run under the profiler, with output sizes measured and
every in-memory output and input checked for whether it would pickle, and why
not. :func:`build_facts` turns its answer into :class:`PipelineFacts` plus the
per-node costs the simulation uses.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from runadvisor.advisor.simulate import NodeCost, critical_path, nodes_from_profile

# Keys of the advisor probe's results in NodeEvent.extras.
TRANSFER_KEY = "advisor.transfer"
SIZING_KEY = "advisor.sizing_seconds"


@dataclass
class PipelineFacts:
    """What one profiled sequential run says about a pipeline, and the machine.

    Times in seconds, sizes in bytes. ``t1`` is the total node time (work),
    ``t_inf`` the longest path through the DAG (``critical_path``), and
    ``parallelism`` their ratio: the most any number of workers could speed it
    up. ``widest_level``: most nodes at one depth of the DAG.

    Shares of node time: ``cpu_share`` on a CPU; ``cpu_wait_share`` ready to
    run but waiting for a CPU (other processes had them; the kernel's run-queue
    delay, Linux only); ``noncpu_share`` waiting for anything else (I/O, sleep,
    locks): neither computing, nor waiting for a CPU, nor holding the GIL.
    ``gil_share``: time holding the GIL as a share of the time on or waiting
    for a CPU (None when not measured).

    ``bytes_moved``: bytes that would cross a process boundary under
    ParallelRunner (each in-memory input once per reading node, each in-memory
    output once). ``node_memory``: each node's peak memory rise;
    ``peak_node_memory`` the largest. ``picklable``/``unpicklable``: whether
    all that would travel to worker processes pickles; if not, where and why.
    """

    n_nodes: int
    t1: float
    t_inf: float
    parallelism: float
    widest_level: int
    cpu_share: float
    noncpu_share: float
    gil_share: float | None
    bytes_moved: int
    peak_node_memory: int | None
    node_memory: dict[str, int] = field(default_factory=dict)
    picklable: bool = True
    unpicklable: list[str] = field(default_factory=list)
    cores: int = 1
    available_memory: int = 0
    gil_enabled: bool = True
    start_method: str | None = None
    critical_path: list[str] = field(default_factory=list)
    cpu_wait_share: float = 0.0
    #: Nodes whose function or in-memory data would not reach a worker process.
    unpicklable_nodes: list[str] = field(default_factory=list)

    @property
    def mean_node_wall(self) -> float:
        """Average seconds per node."""
        return self.t1 / self.n_nodes if self.n_nodes else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PipelineFacts:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# -- in the child --------------------------------------------------------------------


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
    """Task probe of the facts run: each output's size as it would travel to or from a
    worker process (or why it does not pickle). Waiting for a CPU is in the profile."""

    def before(self) -> None:
        return None

    def after(self, state: Any, outputs: dict[str, Any] | None) -> dict[str, Any]:
        extras: dict[str, Any] = {}
        if outputs:
            began = time.perf_counter()
            extras[TRANSFER_KEY] = {
                name: transfer_size(value, root=f"output '{name}'")
                for name, value in outputs.items()
            }
            extras[SIZING_KEY] = time.perf_counter() - began
        return extras


class AdvisorObserver:
    """Observer that collects :class:`AdvisorProbe` results, by dataset and node name."""

    def __init__(self) -> None:
        self.task_probe = AdvisorProbe()
        self.sizes: dict[str, tuple[int | None, int | None, str | None]] = {}
        self.producer: dict[str, str] = {}
        self.sizing_seconds = 0.0  # spent pickling outputs to size them: not the pipeline's

    def __call__(self, event: Any) -> None:
        extras = event.extras or {}
        self.sizing_seconds += extras.get(SIZING_KEY, 0.0)
        for name, size in extras.get(TRANSFER_KEY, {}).items():
            self.sizes[name] = size
            self.producer[name] = event.node


def facts_job(pipeline: Any, catalog: Any, start_method: str | None = None) -> dict[str, Any]:
    """One profiled SequentialRunner run with transfer checks (runs in a child process).

    The profiler's own output sizing is off: the advisor's probe pickles each
    output once, after the profiler's probe has stopped its GIL clock, and the
    sizes are copied into the profile.
    """
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
    with profiler:
        runner.run(
            pipeline, catalog, observers=[profiler, checker, *([watcher] if watcher else [])]
        )
    profile = profiler.profile
    assert profile is not None
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
    }


def _groups_width(pipeline: Any) -> int | None:
    """Most nodes in one of the pipeline's levels (None: it has no ``grouped_nodes``)."""
    groups = getattr(pipeline, "grouped_nodes", None)
    if groups is None:
        return None
    return max((len(group) for group in groups), default=0)


# -- in the parent -------------------------------------------------------------------


def build_facts(answer: dict[str, Any]) -> tuple[PipelineFacts, list[NodeCost], Any]:
    """PipelineFacts, the simulation's NodeCosts and the RunProfile from a facts_job answer."""
    from runadvisor.profiles import RunProfile

    profile = RunProfile.from_dict(answer["profile"], source="the facts run")
    sizes = {name: (int(a), int(b)) for name, (a, b) in answer["sizes"].items()}
    nodes = nodes_from_profile(
        profile,
        answer.get("order"),
        sizes=sizes,
        travels=answer.get("travels"),
    )
    facts = facts_from_nodes(
        nodes,
        profile,
        widest_level=answer.get("widest_level"),
        unpicklable=list(answer.get("unpicklable", ())),
        start_method=answer.get("start_method"),
    )
    facts.unpicklable_nodes = list(answer.get("unpicklable_nodes", ()))
    return facts, nodes, profile


def facts_from_nodes(
    nodes: list[NodeCost],
    profile: Any,
    *,
    widest_level: int | None = None,
    unpicklable: list[str] | None = None,
    start_method: str | None = None,
) -> PipelineFacts:
    """PipelineFacts from the simulation's view of the nodes and their profile."""
    t1 = sum(node.wall for node in nodes)
    cpu = sum(node.on_cpu for node in nodes)
    cpu_wait = sum(node.wanting_cpu - node.on_cpu for node in nodes)
    waiting = sum(node.waiting for node in nodes)
    t_inf, path = critical_path(nodes)
    measured_gil = [node for node in nodes if node.gil is not None]
    if not measured_gil:
        gil_share = None
    else:
        wanting = sum(node.wanting_cpu for node in measured_gil)
        held = sum(min(node.gil_time, node.wanting_cpu) for node in measured_gil)
        gil_share = min(1.0, held / wanting) if wanting > 0 else 0.0
    memory = {
        record.name: int(record.peak_rss_delta)
        for record in profile.nodes
        if record.peak_rss_delta is not None
    }
    if widest_level is None:
        widest_level = _widest_level(nodes)
    machine = profile.machine
    unpicklable = unpicklable or []
    return PipelineFacts(
        n_nodes=len(nodes),
        t1=t1,
        t_inf=t_inf,
        parallelism=t1 / t_inf if t_inf > 0 else float(len(nodes) > 0),
        widest_level=int(widest_level),
        cpu_share=cpu / t1 if t1 > 0 else 0.0,
        noncpu_share=waiting / t1 if t1 > 0 else 0.0,
        gil_share=gil_share,
        bytes_moved=sum(node.pipe_bytes + node.shm_bytes for node in nodes),
        peak_node_memory=max(memory.values()) if memory else None,
        node_memory=memory,
        picklable=not unpicklable,
        unpicklable=unpicklable,
        cores=int(machine.cores),
        available_memory=int(machine.available_memory),
        gil_enabled=bool(machine.gil_enabled),
        start_method=start_method or machine.start_method,
        critical_path=path,
        cpu_wait_share=cpu_wait / t1 if t1 > 0 else 0.0,
    )


def _widest_level(nodes: list[NodeCost]) -> int:
    depth = [0] * len(nodes)
    for i, node in enumerate(nodes):
        depth[i] = 1 + max((depth[p] for p in node.parents), default=-1)
    counts: dict[int, int] = {}
    for d in depth:
        counts[d] = counts.get(d, 0) + 1
    return max(counts.values(), default=0)


def profile_facts(pipeline: Any, catalog: Any, timeout: float | None) -> dict[str, Any]:
    """Run :func:`facts_job` in a fresh subprocess; return its answer (and its ``elapsed``
    seconds, start-up included).

    The pipeline's own error is raised if it fails there (there is nothing to
    advise on a pipeline that does not run); AdviceError if it times out or
    crashes.
    """
    from runadvisor.advisor.errors import AdviceError
    from runadvisor.advisor.measure import run_isolated
    from runadvisor.advisor.status import CRASHED, OK, TIMEOUT
    from runadvisor.exceptions import add_note

    watch = [node.name for node in pipeline.nodes]
    from runadvisor.runners.parallel import resolve_start_method

    method = resolve_start_method(None)  # as ParallelRunner would start here, threads and all
    outcome = run_isolated(facts_job, (pipeline, catalog, method), timeout, watch)
    if outcome.status == OK:
        return {**outcome.value, "elapsed": outcome.elapsed}
    if outcome.status == TIMEOUT:
        running = ", ".join(repr(name) for name in outcome.running) or "none recorded"
        raise AdviceError(
            f"The profiled sequential run did not finish within timeout={timeout:g} s "
            f"(still running: {running}), and advise needs one complete run to reason about. "
            "Give a larger timeout (it applies to each run), or fix the node that hangs."
        )
    if outcome.status == CRASHED or outcome.error is None:
        raise AdviceError(f"The profiled sequential run crashed: {outcome.reason}.")
    error = outcome.error
    add_note(
        error,
        "runadvisor.advise: the pipeline failed in its profiled SequentialRunner run (in a "
        "subprocess), so there is nothing to advise on yet. Fix the error and advise again.",
    )
    raise error


def baseline_run(answer: dict[str, Any], profile: Any) -> Any:
    """The facts run as a measured run of SequentialRunner: its wall time less the time
    the advisor spent sizing outputs (every measured run is profiled alike)."""
    from runadvisor.advisor.measure import MeasuredRun, peak_rss

    wall = max(0.0, profile.wall - float(answer.get("sizing_seconds") or 0.0))
    return MeasuredRun(wall, peak_rss(profile), answer["profile"])
