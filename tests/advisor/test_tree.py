"""The decision tree on synthetic facts: every leaf, and the numbers in its sentences."""

from __future__ import annotations

from dataclasses import replace

import pytest

from runadvisor.advisor import MachineCosts, NodeCost, PipelineFacts
from runadvisor.advisor.tree import walk

COSTS = MachineCosts(cores=2, thread_handoff=20e-6, process_round_trip=80e-6)

# Four independent 0.1 s nodes of pure Python: the textbook ParallelRunner case.
BASE = PipelineFacts(
    n_nodes=4,
    t1=0.4,
    t_inf=0.1,
    parallelism=4.0,
    widest_level=4,
    cpu_share=0.98,
    noncpu_share=0.02,
    gil_share=0.97,
    bytes_moved=1000,
    peak_node_memory=10**6,
    cores=2,
    available_memory=8 * 10**9,
)
NODES = [NodeCost(f"n{i}", 0.1, cpu=0.1, gil=0.1, pipe_bytes=250) for i in range(4)]
PREDICTED = {"sequential": 0.4, "thread": 0.39, "parallel": 0.21}


def decide(facts=BASE, nodes=NODES, predicted=PREDICTED, costs=COSTS):
    return walk(facts, costs, nodes, predicted)


def test_cpu_bound_gil_holding_picklable_goes_to_processes():
    verdict = decide()
    assert (verdict.runner, verdict.leaf) == ("ParallelRunner", "processes")
    text = " ".join(verdict.path)
    assert "average parallelism 4.0" in text and "4 nodes at the widest level" in text
    assert "GIL was held for 97%" in text and "2 processes" in text
    assert verdict.reason.endswith("-> ParallelRunner")


def test_a_chain_is_sequential():
    verdict = decide(replace(BASE, parallelism=1.05, t_inf=0.38))
    assert (verdict.runner, verdict.leaf) == ("SequentialRunner", "chain")
    assert "average parallelism 1.1" in verdict.reason and "a chain" in verdict.reason
    assert len(verdict.path) == 1


def test_one_node_is_sequential():
    verdict = decide(replace(BASE, n_nodes=1, parallelism=1.0))
    assert verdict.leaf == "chain" and "a single node" in verdict.reason


def test_tiny_nodes_are_sequential():
    facts = replace(BASE, n_nodes=1000, t1=0.02, t_inf=0.001, parallelism=20.0)
    verdict = decide(facts)
    assert (verdict.runner, verdict.leaf) == ("SequentialRunner", "tiny")
    assert "1000 nodes average 0.020 ms" in verdict.reason
    assert "0.020 ms" in verdict.reason and "tiny nodes" in verdict.reason


def test_waiting_is_threads():
    verdict = decide(replace(BASE, cpu_share=0.08, noncpu_share=0.92, gil_share=0.5))
    assert (verdict.runner, verdict.leaf) == ("ThreadRunner", "io")
    assert "92% of node time is waiting" in verdict.reason and "I/O-bound" in verdict.reason


def test_gil_releasing_cpu_work_is_threads():
    verdict = decide(replace(BASE, gil_share=0.04))
    assert (verdict.runner, verdict.leaf) == ("ThreadRunner", "gil-free")
    assert "only 4% of the CPU time" in verdict.reason and "releases the GIL" in verdict.reason


def test_no_gil_is_threads():
    verdict = decide(replace(BASE, gil_enabled=False))
    assert (verdict.runner, verdict.leaf) == ("ThreadRunner", "no-gil")


def test_one_core_is_sequential():
    verdict = decide(replace(BASE, cores=1))
    assert (verdict.runner, verdict.leaf) == ("SequentialRunner", "one-core")


def test_unpicklable_data_rules_out_processes():
    facts = replace(
        BASE,
        picklable=False,
        unpicklable=["output 'conn'._sock: cannot pickle 'socket' object", "x: y"],
    )
    verdict = decide(facts)
    assert (verdict.runner, verdict.leaf) == ("SequentialRunner", "unpicklable")
    assert "cannot pickle 'socket' object" in verdict.reason and "and 1 more" in verdict.reason
    assert "threads do not help GIL-holding work" in verdict.reason
    helped = decide(facts, predicted={**PREDICTED, "thread": 0.25})
    assert helped.runner == "ThreadRunner" and "still predicted to help" in helped.reason


def test_big_payloads_rule_out_processes():
    big = [replace(n, pipe_bytes=200 * 10**6) for n in NODES]
    verdict = decide(replace(BASE, bytes_moved=800 * 10**6), nodes=big)
    assert (verdict.runner, verdict.leaf) == ("SequentialRunner", "payloads")
    assert "moving 800 MB" in verdict.reason and "payloads too big" in verdict.reason


def test_processes_predicted_no_faster():
    verdict = decide(predicted={**PREDICTED, "parallel": 0.45})
    assert (verdict.runner, verdict.leaf) == ("SequentialRunner", "overheads")
    assert "predicted at 0.45 s" in verdict.reason


def test_unmeasured_gil_is_assumed_held():
    verdict = decide(replace(BASE, gil_share=None))
    assert verdict.runner == "ParallelRunner"
    assert any("not measured" in p for p in verdict.path)


@pytest.mark.parametrize("busy", [0.0, 0.3])
def test_a_busy_machine_is_not_mistaken_for_io(busy):
    verdict = decide(replace(BASE, cpu_share=0.6, noncpu_share=0.02, cpu_wait_share=busy))
    assert verdict.leaf == "processes"
    assert ("waiting for a CPU" in " ".join(verdict.path)) == (busy > 0)


def test_native_pools_that_keep_the_cores_busy_are_sequential():
    pools = [{"api": "blas", "library": "openblas", "threads": 2}]
    facts = replace(
        BASE, gil_share=0.02, pool_cpu=0.35, cores_used=1.85, native_pools=pools, cpu_share=0.95
    )
    verdict = decide(facts, predicted={"sequential": 0.4, "thread": 0.39, "parallel": 0.41})
    assert (verdict.runner, verdict.leaf) == ("SequentialRunner", "cores-busy")
    assert "already kept 1.9 of 2 cores busy (openblas with 2 threads)" in verdict.reason
    assert "no runner is predicted to help" in verdict.reason
    assert any("0.35 s of CPU in native thread pools" in p for p in verdict.path)
    # unless the simulation finds room (the pool leaves gaps that other nodes fill)
    helped = decide(facts, predicted={"sequential": 0.4, "thread": 0.3, "parallel": 0.41})
    assert helped.runner == "ThreadRunner" and "predicted at 0.30 s" in helped.reason
    assert "little is left for nodes side by side, yet" in helped.reason


def test_cpu_work_in_child_processes_is_not_waiting_and_runs_in_threads():
    facts = replace(
        BASE, cpu_share=0.01, noncpu_share=0.05, gil_share=0.0, child_cpu=0.36, cores_used=0.9
    )
    verdict = decide(facts)
    assert (verdict.runner, verdict.leaf) == ("ThreadRunner", "gil-free")
    assert "runs in child processes" in verdict.reason
    assert any("0.36 s of CPU in child processes" in p for p in verdict.path)


def test_a_busy_machine_is_said_with_its_numbers():
    facts = replace(BASE, others_load=1.4, cpu_capacity=[(1, 0.5), (2, 0.6), (4, 0.6)])
    text = " ".join(decide(facts).path)
    assert "other processes used 1.4 of 2 cores during the profiled run" in text
    assert "1 threads got 0.5, 2 threads got 0.6, 4 threads got 0.6 cores" in text
    assert "while that load lasts, measured runs gain less" in text
    assert "other processes" not in " ".join(decide(replace(BASE, others_load=0.1)).path)
