"""The schedule simulation on synthetic nodes: known answers, no runs."""

from __future__ import annotations

import pytest

from runadvisor.advisor import MachineCosts, NodeCost, bounds, simulate
from runadvisor.advisor.simulate import critical_path, fair_rates, width

FREE = MachineCosts(
    seq_per_node=0.0,
    run_overhead=0.0,
    thread_handoff=0.0,
    process_start=0.0,
    process_per_worker=0.0,
    process_round_trip=0.0,
    pipe_rate=1e9,
    shm_rate=4e9,
    cores=2,
)


def fan(n, wall=1.0, cpu=0.0, gil=0.0, **extra):
    return [NodeCost(f"n{i}", wall, cpu=cpu, gil=gil, **extra) for i in range(n)]


def chain(n, wall=1.0, cpu=1.0, gil=1.0):
    return [
        NodeCost(f"c{i}", wall, cpu=cpu, gil=gil, parents=(i - 1,) if i else ()) for i in range(n)
    ]


def test_waits_overlap_on_threads():
    nodes = fan(8)
    assert simulate(nodes, "sequential", 1, FREE) == pytest.approx(8.0)
    assert simulate(nodes, "thread", 8, FREE) == pytest.approx(1.0)
    assert simulate(nodes, "thread", 4, FREE) == pytest.approx(2.0)
    assert simulate(nodes, "ThreadRunner", 3, FREE) == pytest.approx(3.0)  # 3 + 3 + 2


def test_gil_holding_work_serialises_on_threads_but_not_in_processes():
    nodes = fan(4, cpu=1.0, gil=1.0)
    assert simulate(nodes, "thread", 4, FREE) == pytest.approx(4.0)
    assert simulate(nodes, "parallel", 2, FREE) == pytest.approx(2.0)
    assert simulate(nodes, "parallel", 4, FREE) == pytest.approx(2.0)  # only 2 cores


def test_gil_free_work_runs_in_parallel_up_to_the_cores():
    nodes = fan(4, cpu=1.0, gil=0.0)
    assert simulate(nodes, "thread", 2, FREE) == pytest.approx(2.0)
    assert simulate(nodes, "thread", 4, FREE) == pytest.approx(2.0)
    one_core = MachineCosts(**{**FREE.to_dict(), "cores": 1})
    assert simulate(nodes, "thread", 4, one_core) == pytest.approx(4.0)


def test_no_gil_interpreter():
    nodes = fan(2, cpu=1.0, gil=1.0)
    free_threaded = MachineCosts(**{**FREE.to_dict(), "gil_enabled": False})
    assert simulate(nodes, "thread", 2, free_threaded) == pytest.approx(1.0)


def test_a_wait_beside_python_work_is_not_slowed():
    nodes = [NodeCost("wait", 1.0), NodeCost("python", 1.0, cpu=1.0, gil=1.0)]
    assert simulate(nodes, "thread", 2, FREE) == pytest.approx(1.0)


def test_a_chain_gains_nothing():
    nodes = chain(4)
    for kind in ("sequential", "thread", "parallel"):
        assert simulate(nodes, kind, 4, FREE) == pytest.approx(4.0)
    assert width(nodes) == 1
    assert critical_path(nodes) == (pytest.approx(4.0), ["c0", "c1", "c2", "c3"])


def test_processes_pay_start_up_round_trips_and_transfer():
    costs = MachineCosts(
        **{
            **FREE.to_dict(),
            "process_start": 0.1,
            "process_per_worker": 0.05,
            "process_round_trip": 0.01,
        }
    )
    nodes = fan(2, cpu=1.0, gil=1.0, pipe_bytes=10**9, shm_bytes=4 * 10**9)
    # start 0.1 + one more worker 0.05, then each node 1 + 0.01 + 1 s pipe + 1 s shm
    assert simulate(nodes, "parallel", 2, costs) == pytest.approx(0.15 + 3.01)
    # threads move nothing
    assert simulate(nodes, "thread", 2, costs) == pytest.approx(2.0)


def test_engine_costs_per_node():
    costs = MachineCosts(**{**FREE.to_dict(), "seq_per_node": 0.01, "run_overhead": 0.5})
    assert simulate(fan(10, wall=0.0), "sequential", 1, costs) == pytest.approx(0.6)


def test_bounds():
    nodes = fan(8)
    assert bounds(nodes, 4) == (pytest.approx(2.0), pytest.approx(3.0))
    assert bounds(chain(3), 2) == (pytest.approx(3.0), pytest.approx(4.5))
    for p in (1, 2, 3, 8):
        lower, upper = bounds(nodes, p)
        assert lower <= simulate(nodes, "thread", p, FREE) + 1e-9 <= upper + 1e-9


def test_fair_rates_share_the_scarce_resource():
    usage = [{"gil": 1.0, "cpu": 1.0}, {"gil": 1.0, "cpu": 1.0}, {"gil": 0.0, "cpu": 0.0}]
    rates = fair_rates([0, 1, 2], usage, {"gil": 1.0, "cpu": 2.0})
    assert rates == {0: pytest.approx(0.5), 1: pytest.approx(0.5), 2: pytest.approx(1.0)}
    usage = [{"cpu": 1.0}] * 3 + [{"cpu": 0.1}]
    rates = fair_rates([0, 1, 2, 3], usage, {"cpu": 2.0})
    assert sum(rates[i] * usage[i]["cpu"] for i in rates) == pytest.approx(2.0)


def test_simulate_a_profile(tiny_profile):
    assert simulate(tiny_profile, "sequential") > 0


def test_simulate_takes_kind_names_class_names_and_aliases():
    nodes = [NodeCost("a", 1.0, cpu=1.0), NodeCost("b", 1.0, cpu=1.0)]
    assert simulate(nodes, "ParallelRunner", 2, FREE) == simulate(nodes, "parallel", 2, FREE)
    assert simulate(nodes, "processes", 2, FREE) == simulate(nodes, "parallel", 2, FREE)
    with pytest.raises(ValueError, match="not a runner"):
        simulate(nodes, "nosuchrunner", 2, FREE)


@pytest.fixture
def tiny_profile():
    from runadvisor import DataCatalog, node, pipeline
    from runadvisor.profiles import profile_run
    from runadvisor.runners import SequentialRunner

    pipe = pipeline([node(abs, "x", "y", name="a"), node(abs, "y", "z", name="b")])
    return profile_run(pipe, DataCatalog(raw_data={"x": -1}), SequentialRunner())
