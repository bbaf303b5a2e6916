"""The facts run's own measurements: CPU outside the nodes' threads, the machine's load,
the engine's cost per node; and how they reach PipelineFacts and the simulation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from runadvisor import DataCatalog, node, pipeline
from runadvisor.advisor import MachineCosts
from runadvisor.advisor.facts import (
    MIN_NODES_FOR_ENGINE,
    build_facts,
    current_costs,
    profile_facts,
)
from runadvisor.advisor.facts_run import facts_job

CHILD = "acc = 0\nfor i in range(1_500_000):\n    acc += i % 7\n"


def in_child(_: int) -> int:
    subprocess.run([sys.executable, "-S", "-c", CHILD], check=True)
    return 1


def combine(*parts: int) -> int:
    return sum(parts)


def child_fanout():
    nodes = [node(in_child, "params:x", f"p{i}", name=f"child_{i}") for i in range(3)]
    nodes.append(node(combine, ["p0", "p1", "p2"], "out", name="combine"))
    return pipeline(nodes), DataCatalog(raw_data={"params:x": 1})


def test_cpu_in_child_processes_reaches_the_facts():
    pipe, catalog = child_fanout()
    facts, nodes, _ = build_facts(profile_facts(pipe, catalog, 60.0))
    children = [n for n in nodes if n.name.startswith("child_")]
    assert all(n.child_cpu > 10 * n.on_cpu for n in children)  # CPU against CPU
    assert facts.child_cpu == pytest.approx(sum(n.child_cpu for n in nodes))
    assert facts.gil_share is not None and facts.gil_share < 0.3  # no GIL of ours held
    assert facts.engine_overhead is not None and facts.engine_overhead >= 0
    assert facts.to_dict()["child_cpu"] == facts.child_cpu  # JSON-safe


def test_the_facts_answer_carries_the_machine():
    pipe, catalog = child_fanout()
    answer = facts_job(pipe, catalog)  # in this process: no child needed for the check
    assert set(answer["native"]) == {n.name for n in pipe.nodes}
    assert {"others_load", "capacity", "pools", "wakeup"} <= set(answer)
    assert answer["wakeup"] is None or answer["wakeup"] >= 0
    if answer["capacity"] is not None:  # a busy machine: the curve was measured
        assert [n for n, _ in answer["capacity"]] == [2, 4]


def answer_with(native, capacity=None, others=None, pools=(), wall_extra=0.0):
    """A facts_job answer for two independent nodes of 1 s, as the child would send it."""
    from runadvisor.profiles import profile_run
    from runadvisor.runners import SequentialRunner

    pipe = pipeline([node(abs, "x", "y", name="a"), node(abs, "x", "z", name="b")])
    profile = profile_run(pipe, DataCatalog(raw_data={"x": -1}), SequentialRunner())
    for i, record in enumerate(profile.nodes):
        record.start, record.end, record.cpu = float(i), float(i) + 1.0, 1.0
        record.gil_held, record.cpu_wait = 0.0, 0.0
    profile.wall = 2.0 + wall_extra
    return {
        "profile": profile.to_dict(),
        "order": ["a", "b"],
        "widest_level": 2,
        "travels": {},
        "sizes": {},
        "unpicklable": [],
        "start_method": "fork",
        "sizing_seconds": 0.0,
        "native": native,
        "others_load": others,
        "capacity": capacity,
        "pools": list(pools),
        "wakeup": 0.0005 if native else None,
    }


def test_native_pools_and_the_machine_reach_the_nodes_and_the_facts():
    pools = [{"api": "blas", "library": "openblas", "threads": 2}]
    answer = answer_with(
        {"a": (1.0, 0.0), "b": (0.5, 0.25)},
        capacity=[[2, 0.6], [4, 0.4]],
        others=1.4,
        pools=pools,
        wall_extra=0.1,
    )
    facts, nodes, _ = build_facts(answer)
    by_name = {n.name: n for n in nodes}
    assert (by_name["a"].pool_cpu, by_name["a"].child_cpu) == (1.0, 0.0)
    assert (by_name["b"].pool_cpu, by_name["b"].child_cpu) == (0.5, 0.25)
    assert facts.pool_cpu == pytest.approx(1.5) and facts.child_cpu == pytest.approx(0.25)
    assert facts.cores_used == pytest.approx((2.0 + 1.75) / 2.0)
    assert facts.gil_share == pytest.approx(0.0)
    assert facts.others_load == 1.4 and facts.native_pools == pools
    assert facts.wakeup_latency == pytest.approx(0.0005)
    assert facts.engine_overhead == pytest.approx(0.1)
    # one thread at the share the nodes got (all CPU, no wait: 1), then the probe's points,
    # never below it
    assert facts.thread_share == 1.0
    assert facts.cpu_capacity == [(1, 1.0), (2, 1.0), (4, 1.0)]
    capacity = facts.capacity()
    assert capacity.busy and capacity.points == ((1.0, 1.0), (2.0, 1.0), (4.0, 1.0))
    assert capacity.wakeup == pytest.approx(0.0005)


def test_a_quiet_machine_has_no_curve():
    facts, _, _ = build_facts(answer_with({}))
    assert facts.cpu_capacity is None and not facts.capacity().busy
    assert facts.pool_cpu == 0.0 and facts.wakeup_latency is None


def test_the_engine_cost_per_node_comes_from_the_run_when_it_has_enough_nodes():
    costs = MachineCosts(seq_per_node=30e-6, run_overhead=1e-3, cores=2)
    facts, _, _ = build_facts(answer_with({}))
    n = MIN_NODES_FOR_ENGINE
    facts.n_nodes, facts.engine_overhead = n, 1e-3 + n * 100e-6
    assert current_costs(costs, facts).seq_per_node == pytest.approx(100e-6)
    assert current_costs(costs, facts).thread_handoff == costs.thread_handoff
    facts.n_nodes = n - 1  # too few nodes to tell the run's fixed cost from theirs
    assert current_costs(costs, facts) is costs
    # on a busy machine the figure is kept quiet-equivalent: the simulation stretches it
    facts.n_nodes, facts.cpu_capacity, facts.thread_share = n, [(1, 0.5)], 0.5
    expected = (facts.engine_overhead * 0.5 - 1e-3) / n
    assert current_costs(costs, facts).seq_per_node == pytest.approx(expected)


def test_threads_that_hardly_computed_take_their_share_from_the_probe():
    from runadvisor.advisor.facts import thread_share
    from runadvisor.advisor.simulate import NodeCost

    children = [NodeCost("c", 1.0, child_cpu=0.5)]
    assert thread_share(children) == 1.0
    assert thread_share(children, [(2, 0.9), (4, 1.0)]) == pytest.approx(0.25)
    waited = [NodeCost("w", 1.0, cpu=0.6, cpu_wait=0.4)]
    assert thread_share(waited, [(2, 0.9), (4, 1.0)]) == pytest.approx(0.6)
    # threads that mostly sleep: their waits at wake-up say nothing of throughput
    sleepers = [NodeCost("s", 0.03, cpu=0.0002, cpu_wait=0.001) for _ in range(16)]
    assert thread_share(sleepers, [(2, 0.9), (4, 1.0)]) == 1.0
