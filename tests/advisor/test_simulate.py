"""The schedule simulation on synthetic nodes: known answers, no runs."""

from __future__ import annotations

import pytest

from runadvisor.advisor import MachineCosts, NodeCost, bounds, simulate
from runadvisor.advisor.schedule import fair_rates
from runadvisor.advisor.simulate import CpuCapacity, critical_path, width

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


# -- CPU outside the node's thread, and a machine shared with others ---------------


def test_work_in_child_processes_needs_cores_not_just_threads():
    # All the CPU is in a child process: the node's thread only waits for it.
    nodes = fan(4, cpu=0.0, gil=0.0, child_cpu=1.0)
    assert nodes[0].waiting == pytest.approx(0.0)
    assert simulate(nodes, "thread", 4, FREE) == pytest.approx(2.0)  # 4 children, 2 cores
    assert simulate(nodes, "thread", 2, FREE) == pytest.approx(2.0)
    sleeping = fan(4, cpu=0.0, gil=0.0)
    assert simulate(sleeping, "thread", 4, FREE) == pytest.approx(1.0)  # waits overlap


def test_native_thread_pools_that_fill_the_cores_leave_nothing_to_gain():
    # Each node keeps two cores busy (its thread and a BLAS thread), holding no GIL.
    nodes = fan(4, cpu=1.0, gil=0.0, pool_cpu=1.0)
    assert nodes[0].threads() == pytest.approx(2.0)
    assert simulate(nodes, "thread", 4, FREE) == pytest.approx(4.0)
    assert simulate(nodes, "parallel", 2, FREE) == pytest.approx(4.0)
    # A pool that keeps only part of a second core busy leaves the rest to other nodes.
    half = fan(4, cpu=1.0, gil=0.0, pool_cpu=0.5)
    assert simulate(half, "thread", 4, FREE) == pytest.approx(4 * 1.5 / 2)


def test_gil_free_work_that_does_not_fill_a_core_pays_past_the_cores():
    # Native work on a CPU a quarter of the time (the rest stalls), GIL released.
    nodes = fan(8, cpu=0.25, gil=0.0)
    assert simulate(nodes, "thread", 2, FREE) == pytest.approx(4.0)
    assert simulate(nodes, "thread", 8, FREE) == pytest.approx(1.0)


def test_capacity_of_a_quiet_machine():
    quiet = CpuCapacity(cores=2)
    assert not quiet.busy
    assert [quiet.cores_for(n) for n in (0, 0.5, 1, 2, 4)] == [0, 0.5, 1, 2, 2]


def test_capacity_of_a_busy_machine_is_scaled_to_what_the_profile_got():
    # Measured: 1 thread got 0.5 core, 2 got 0.8, 4 got 1.2 (others keep 3 threads busy).
    curve = CpuCapacity(cores=2, points=((1, 0.5), (2, 0.8), (4, 1.2)), share=0.5)
    assert curve.busy
    assert curve.cores_for(1) == pytest.approx(0.5)
    assert curve.cores_for(3) == pytest.approx(1.0)  # interpolated
    assert curve.cores_for(16) == pytest.approx(1.2)  # flat after the last point
    # The profiled run's thread got 0.4 of a core, not the 0.5 the probe found: scale.
    later = CpuCapacity(cores=2, points=curve.points, share=0.4)
    assert later.cores_for(2) == pytest.approx(0.8 * 0.4 / 0.5)


def test_on_a_busy_machine_parallel_runs_gain_what_the_scheduler_gives():
    # Each node's thread got half a core while it wanted one (its profile shows the wait).
    nodes = fan(4, wall=1.0, cpu=0.5, gil=1.0, cpu_wait=0.5)
    # One session's share however many threads ask (Linux autogroups): no gain at all.
    flat = CpuCapacity(cores=2, points=((1, 0.5), (2, 0.5), (4, 0.5)), share=0.5)
    assert simulate(nodes, "parallel", 2, FREE, flat) == pytest.approx(4.0)
    # Per-thread fairness beside 2 busy threads: 1 thread gets 2/3 of a core, 2 get 1 core.
    fair = CpuCapacity(cores=2, points=((1, 2 / 3), (2, 1.0), (4, 4 / 3)), share=2 / 3)
    nodes = fan(4, wall=1.0, cpu=2 / 3, gil=1.0, cpu_wait=1 / 3)
    # 1 core for two nodes that each got 2/3 alone: each runs at 0.75 of its profiled speed.
    assert simulate(nodes, "parallel", 2, FREE, fair) == pytest.approx(4.0 / 2 / 0.75)
    # The quiet machine (the default) would have them all run twice as fast.
    assert simulate(nodes, "parallel", 2, FREE) == pytest.approx(2.0)


def test_a_node_alone_runs_as_profiled_even_if_the_curve_says_less():
    # A BLAS node got more than one thread's share: alone it still runs at its own speed.
    node = [NodeCost("blas", 1.0, cpu=0.6, gil=0.0, cpu_wait=0.4, pool_cpu=0.6)]
    flat = CpuCapacity(cores=2, points=((1, 0.5), (2, 0.5), (4, 0.5)), share=0.5)
    assert simulate(node, "thread", 2, FREE, flat) == pytest.approx(1.0)


def test_engine_costs_stretch_on_a_busy_machine():
    costs = MachineCosts(**{**FREE.to_dict(), "seq_per_node": 0.01, "run_overhead": 0.5})
    busy = CpuCapacity(cores=2, points=((1, 0.5), (2, 1.0)), share=0.5)
    nodes = fan(10, wall=0.0)
    assert simulate(nodes, "sequential", 1, costs, busy) == pytest.approx(2 * 0.6)
    assert simulate(nodes, "sequential", 1, costs, CpuCapacity(cores=2)) == pytest.approx(0.6)


def test_share_and_threads_of_a_node():
    node = NodeCost("n", 2.0, cpu=0.5, cpu_wait=0.5, child_cpu=0.5)
    assert node.share() == pytest.approx(0.5)
    assert node.total_cpu == pytest.approx(1.0)
    # its thread wanted a CPU for 1 s; its child's 0.5 s of CPU took 1 s at that share
    assert node.threads() == pytest.approx((1.0 + 1.0) / 2.0)
    assert node.idle() == pytest.approx(0.0)
    # a thread that hardly computed takes the share it is given
    quiet_thread = NodeCost("q", 2.0, child_cpu=0.5)
    assert quiet_thread.share(0.25) == pytest.approx(0.25)
    assert quiet_thread.idle(0.25) == pytest.approx(0.0)
    assert quiet_thread.idle() == pytest.approx(1.5)


def test_threads_taking_turns_with_the_gil_lose_the_wake_ups_on_a_busy_machine():
    import sys

    nodes = fan(2, cpu=1.0, gil=1.0)
    interval = sys.getswitchinterval()
    assert simulate(nodes, "thread", 2, FREE) == pytest.approx(2.0)
    # each hand-over waits a whole interval for a CPU: the GIL works half the time
    slow = CpuCapacity(cores=2, wakeup=interval)
    assert slow.gil_efficiency() == pytest.approx(0.5)
    assert simulate(nodes, "thread", 2, FREE, slow) == pytest.approx(4.0)
    # one GIL-holding node beside a sleeping one takes no turns
    mixed = [NodeCost("python", 1.0, cpu=1.0, gil=1.0), NodeCost("sleep", 1.0)]
    assert simulate(mixed, "thread", 2, FREE, slow) == pytest.approx(1.0)
    # processes have a GIL each
    assert simulate(nodes, "parallel", 2, FREE, slow) == pytest.approx(1.0)


def test_gil_holding_of_nodes_shorter_than_the_monitor_sees_is_unknown(tiny_profile):
    from runadvisor.advisor.simulate import MIN_GIL_WALL, nodes_from_profile

    short, long = tiny_profile.nodes
    short.start, short.end, short.cpu, short.gil_held = 0.0, MIN_GIL_WALL / 4, 0.0009, 0.0
    long.start, long.end, long.cpu, long.gil_held = 0.01, 0.05, 0.04, 0.002
    nodes = {n.name: n for n in nodes_from_profile(tiny_profile)}
    assert nodes[short.name].gil is None  # taken as its CPU time
    assert nodes[short.name].gil_time == pytest.approx(0.0009)
    assert nodes[long.name].gil == pytest.approx(0.002)
