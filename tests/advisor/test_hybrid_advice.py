"""The advisor's HybridRunner: each node's executor from its measurements, pools sized by
simulation, shown as code; on synthetic nodes (no runs) and on one real pipeline."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from runadvisor import DataCatalog, node, pipeline
from runadvisor.advisor import MachineCosts, NodeCost, Recommendation, advise, simulate
from runadvisor.advisor import hybrid as H
from runadvisor.machine import usable_cores
from runadvisor.runners import HybridRunner, registry

COSTS = MachineCosts(
    seq_per_node=0.0,
    run_overhead=0.0,
    thread_handoff=100e-6,
    process_start=0.0,
    process_per_worker=0.0,
    process_round_trip=0.0,
    pipe_rate=1e9,
    shm_rate=4e9,
    cores=2,
)


def io(name, wall=0.25, **extra):
    return NodeCost(name, wall, cpu=0.0, gil=0.0, **extra)


def python(name, wall=0.4, **extra):
    return NodeCost(name, wall, cpu=wall, gil=wall, **extra)


def io_then_cpu():
    """8 waiting nodes feeding 4 GIL-holding ones, two each (the issue's pipeline)."""
    nodes = [io(f"fetch_{i}") for i in range(8)]
    nodes += [python(f"crunch_{j}", parents=(2 * j, 2 * j + 1)) for j in range(4)]
    return nodes


def test_each_node_goes_where_its_measurements_say():
    nodes = [
        io("waits"),
        python("holds_gil"),
        NodeCost("releases_gil", 0.4, cpu=0.4, gil=0.02),
        python("tiny", wall=0.0002),
        python("stuck"),
        python("heavy_data", wall=0.01, pipe_bytes=50_000_000),
    ]
    assignment = H.assign(nodes, COSTS, unpicklable=["stuck"])
    assert assignment.executors == {
        "waits": "threads",
        "holds_gil": "processes",
        "releases_gil": "threads",
        "tiny": "inline",
        "stuck": "inline",
        "heavy_data": "threads",
    }
    assert "does not pickle" in assignment.reasons["stuck"]
    assert assignment.mixed


def test_the_schedule_overlaps_waiting_threads_with_processes():
    nodes = io_then_cpu()
    lanes = [H.assign(nodes, COSTS).executors[n.name] for n in nodes]
    hybrid = H.simulate_assigned(nodes, lanes, threads=8, processes=2, costs=COSTS)
    # threads wait together (0.25 s), then two processes take two CPU nodes each (0.8 s)
    assert hybrid == pytest.approx(0.25 + 0.8, rel=0.01)
    threads = simulate(nodes, "thread", 8, COSTS)  # the GIL serialises the CPU nodes
    processes = simulate(nodes, "parallel", 2, COSTS)  # two workers wait on I/O too
    assert hybrid < 0.7 * min(threads, processes)


def test_a_node_run_inline_holds_the_loop():
    nodes = [python("inline_first", wall=0.5), io("io_second", wall=0.5)]
    lanes = ["inline", "threads"]
    # the pools are fed first, so the thread node starts before the inline one blocks
    assert H.simulate_assigned(nodes, lanes, 1, 0, COSTS) == pytest.approx(0.5, rel=0.01)
    chained = [python("first", wall=0.5), io("later", wall=0.5), io("after", 0.5, parents=(0,))]
    # 'after' is ready only when 'first' ends; 'later' ran beside 'first' in a thread
    assert H.simulate_assigned(chained, ["inline", "threads", "threads"], 1, 0, COSTS) == (
        pytest.approx(1.0, rel=0.01)
    )


def test_pools_are_sized_by_simulation_and_ties_go_to_fewer_workers():
    plan = H.size(io_then_cpu(), H.assign(io_then_cpu(), COSTS), COSTS)
    assert plan.processes == 2  # one per core
    assert plan.threads in (4, 8)  # 4 threads already overlap what can overlap
    assert plan.options()["assign"]["crunch_0"] == "processes"


def test_a_candidate_only_when_mixed_and_clearly_faster():
    rivals = [H.Candidate("thread", 8, predicted=1.85)]
    (candidate,) = H.candidates(io_then_cpu(), COSTS, rivals=rivals)
    assert (
        candidate.kind == "hybrid"
        and candidate.workers
        == candidate.options["max_threads"] + candidate.options["max_processes"]
    )
    assert candidate.label.startswith("HybridRunner(") and "processes" in candidate.label
    assert H.candidates(io_then_cpu(), COSTS, rivals=[replace(rivals[0], predicted=1.1)]) == []
    only_io = [io(f"f{i}") for i in range(4)]
    assert H.candidates(only_io, COSTS) == []


def test_the_recommendation_is_code_that_builds_the_same_runner(tmp_path):
    (candidate,) = H.candidates(io_then_cpu(), COSTS)
    kind = registry.get("hybrid")
    code = kind.call(candidate.workers, candidate.options)
    built = eval(code, {"HybridRunner": HybridRunner})  # ready to paste
    assert isinstance(built, HybridRunner)
    pipe = pipeline(
        [node(lambda: 1, None, f"raw_{i}", name=f"fetch_{i}") for i in range(8)]
        + [
            node(
                lambda a, b: a + b,
                [f"raw_{2 * j}", f"raw_{2 * j + 1}"],
                f"out_{j}",
                name=f"crunch_{j}",
            )
            for j in range(4)
        ]
    )
    assert built.assignment(pipe) == candidate.options["assign"]
    rec = Recommendation(
        runner="HybridRunner",
        max_workers=candidate.workers,
        speedup=2.0,
        confidence="high",
        path=[],
        warnings=[],
        facts=None,  # type: ignore[arg-type]
        candidates=[],
        options=candidate.options,
    )
    assert rec.runner_call == code
    assert rec.make_runner().assignment(pipe) == built.assignment(pipe)
    assert HybridRunner(rec).assignment(pipe) == built.assignment(pipe)


def fetch(i):
    time.sleep(0.2)
    return i


def crunch(*parts):
    end = time.thread_time() + 0.3
    total = 0
    while time.thread_time() < end:
        total += 1
    return sum(parts)


def test_advise_recommends_a_hybrid_for_waiting_nodes_feeding_python_work():
    # More waits than the sweep's processes (4 per core) serve at once: threads overlap
    # them all, then processes run the Python work in parallel.
    fetches = 8 * usable_cores()
    nodes = [node(fetch, f"params:i{i}", f"raw_{i}", name=f"fetch_{i}") for i in range(fetches)]
    half = fetches // 2
    nodes += [
        node(
            crunch,
            [f"raw_{i}" for i in range(j * half, (j + 1) * half)],
            f"out_{j}",
            name=f"crunch_{j}",
        )
        for j in range(2)
    ]
    catalog = DataCatalog({f"params:i{i}": i for i in range(fetches)})
    rec = advise(
        pipeline(nodes),
        catalog,
        runners=["sequential", "thread", "parallel", "hybrid"],
        predict_only=True,
    )
    assert rec.kind == "hybrid", "\n".join(rec.path)
    assign = rec.options["assign"]
    assert {assign[f"fetch_{i}"] for i in range(fetches)} == {"threads"}
    assert {assign[f"crunch_{j}"] for j in range(2)} == {"processes"}
    assert "HybridRunner's assignment" in " ".join(rec.path)
    assert rec.runner_call.startswith("HybridRunner(\n")
    again = Recommendation.from_dict(rec.to_dict())
    assert again.options == rec.options and again.chosen.label == rec.chosen.label
