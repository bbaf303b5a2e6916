"""Random pipelines give the same outputs under every runner as direct evaluation."""

import os
from collections import Counter
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runadvisor import DataCatalog, ParallelRunner, SequentialRunner, ThreadRunner, node, pipeline
from runadvisor.runners import HybridRunner

FREE = ["f0", "f1", "f2"]


def add_all(k, *xs):
    return k + sum(xs)


@st.composite
def dags(draw):
    size = draw(st.integers(1, 10))
    specs = []
    for i in range(size):
        choices = FREE + [f"d{j}" for j in range(i)]
        inputs = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True))
        specs.append((i, inputs))
    return specs


def evaluate(specs):
    values = {"f0": 1, "f1": 10, "f2": 100}
    for i, inputs in specs:
        values[f"d{i}"] = add_all(i, *(values[name] for name in inputs))
    return values


def mixed(node):
    """Node ``n<i>`` to inline, threads or processes by ``i``: data crosses between all three."""
    return ("inline", "threads", "processes")[int(node.name[1:]) % 3]


RUNNERS = [
    SequentialRunner(),
    ThreadRunner(max_workers=3),
    ParallelRunner(max_workers=2),
    HybridRunner(mixed, max_threads=2, max_processes=2),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=dags(), runner_index=st.integers(0, len(RUNNERS) - 1))
def test_every_runner_agrees_with_direct_evaluation(specs, runner_index):
    pipe = pipeline(
        [node(partial(add_all, i), inputs, f"d{i}", name=f"n{i}") for i, inputs in specs]
    )
    catalog = DataCatalog({"f0": 1, "f1": 10, "f2": 100})
    events = []
    outputs = RUNNERS[runner_index].run(pipe, catalog, observers=[events.append])
    expected = evaluate(specs)
    assert {name: ds.load() for name, ds in outputs.items()} == {
        name: expected[name] for name in pipe.outputs()
    }
    assert Counter(e.node for e in events) == Counter(n.name for n in pipe.nodes)
    for name in pipe.datasets() - pipe.outputs() - pipe.inputs():
        assert not catalog.exists(name), f"intermediate {name} was not released"


DASK = os.environ.get("RUNADVISOR_TEST_DASK") == "1"  # set by tests/dask/test_in_child.py


@pytest.mark.skipif(not DASK, reason="runs in a child pytest: tests/dask/test_in_child.py")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=dags())
def test_dask_runner_agrees_with_direct_evaluation(specs, dask_client):
    from runadvisor.dask import DaskRunner

    pipe = pipeline(
        [node(partial(add_all, i), inputs, f"d{i}", name=f"n{i}") for i, inputs in specs]
    )
    catalog = DataCatalog({"f0": 1, "f1": 10, "f2": 100})
    events = []
    outputs = DaskRunner(client=dask_client).run(pipe, catalog, observers=[events.append])
    expected = evaluate(specs)
    assert {name: ds.load() for name, ds in outputs.items()} == {
        name: expected[name] for name in pipe.outputs()
    }
    assert Counter(e.node for e in events) == Counter(n.name for n in pipe.nodes)
