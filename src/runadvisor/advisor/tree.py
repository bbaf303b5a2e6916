"""The decision tree users know, refined where it is wrong, as sentences with numbers.

The textbook tree: is parallelism worth it? -> is the work CPU-bound? -> does
the data pickle? -> ParallelRunner; I/O-bound -> ThreadRunner; otherwise
SequentialRunner. It goes wrong in known places, which this tree checks for:

1. A chain (average parallelism T1/T_inf under 1.15) has nothing to run in
   parallel -> SequentialRunner.
2. Tiny nodes (average under max(0.3 ms, 10 thread hand-offs)) cost more to
   hand to a worker than to run -> SequentialRunner.
   Then: waiting nodes and GIL-holding CPU nodes side by side, with a
   HybridRunner predicted 10% faster than any one executor -> HybridRunner.
3. Mostly waiting (non-CPU share >= 50%) -> ThreadRunner: threads wait in
   parallel and nothing is pickled. CPU time of native thread pools and child
   processes is computing, not waiting.
4. The nodes' own native threads and child processes already keep the cores
   busy (BLAS, OpenMP, tools they call) -> running nodes side by side adds no
   CPU: SequentialRunner, unless the simulation says another runner helps.
5. CPU-bound:
   - no GIL in this interpreter, or the work releases it (GIL held < 30% of
     the CPU time: numpy, hashlib, zlib, many pandas operations, work in child
     processes) -> ThreadRunner;
   - one core -> SequentialRunner;
   - data that would have to travel does not pickle -> processes are out;
     threads only if the simulation says they help, else SequentialRunner;
   - moving the data to and from worker processes costs more than the
     parallelism can save, or processes are predicted no faster -> the same;
   - else ParallelRunner.

When other processes kept the machine busy during the profiled run, the path
says so, with what our threads got: the predictions are for the machine's own
cores, and measured runs gain less while that load lasts.

The tree gives the prior; measured runs decide (see ``advise``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from runadvisor.advisor.calibrate import MachineCosts
from runadvisor.advisor.facts import PipelineFacts
from runadvisor.advisor.simulate import NodeCost
from runadvisor.units import fmt_bytes, fmt_milliseconds, fmt_seconds_prose

PARALLELISM_MIN = 1.15
TINY_FLOOR = 300e-6
TINY_HANDOFFS = 10
IO_SHARE = 0.5
GIL_FREE_SHARE = 0.3
THREADS_HELP = 0.9  # threads must be predicted at least 10% faster than sequential
CORES_BUSY = 0.8  # nodes whose own threads and children keep this share of the cores busy
BUSY_LOAD = 0.25  # cores other processes used during the profiled run, worth a sentence


@dataclass
class Verdict:
    """The tree's pick (a runner class name), the leaf's key, and the path in words."""

    runner: str
    leaf: str
    path: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        """The deciding sentence (the path's last)."""
        return self.path[-1] if self.path else ""


def walk(
    facts: PipelineFacts,
    costs: MachineCosts,
    nodes: Sequence[NodeCost] = (),
    predicted: Mapping[str, float] | None = None,
) -> Verdict:
    """Walk the tree on ``facts``.

    ``nodes`` (the simulation's view) gives the transfer cost; ``predicted``
    the best simulated time per runner kind ("sequential", "thread",
    "parallel"), used where the tree must weigh costs against gains.
    """
    predicted = dict(predicted or {})
    path: list[str] = []

    def leaf(runner: str, key: str, sentence: str) -> Verdict:
        path.append(f"{sentence} -> {runner}")
        return Verdict(runner, key, path)

    # 1. parallelism worth having?
    where = f"across {facts.widest_level} nodes at the widest level"
    numbers = (
        f"average parallelism {facts.parallelism:.1f} (total work {fmt_seconds_prose(facts.t1)} "
        f"over a critical path of {fmt_seconds_prose(facts.t_inf)})"
    )
    if facts.n_nodes <= 1 or facts.parallelism < PARALLELISM_MIN:
        what = "a single node" if facts.n_nodes <= 1 else "a chain"
        return leaf("SequentialRunner", "chain", f"{numbers}: {what}, no parallelism worth having")
    path.append(f"{numbers} {where}: parallelism can help")

    # 2. nodes big enough to pay for a hand-off?
    tiny = max(TINY_FLOOR, TINY_HANDOFFS * costs.thread_handoff)
    mean = facts.mean_node_wall
    handoffs = (
        f"a thread hand-off costs {fmt_milliseconds(costs.thread_handoff)}, a process round trip "
        f"{fmt_milliseconds(costs.process_round_trip)}"
    )
    if mean < tiny:
        return leaf(
            "SequentialRunner",
            "tiny",
            f"{facts.n_nodes} nodes average {fmt_milliseconds(mean)} each, under the "
            f"{fmt_milliseconds(tiny)} a node needs to pay for handing it to a worker "
            f"({handoffs}): tiny nodes run fastest sequentially",
        )
    path.append(
        f"nodes average {fmt_milliseconds(mean)} each, well above what handing them out costs "
        f"({handoffs})"
    )

    # 2b. both waiting and GIL-holding CPU nodes: each to its own executor (advisor/hybrid.py)
    mixed = _mixed(nodes, costs, predicted)
    if mixed is not None:
        return leaf("HybridRunner", "mixed", mixed)

    # 3. waiting or computing?
    waiting = facts.noncpu_share
    busy = ""
    if facts.cpu_wait_share >= 0.05:
        busy = f", {facts.cpu_wait_share:.0%} waiting for a CPU (the machine was busy)"
    if waiting >= IO_SHARE:
        return leaf(
            "ThreadRunner",
            "io",
            f"{waiting:.0%} of node time is waiting (neither computing nor holding the GIL"
            f"{busy}): I/O-bound, threads wait in parallel without pickling anything",
        )
    outside = _outside_sentence(facts)
    path.append(
        f"{waiting:.0%} of node time is waiting for I/O, {facts.cpu_share:.0%} is on a CPU"
        f"{outside}{busy}: CPU-bound"
    )
    machine = _machine_sentence(facts)
    if machine:
        path.append(machine)

    # 4. do the nodes keep the cores busy on their own?
    if facts.cores > 1 and facts.cores_used >= CORES_BUSY * facts.cores:
        runner, why = _best_predicted(predicted)
        pools = _pools(facts)
        gain = (
            "little is left for nodes side by side, yet"
            if runner != "SequentialRunner"
            else "running nodes side by side adds no CPU, and"
        )
        return leaf(
            runner,
            "cores-busy",
            f"the nodes' own threads and child processes already kept {facts.cores_used:.1f} "
            f"of {facts.cores} cores busy{pools}: {gain} {why}",
        )

    # 5. CPU-bound: GIL, cores, pickling, transfer.
    if not facts.gil_enabled:
        return leaf(
            "ThreadRunner",
            "no-gil",
            "this interpreter runs without a GIL: threads run Python in parallel",
        )
    gil = facts.gil_share
    if gil is not None and gil < GIL_FREE_SHARE:
        return leaf(
            "ThreadRunner",
            "gil-free",
            f"the GIL was held for only {gil:.0%} of the CPU time: the CPU work releases the GIL "
            f"({_gil_free_work(facts)}), so threads run it in parallel with no pickling",
        )
    if gil is None:
        path.append(
            "GIL holding was not measured: assuming the CPU work holds it, as pure Python does"
        )
    else:
        path.append(
            f"the GIL was held for {gil:.0%} of the CPU time: threads would take turns; "
            "only processes run this in parallel"
        )
    if facts.cores <= 1:
        return leaf(
            "SequentialRunner",
            "one-core",
            "only 1 core is available: nothing can compute in parallel",
        )
    fallback, why_not = _without_processes(predicted)
    if not facts.picklable:
        shown = facts.unpicklable[0]
        if len(facts.unpicklable) > 1:
            shown += f", and {len(facts.unpicklable) - 1} more"
        return leaf(
            fallback,
            "unpicklable",
            f"data that would travel to worker processes does not pickle ({shown}): "
            f"ParallelRunner cannot run it, and {why_not}",
        )
    transfer = costs.transfer_time(
        sum(n.pipe_bytes for n in nodes), sum(n.shm_bytes for n in nodes)
    )
    workers = max(1, min(facts.cores, facts.widest_level))
    gain = facts.t1 - max(facts.t1 / workers, facts.t_inf)
    moving = (
        f"moving {fmt_bytes(facts.bytes_moved)} to and from worker processes would cost about "
        f"{fmt_seconds_prose(transfer)}"
    )
    if transfer >= gain:
        return leaf(
            fallback,
            "payloads",
            f"{moving}, more than the at most {fmt_seconds_prose(gain)} that {workers} processes "
            f"can save: payloads too big for processes, and {why_not}",
        )
    best_other = min(
        (predicted[k] for k in ("sequential", "thread") if k in predicted), default=None
    )
    if "parallel" in predicted and best_other is not None and predicted["parallel"] >= best_other:
        return leaf(
            fallback,
            "overheads",
            f"{moving}, but with pool start-up and round trips processes are predicted at "
            f"{fmt_seconds_prose(predicted['parallel'])} against {fmt_seconds_prose(best_other)} "
            f"without them, and {why_not}",
        )
    return leaf(
        "ParallelRunner",
        "processes",
        f"{moving}, less than the up to {fmt_seconds_prose(gain)} that {workers} processes can "
        "save, and the data pickles: processes run the CPU work in parallel",
    )


def _mixed(
    nodes: Sequence[NodeCost], costs: MachineCosts, predicted: Mapping[str, float]
) -> str | None:
    """The hybrid leaf's sentence, when the nodes mix waiting and GIL-holding CPU work and a
    HybridRunner is predicted clearly faster than any single executor (else None)."""
    if "hybrid" not in predicted or not nodes:
        return None
    from runadvisor.advisor import hybrid

    mixed = hybrid.mixed_sentence(nodes, costs)
    others = [time for kind, time in predicted.items() if kind != "hybrid"]
    if mixed is None or not others or predicted["hybrid"] >= THREADS_HELP * min(others):
        return None
    return (
        f"{mixed}: a HybridRunner is predicted at {fmt_seconds_prose(predicted['hybrid'])} "
        f"against {fmt_seconds_prose(min(others))} with any one executor"
    )


def _without_processes(predicted: Mapping[str, float]) -> tuple[str, str]:
    """ThreadRunner if threads are predicted to help, else SequentialRunner; and why."""
    seq, thread = predicted.get("sequential"), predicted.get("thread")
    if seq is not None and thread is not None and thread < THREADS_HELP * seq:
        return "ThreadRunner", (
            f"threads are still predicted to help ({fmt_seconds_prose(thread)} against "
            f"{fmt_seconds_prose(seq)} sequential)"
        )
    if seq is not None and thread is not None:
        return "SequentialRunner", (
            f"threads do not help GIL-holding work (predicted {fmt_seconds_prose(thread)} against "
            f"{fmt_seconds_prose(seq)} sequential)"
        )
    return "SequentialRunner", "threads do not help GIL-holding work"


def _outside_sentence(facts: PipelineFacts) -> str:
    """ ", plus X s in native thread pools and Y s in child processes" (or "")."""
    parts = []
    if facts.pool_cpu >= 0.05 * facts.t1 and facts.pool_cpu > 0:
        parts.append(f"{fmt_seconds_prose(facts.pool_cpu)} of CPU in native thread pools")
    if facts.child_cpu >= 0.05 * facts.t1 and facts.child_cpu > 0:
        parts.append(f"{fmt_seconds_prose(facts.child_cpu)} of CPU in child processes")
    return f", plus {' and '.join(parts)}" if parts else ""


def _machine_sentence(facts: PipelineFacts) -> str:
    """What other processes took during the profiled run, when that was not negligible."""
    load = facts.others_load
    if load is None or load < BUSY_LOAD:
        return ""
    text = f"other processes used {load:.1f} of {facts.cores} cores during the profiled run"
    if facts.cpu_capacity:
        curve = ", ".join(f"{n} threads got {cores:.1f}" for n, cores in facts.cpu_capacity)
        text += f" (of ours, {curve} cores)"
    return text + (
        ": the predictions are for the machine's own cores; while that load lasts, measured "
        "runs gain less"
    )


def _pools(facts: PipelineFacts) -> str:
    pools = [f"{p['library']} with {p['threads']} threads" for p in facts.native_pools]
    return f" ({', '.join(pools)})" if pools else ""


def _gil_free_work(facts: PipelineFacts) -> str:
    if facts.child_cpu > max(facts.pool_cpu, facts.cpu_share * facts.t1):
        return "most of it runs in child processes, which hold no GIL of ours"
    return "as numpy, hashlib, zlib and many pandas operations do"


def _best_predicted(predicted: Mapping[str, float]) -> tuple[str, str]:
    """The runner predicted fastest if it beats sequential by 10%, else SequentialRunner."""
    seq = predicted.get("sequential")
    others = {k: v for k, v in predicted.items() if k != "sequential"}
    if seq is None or not others:
        return "SequentialRunner", "no other runner was simulated"
    kind = min(others, key=lambda k: others[k])
    if others[kind] < THREADS_HELP * seq:
        from runadvisor.runners import registry

        return registry.get(kind).class_name, (
            f"{registry.get(kind).class_name} is predicted at "
            f"{fmt_seconds_prose(others[kind])} against {fmt_seconds_prose(seq)} sequential"
        )
    return "SequentialRunner", (
        f"no runner is predicted to help (best {fmt_seconds_prose(others[kind])} against "
        f"{fmt_seconds_prose(seq)} sequential)"
    )
