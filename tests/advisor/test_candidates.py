"""The worker-count sweep on synthetic nodes: which counts are candidates, and why."""

from __future__ import annotations

import pytest

from runadvisor.advisor import MachineCosts, NodeCost
from runadvisor.advisor.candidates import predict, sweep
from runadvisor.advisor.facts import facts_from_nodes
from runadvisor.advisor.options import check_options
from runadvisor.profiles.machine import Machine
from runadvisor.runners import registry

COSTS = MachineCosts(
    seq_per_node=1e-5,
    run_overhead=1e-3,
    thread_handoff=2e-5,
    process_start=5e-3,
    process_per_worker=3e-3,
    process_round_trip=1e-4,
    cores=2,
)


class _Profile:
    """The little of a RunProfile that facts_from_nodes reads."""

    nodes = ()
    machine = Machine(
        cores=2,
        logical_cpus=2,
        cpu_quota=None,
        total_memory=8 * 10**9,
        available_memory=8 * 10**9,
        python_version="3.11",
        implementation="CPython",
        gil_enabled=True,
        start_method="fork",
        platform="Linux",
    )


def counts(nodes, kind="parallel", workers=None):
    facts = facts_from_nodes(nodes, _Profile())
    options = check_options(("sequential", "thread", "parallel"), workers, 1, True, None, None)
    return [c.workers for c in predict(nodes, facts, COSTS, options) if c.kind == kind]


def test_processes_stop_at_the_cores_for_cpu_work():
    python = [NodeCost(f"n{i}", 0.1, cpu=0.1, gil=0.1) for i in range(16)]
    assert counts(python) == [1, 2]


def test_processes_go_past_the_cores_where_nodes_wait():
    waiting = [NodeCost(f"n{i}", 0.1, cpu=0.01, gil=0.01) for i in range(16)]
    assert counts(waiting) == [1, 2, 4, 8]  # up to 4 per core


def test_threads_sweep_to_the_width():
    python = [NodeCost(f"n{i}", 0.1, cpu=0.1, gil=0.1) for i in range(6)]
    assert counts(python, "thread") == [1, 2, 4, 6]


def test_given_counts_replace_the_sweep():
    waiting = [NodeCost(f"n{i}", 0.1) for i in range(16)]
    assert counts(waiting, workers=[3, 5]) == [3, 5]


def test_sweep_itself():
    processes = registry.get("parallel")
    assert sweep(processes, 16, 2, None) == [1, 2]
    assert sweep(processes, 16, 2, None, past_cores=True) == [1, 2, 4, 8]
    assert sweep(processes, 3, 2, None, past_cores=True) == [1, 2, 3]
    assert sweep(registry.get("sequential"), 16, 2, None) == [1]
    assert sweep(registry.get("thread"), 300, 2, None)[-1] == 256


def test_predictions_are_for_the_machines_cores_unless_the_present_load_is_asked_for():
    python = [NodeCost(f"n{i}", 0.1, cpu=0.1, gil=0.1) for i in range(8)]
    facts = facts_from_nodes(python, _Profile(), probed=[(2, 1.0), (4, 1.0)])  # 1 core for us
    assert facts.capacity().busy
    options = check_options(("parallel",), [2], 1, True, None, None)

    def parallel(**kw):
        found = predict(python, facts, COSTS, options, **kw)
        return next(c.predicted for c in found if c.kind == "parallel")

    quiet = facts_from_nodes(python, _Profile())
    assert parallel() == next(
        c.predicted for c in predict(python, quiet, COSTS, options) if c.kind == "parallel"
    )
    assert parallel(present_load=True) == pytest.approx(2 * parallel(), rel=0.1)
