"""Which (runner kind, workers) to consider, what each is predicted to take, and
which cannot run at all (data that does not pickle, memory).

The baseline (SequentialRunner) is always first: every speedup is against it.
Worker counts sweep 1, 2, 4, ... up to the pipeline's width. For kinds that
model processes the sweep goes past the cores (up to ``PROCESSES_PER_CORE``
per core) only where the simulation says those counts pay: nodes that wait
for I/O, or whose native work does not fill a core, leave CPUs to more
workers. Threads sweep to the width: the simulation decides which counts are
worth measuring.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from runadvisor.advisor.calibrate import MachineCosts
from runadvisor.advisor.choice import choose
from runadvisor.advisor.facts import PipelineFacts, current_costs
from runadvisor.advisor.options import AdviceOptions
from runadvisor.advisor.recommend import BASELINE_KIND, Candidate
from runadvisor.advisor.simulate import CpuCapacity, NodeCost, bounds, simulate, width
from runadvisor.advisor.status import SKIPPED, UNPICKLABLE
from runadvisor.runners import registry
from runadvisor.units import fmt_bytes

MAX_THREADS = 256
PROCESSES_PER_CORE = 4  # the sweep's most processes per core, where more than one pays
PAST_CORES_GAIN = 0.95  # a count past the cores must be predicted this much faster to be kept
MEMORY_SHARE = 0.8  # of available memory, when no memory_limit is given


@dataclass(frozen=True)
class Slate:
    """The candidates and what rules some out.

    ``candidates``: every (kind, workers) considered, baseline first, each
    predicted; those that cannot run have status ``unpicklable`` or ``skipped``
    with the reason. ``eligible``: those of the kinds asked for that can run.
    ``memory_limit``: bytes the workers may use together, and ``memory_source``
    where that figure comes from. ``warnings``: what ruling out candidates
    found that the user should know.
    """

    candidates: tuple[Candidate, ...]
    eligible: tuple[Candidate, ...]
    memory_limit: int
    memory_source: str
    warnings: tuple[str, ...] = ()

    def tree_pick(self, runner: str) -> Candidate | None:
        """The one configuration that stands for the tree's pick: the eligible candidate of
        its runner kind predicted fastest, ties going to fewer workers (None if that kind
        was not asked for)."""
        kind = registry.find(runner)
        mine = [c for c in self.eligible if kind is not None and c.kind == kind.name]
        return choose(mine, measured=False)  # predicted ties go to fewer workers

    def best_predicted_by_kind(self) -> dict[str, float]:
        """The fastest prediction of each kind considered."""
        best: dict[str, float] = {}
        for c in self.candidates:
            if c.predicted is not None and c.predicted < best.get(c.kind, float("inf")):
                best[c.kind] = c.predicted
        return best


def sweep(
    kind: registry.RunnerKind,
    wide: int,
    cores: int,
    override: tuple[int, ...] | None,
    past_cores: bool = False,
) -> list[int]:
    """The worker counts to consider for ``kind`` on a pipeline ``wide`` nodes wide.

    Kinds that model processes stop at the cores unless ``past_cores``, then at
    ``PROCESSES_PER_CORE`` per core.
    """
    if not kind.takes_workers:
        return [1]
    fixed = kind.fixed_workers(wide, cores) if kind.fixed_workers is not None else None
    if fixed:  # its users cannot choose: only the count it runs with
        return [max(1, min(wide, int(fixed)))]
    if override is not None:
        return sorted({min(w, wide) for w in override})
    top = min(wide, MAX_THREADS)
    if kind.model == "processes":
        top = min(top, cores * (PROCESSES_PER_CORE if past_cores else 1))
    elif kind.model == "dask":  # a LocalCluster here: a worker process per core
        top = min(top, cores)
    counts = []
    p = 1
    while p < top:
        counts.append(p)
        p *= 2
    counts.append(top)
    return counts


def predict(
    nodes: list[NodeCost],
    facts: PipelineFacts,
    costs: MachineCosts,
    options: AdviceOptions,
    *,
    present_load: bool = False,
) -> list[Candidate]:
    """Every candidate of the kinds asked for (and the baseline), simulated.

    Process counts past the cores are kept only when predicted at least
    ``1 - PAST_CORES_GAIN`` faster than the best count up to the cores.

    By default the machine's cores are taken as the pipeline's (the advice is
    for the pipeline, not for whatever else ran beside the facts run). With
    ``present_load``, on a machine that other processes kept busy during the
    facts run, the cores are what the facts run measured this process tree gets
    (``facts.capacity()``): the times measured runs take while that load lasts.
    On a quiet machine both are the same.
    """
    wide = width(nodes)
    capacity = facts.capacity() if present_load else CpuCapacity(cores=max(1, facts.cores))
    costs = current_costs(costs, facts)
    kinds = [BASELINE_KIND] + [k for k in options.kinds if k != BASELINE_KIND]
    candidates = []
    for name in kinds:
        kind = registry.get(name)
        if kind.model == "hybrid":  # one configuration, weighed against the others below
            continue
        mine = []
        for p in sweep(kind, wide, facts.cores, options.workers, past_cores=True):
            lower, upper = bounds(nodes, p)
            mine.append(
                Candidate(
                    kind.name,
                    p,
                    predicted=simulate(nodes, kind.name, p, costs, capacity),
                    lower_bound=lower,
                    upper_bound=upper,
                )
            )
        if kind.model == "processes" and options.workers is None:
            mine = _past_cores_that_pay(mine, facts.cores)
        candidates += mine
    if any(registry.get(name).model == "hybrid" for name in kinds):
        from runadvisor.advisor import hybrid

        candidates += hybrid.candidates(nodes, costs, facts.unpicklable_nodes, candidates)
    if BASELINE_KIND not in options.kinds:
        candidates[0] = replace(
            candidates[0], reason="baseline for the speedups; not among the runners asked for"
        )
    return candidates


def _past_cores_that_pay(candidates: list[Candidate], cores: int) -> list[Candidate]:
    """The counts up to the cores, and those past them predicted clearly faster."""
    within = [c for c in candidates if c.workers <= cores]
    if not within:
        return candidates
    best = min(c.predicted for c in within)
    return within + [
        c for c in candidates if c.workers > cores and c.predicted < PAST_CORES_GAIN * best
    ]


def plan_slate(
    nodes: list[NodeCost], facts: PipelineFacts, costs: MachineCosts, options: AdviceOptions
) -> Slate:
    """Predict every candidate and rule out those that cannot run."""
    explicit = options.memory_limit is not None
    limit = options.memory_limit if explicit else int(MEMORY_SHARE * facts.available_memory)
    source = "memory_limit" if explicit else f"{MEMORY_SHARE:.0%} of the available memory"
    warnings: list[str] = []
    candidates = _rule_out_unpicklable(predict(nodes, facts, costs, options), facts, warnings)
    candidates = _rule_out_memory(candidates, facts, limit, source, warnings)
    eligible = tuple(
        c for c in candidates if c.kind in options.kinds and c.status not in (UNPICKLABLE, SKIPPED)
    )
    return Slate(tuple(candidates), eligible, limit, source, tuple(warnings))


def _rule_out_unpicklable(
    candidates: list[Candidate], facts: PipelineFacts, warnings: list[str]
) -> list[Candidate]:
    if facts.picklable:
        return candidates
    shown = "; ".join(facts.unpicklable)
    warnings.append(
        f"ParallelRunner cannot run this pipeline: data that must travel to worker "
        f"processes does not pickle: {shown}. Use ThreadRunner or SequentialRunner, make "
        "the objects picklable, or keep them in file datasets."
    )
    reason = f"does not pickle: {facts.unpicklable[0]}"
    return [replace(c, status=UNPICKLABLE, reason=reason) if _pickles(c) else c for c in candidates]


def _pickles(candidate: Candidate) -> bool:
    spec = candidate.spec
    return spec is not None and spec.pickles


def _rule_out_memory(
    candidates: list[Candidate],
    facts: PipelineFacts,
    limit: int,
    source: str,
    warnings: list[str],
) -> list[Candidate]:
    need = facts.peak_node_memory or 0
    if not need:
        return candidates
    out, over = [], []
    for c in candidates:
        if c.status != UNPICKLABLE and c.workers > 1 and c.workers * need > limit:
            c = replace(
                c,
                status=SKIPPED,
                reason=(
                    f"memory: {c.workers} workers x {fmt_bytes(need)} per node = "
                    f"{fmt_bytes(c.workers * need)}, over the {fmt_bytes(limit)} limit ({source})"
                ),
            )
            over.append(c.label)
        out.append(c)
    if over:
        warnings.append(
            f"Memory: the largest node needs {fmt_bytes(need)}; {', '.join(over)} would need more "
            f"than {fmt_bytes(limit)} ({source}) and were left out."
        )
    if need > limit:
        warnings.append(
            f"Memory risk: the largest node alone needs {fmt_bytes(need)}, more than "
            f"{fmt_bytes(limit)} ({source})."
        )
    return out
