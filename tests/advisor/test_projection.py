"""DaskRunner's projection onto clusters: known answers on synthetic nodes, and the bounds."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runadvisor.advisor import MachineCosts, NodeCost, simulate
from runadvisor.advisor import projection as X

DASK = {
    "run_overhead": 1.0,
    "process_per_worker": 0.25,
    "process_start": 0.05,
    "process_round_trip": 0.005,
    "pipe_rate": 1e9,
}
COSTS = MachineCosts(cores=2, kinds={"dask": DASK})


def chain(n, wall=0.1, size=1_000_000):
    return [
        NodeCost(f"c{i}", wall, cpu=wall, parents=(i - 1,) if i else ()) for i in range(n)
    ], X.Flow(tuple(((i - 1, size),) if i else () for i in range(n)), (0,) * n)


def fan(n, wall=1.0):
    return [NodeCost(f"n{i}", wall, cpu=wall) for i in range(n)], X.Flow(((),) * n, (0,) * n)


def test_a_chain_stays_on_one_worker_and_moves_nothing():
    nodes, flow = chain(10)
    cluster = X.remote(COSTS, 8)
    expected = 0.05 + 10 * (0.1 + 0.005)  # connect, then each node and its task cost
    assert X.predict(nodes, flow, cluster) == pytest.approx(expected)


def test_this_machine_is_a_local_cluster_started_for_the_run():
    nodes, flow = fan(4)
    here = X.local(COSTS, 2)
    assert here.overhead == pytest.approx(1.0 + 0.25) and here.cores == 2
    assert X.predict(nodes, flow, here) == pytest.approx(1.25 + 2 * (1.0 + 0.005))
    assert simulate(nodes, "dask", 2, COSTS) == pytest.approx(1.25 + 2 * 1.005)


def test_adding_workers_stops_paying_where_the_work_runs_out():
    nodes, flow = fan(16)
    data = X.project(nodes, COSTS, flow)
    by = {row["workers"]: row["predicted"] for row in data["rows"]}
    assert by[4] == pytest.approx(0.05 + 4 * 1.005)
    assert by[16] == pytest.approx(0.05 + 1.005)
    assert by[32] == by[64] == by[16]  # 16 nodes: more workers wait
    assert data["stops_paying"] == 16
    assert "stops paying at about 16" in data["sentence"]
    assert data["this_machine"]["workers"] == 2
    json.dumps(data)  # plain data, for report.json


def test_uncalibrated_costs_fall_back_to_dask_defaults():
    nodes, flow = fan(2)
    plain = MachineCosts(cores=2)
    assert X.local(plain, 1).task_cost == X.DEFAULTS["process_round_trip"]
    assert X.project(nodes, plain, flow)["calibrated"] is False


@st.composite
def dags(draw):
    n = draw(st.integers(1, 12))
    nodes, inputs = [], []
    for i in range(n):
        parents = tuple(sorted(draw(st.sets(st.integers(0, i - 1), max_size=3)))) if i else ()
        wall = draw(st.floats(0.001, 2.0))
        nodes.append(NodeCost(f"n{i}", wall, cpu=wall, parents=parents))
        inputs.append(tuple((p, draw(st.integers(0, 10**8))) for p in parents))
    free = tuple(draw(st.integers(0, 10**7)) for _ in range(n))
    return nodes, X.Flow(tuple(inputs), free)


@settings(max_examples=150, deadline=None)
@given(case=dags(), workers=st.sampled_from([1, 2, 4, 8, 16, 64]))
def test_every_prediction_lies_within_its_bounds(case, workers):
    nodes, flow = case
    for cluster in (X.remote(COSTS, workers), X.local(COSTS, min(workers, 2))):
        lower, upper = X.bounds_for(nodes, flow, cluster)
        predicted = X.predict(nodes, flow, cluster)
        assert lower - 1e-9 <= predicted <= upper + 1e-9
