"""Profiler overhead, measured side by side: each workload with and without the profiler.

Run: ``pytest benchmarks/test_profiler_overhead.py --benchmark-columns=min,median,rounds``

Two workloads under each runner (SequentialRunner, ThreadRunner(2),
ParallelRunner(2)):

- ``chain``: 1,000 trivial nodes in a line, so per-node cost dominates.
  Target: the profiler adds <= 50 us per node.
- ``fanout``: one source feeding 8 pure-Python CPU nodes (fixed work, not fixed
  time, so a slowdown shows). Target: <= 5% of the unprofiled wall time.

Each (workload, runner) pair is one benchmark group: ``plain`` runs first, then
``profiled``, which records the overhead (from the minimum of the rounds, the
least noisy figure on a shared machine) in ``extra_info`` and prints it. The
targets are asserted only with ``RUNADVISOR_BENCH_STRICT=1``: a shared 2-core
machine is too noisy to fail a build on a few percent.
"""

from __future__ import annotations

import os

import pytest

from runadvisor.io import DataCatalog
from runadvisor.pipeline import node, pipeline
from runadvisor.profiles import Profiler
from runadvisor.runners import ParallelRunner, SequentialRunner, ThreadRunner

CHAIN_LENGTH = 1000
FANOUT = 8
FANOUT_WORK = 1_500_000  # ~0.1 s of pure Python per node
ROUNDS = int(os.environ.get("RUNADVISOR_BENCH_ROUNDS", "3"))
STRICT = os.environ.get("RUNADVISOR_BENCH_STRICT") == "1"
TARGET_PER_NODE = 50e-6
TARGET_SHARE = 0.05

RUNNERS = {
    "sequential": lambda: SequentialRunner(),
    "thread": lambda: ThreadRunner(max_workers=2),
    "parallel": lambda: ParallelRunner(max_workers=2),
}


def step(x: int) -> int:
    return x + 1


def source(n: int) -> int:
    return n


def burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def chain_pipeline():
    return pipeline(
        [node(step, f"d{i}", f"d{i + 1}", name=f"step_{i:04d}") for i in range(CHAIN_LENGTH)]
    )


def fanout_pipeline():
    nodes = [node(source, "work", "n", name="source")]
    nodes += [node(burn, "n", f"out_{i}", name=f"burn_{i}") for i in range(FANOUT)]
    return pipeline(nodes)


WORKLOADS = {
    "chain": (chain_pipeline, lambda: DataCatalog({"d0": 0})),
    "fanout": (fanout_pipeline, lambda: DataCatalog({"work": FANOUT_WORK})),
}

CASES = [
    (workload, runner, variant)
    for workload in WORKLOADS
    for runner in RUNNERS
    for variant in ("plain", "profiled")
]
_plain_min: dict[tuple[str, str], float] = {}


@pytest.mark.parametrize(
    "workload, runner_name, variant", CASES, ids=["-".join(case) for case in CASES]
)
def test_profiler_overhead(benchmark, workload, runner_name, variant):
    make_pipeline, make_catalog = WORKLOADS[workload]
    pipe = make_pipeline()
    benchmark.group = f"{workload}-{runner_name}"
    runner = RUNNERS[runner_name]()
    profiles = []

    def setup():
        return (make_catalog(),), {}

    def plain(catalog):
        runner.run(pipe, catalog)

    def profiled(catalog):
        with Profiler(pipe, runner=runner) as prof:
            runner.run(pipe, catalog, observers=[prof])
        profiles.append(prof.profile)

    benchmark.pedantic(
        plain if variant == "plain" else profiled, setup=setup, rounds=ROUNDS, warmup_rounds=1
    )
    if benchmark.stats is None:  # --benchmark-disable
        return
    best = benchmark.stats.stats.min
    if variant == "plain":
        _plain_min[workload, runner_name] = best
        return
    assert all(len(p.nodes) == len(pipe.nodes) for p in profiles)
    base = _plain_min.get((workload, runner_name))
    if base is None:  # the plain case was deselected
        return
    extra = best - base
    per_node = extra / len(pipe.nodes)
    share = extra / base
    benchmark.extra_info.update(
        plain_min_s=base,
        overhead_s=extra,
        overhead_share=share,
        overhead_per_node_us=per_node * 1e6,
    )
    print(
        f"\n{workload:6s} {runner_name:10s} plain {base:.4f}s profiled {best:.4f}s "
        f"overhead {extra * 1e3:+.1f} ms = {share:+.1%} = {per_node * 1e6:+.1f} us/node"
    )
    if STRICT:
        if workload == "chain":
            assert per_node <= TARGET_PER_NODE
        else:
            assert share <= TARGET_SHARE
