"""The facts the advisor decides on, from one profiled sequential run.

:func:`profile_facts` runs ``facts_run.facts_job`` in a fresh child process
(see ``measure.py``): one ``SequentialRunner`` run under the profiler, with
output sizes measured, every in-memory output and input checked for whether it
would pickle, the CPU nodes spend outside their threads and the machine's load
measured. :func:`build_facts` turns its answer into :class:`PipelineFacts`
plus the per-node costs the simulation uses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from runadvisor.advisor.calibrate import MIN_PER_NODE, MachineCosts
from runadvisor.advisor.simulate import (
    MIN_CPU,
    CpuCapacity,
    NodeCost,
    critical_path,
    nodes_from_profile,
)

# Keys of the advisor probe's results in NodeEvent.extras.


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

    CPU outside the nodes' own threads (measured by the facts run's probe):
    ``pool_cpu`` seconds in native thread pools (BLAS, OpenMP), ``child_cpu`` in
    child processes; ``cores_used`` all the nodes' CPU over their wall time (above
    1: native pools already run on several cores). ``native_pools``: the pools
    threadpoolctl found (where installed).

    The machine during the run: ``others_load`` cores other processes used
    (None: unknown); ``thread_share`` the part of a core a node's thread got
    while it wanted one; ``cpu_capacity`` ``[threads, cores got]`` pairs measured
    when the machine was busy (None: quiet, n threads get min(n, cores));
    ``wakeup_latency`` how long a sleeping thread waited for a CPU each time it
    woke, on average (the profiler's GIL monitor; None: not measured).
    ``engine_overhead``: seconds of the run that were not node time (the engine
    and the profiler, start and stop included; the facts probe's own time left out).

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
    pool_cpu: float = 0.0
    child_cpu: float = 0.0
    cores_used: float = 0.0
    native_pools: list[dict[str, Any]] = field(default_factory=list)
    others_load: float | None = None
    thread_share: float = 1.0
    cpu_capacity: list[tuple[int, float]] | None = None
    wakeup_latency: float | None = None
    engine_overhead: float | None = None

    def capacity(self) -> CpuCapacity:
        """Cores this process tree gets as it asks for more, for the simulation."""
        points = tuple((float(n), float(c)) for n, c in self.cpu_capacity or ())
        return CpuCapacity(
            cores=max(1, self.cores),
            points=points,
            share=self.thread_share,
            wakeup=self.wakeup_latency or 0.0,
        )

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
        values = {k: v for k, v in data.items() if k in known}
        if values.get("cpu_capacity") is not None:  # JSON has lists, the facts tuples
            values["cpu_capacity"] = [(int(n), float(c)) for n, c in values["cpu_capacity"]]
        return cls(**values)


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
    native = answer.get("native") or {}
    nodes = [
        replace(node, pool_cpu=native[node.name][0], child_cpu=native[node.name][1])
        if node.name in native
        else node
        for node in nodes
    ]
    facts = facts_from_nodes(
        nodes,
        profile,
        widest_level=answer.get("widest_level"),
        unpicklable=list(answer.get("unpicklable", ())),
        start_method=answer.get("start_method"),
        probed=answer.get("capacity"),
    )
    facts.others_load = answer.get("others_load")
    probe = float(answer.get("sizing_seconds") or 0.0)
    facts.engine_overhead = max(0.0, profile.wall - sum(r.wall for r in profile.nodes) - probe)
    facts.wakeup_latency = answer.get("wakeup")
    facts.native_pools = list(answer.get("pools") or [])
    facts.unpicklable_nodes = list(answer.get("unpicklable_nodes", ()))
    return facts, nodes, profile


def facts_from_nodes(
    nodes: list[NodeCost],
    profile: Any,
    *,
    widest_level: int | None = None,
    unpicklable: list[str] | None = None,
    start_method: str | None = None,
    probed: list[tuple[int, float]] | None = None,
) -> PipelineFacts:
    """PipelineFacts from the simulation's view of the nodes and their profile.

    ``probed``: ``(threads, cores got)`` points measured on a busy machine
    (``contention.measure_capacity``). The capacity curve is one thread at the
    share of a core the nodes' threads got, then those points (never below it:
    more threads never get less than one).
    """
    t1 = sum(node.wall for node in nodes)
    cpu = sum(node.on_cpu for node in nodes)
    cpu_wait = sum(node.wanting_cpu - node.on_cpu for node in nodes)
    share = thread_share(nodes, probed)
    cpu_capacity = None
    if probed:
        cpu_capacity = [(1, share)] + [(int(n), max(float(c), share)) for n, c in probed]
    waiting = sum(node.idle(share) for node in nodes)
    t_inf, path = critical_path(nodes)
    measured_gil = [node for node in nodes if node.gil is not None]
    if not measured_gil:
        gil_share = None
    else:
        # CPU work outside the node's thread (pools, children) runs without our GIL.
        wanting = sum(n.wanting_cpu + n.native_cpu / n.share(share) for n in measured_gil)
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
        pool_cpu=sum(node.pool_cpu for node in nodes),
        child_cpu=sum(node.child_cpu for node in nodes),
        cores_used=sum(node.total_cpu for node in nodes) / t1 if t1 > 0 else 0.0,
        thread_share=share,
        cpu_capacity=cpu_capacity,
    )


COMPUTING = 0.1  # share of node time on a CPU below which nodes tell nothing of a core's share


def thread_share(nodes: list[NodeCost], probed: list[tuple[int, float]] | None = None) -> float:
    """Of a core, what the nodes' threads got while they wanted one: their CPU time over
    their CPU time plus their wait for a CPU, when they computed at least ``COMPUTING`` of
    their time (a thread that mostly sleeps waits at each wake-up, which says little of
    throughput). When their work ran in child processes or native pools instead: a
    thread's share of what the probed threads got. Else 1."""
    wall = sum(node.wall for node in nodes)
    on_cpu = sum(node.on_cpu for node in nodes)
    wanting = sum(node.wanting_cpu for node in nodes)
    if on_cpu >= max(MIN_CPU, COMPUTING * wall) and wanting > 0:
        return min(1.0, on_cpu / wanting)
    native = sum(node.native_cpu for node in nodes)
    if probed and native >= COMPUTING * wall:
        threads, cores = max(probed)
        return min(1.0, max(0.05, cores / threads))
    return 1.0


MIN_NODES_FOR_ENGINE = 20  # below this, the run's own per-node cost is too noisy to use


def current_costs(costs: MachineCosts, facts: PipelineFacts) -> MachineCosts:
    """``costs`` with the engine's cost per node as the facts run measured it (its time
    outside the nodes, less the run's fixed cost, per node), when there were enough nodes
    to tell: it is the engine and the profiler under the machine's present load, where
    the calibration is a quiet machine's. Kept quiet-equivalent (times the part of a core
    a thread got), since the simulation stretches it by the load again."""
    n = facts.n_nodes
    if facts.engine_overhead is None or n < MIN_NODES_FOR_ENGINE:
        return costs
    share = facts.thread_share if facts.cpu_capacity else 1.0  # the load stretched it so
    per_node = (facts.engine_overhead * share - costs.run_overhead) / n
    return replace(costs, seq_per_node=max(per_node, MIN_PER_NODE))


def _widest_level(nodes: list[NodeCost]) -> int:
    depth = [0] * len(nodes)
    for i, node in enumerate(nodes):
        depth[i] = 1 + max((depth[p] for p in node.parents), default=-1)
    counts: dict[int, int] = {}
    for d in depth:
        counts[d] = counts.get(d, 0) + 1
    return max(counts.values(), default=0)


def profile_facts(pipeline: Any, catalog: Any, timeout: float | None) -> dict[str, Any]:
    """Run ``facts_run.facts_job`` in a fresh subprocess; return its answer (and its ``elapsed``
    seconds, start-up included).

    The pipeline's own error is raised if it fails there (there is nothing to
    advise on a pipeline that does not run); AdviceError if it times out or
    crashes.
    """
    from runadvisor.advisor.errors import AdviceError
    from runadvisor.advisor.facts_run import facts_job
    from runadvisor.advisor.measure import run_isolated
    from runadvisor.advisor.status import CRASHED, OK, TIMEOUT
    from runadvisor.exceptions import add_note
    from runadvisor.runners.parallel import resolve_start_method

    method = resolve_start_method(None)  # as ParallelRunner would start here, threads and all
    watch = [node.name for node in pipeline.nodes]
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
