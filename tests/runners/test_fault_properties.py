"""Random pipelines with a random failing node: every runner agrees with sequential."""

import os
import warnings
from collections import Counter
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runadvisor import DataCatalog, ParallelRunner, SequentialRunner, ThreadRunner, node, pipeline
from runadvisor.runners import HybridRunner


class InjectedFault(Exception):
    pass


def compute(k, fail, *xs):
    if fail:
        raise InjectedFault(f"node {k} failed")
    return k + sum(xs)


@st.composite
def faulty_dags(draw):
    size = draw(st.integers(1, 8))
    specs = []
    for i in range(size):
        choices = ["f0", "f1"] + [f"d{j}" for j in range(i)]
        inputs = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True))
        specs.append((i, inputs))
    failing = draw(st.one_of(st.none(), st.integers(0, size - 1)))
    return specs, failing


def run(specs, failing, runner):
    pipe = pipeline(
        [
            node(partial(compute, i, i == failing), inputs, f"d{i}", name=f"n{i}")
            for i, inputs in specs
        ]
    )
    events = []
    catalog = DataCatalog({"f0": 1, "f1": 10})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            outputs = runner.run(pipe, catalog, observers=[events.append])
        except InjectedFault as exc:
            return ("failed", str(exc)), events
    return ("ok", {name: ds.load() for name, ds in outputs.items()}), events


def mixed(node):
    """Node ``n<i>`` to inline, threads or processes by ``i``: data crosses between all three."""
    return ("inline", "threads", "processes")[int(node.name[1:]) % 3]


RUNNERS = [
    ThreadRunner(max_workers=3),
    ParallelRunner(max_workers=2),
    HybridRunner(mixed, max_threads=2, max_processes=2),
]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=faulty_dags(), runner_index=st.integers(0, len(RUNNERS) - 1))
def test_runners_agree_with_sequential_on_outputs_or_on_the_error(case, runner_index):
    specs, failing = case
    expected, _ = run(specs, failing, SequentialRunner())
    got, events = run(specs, failing, RUNNERS[runner_index])
    assert got == expected
    counts = Counter(e.node for e in events)
    assert all(c == 1 for c in counts.values()), counts
    if failing is not None:
        assert f"n{failing}" in counts


DASK = os.environ.get("RUNADVISOR_TEST_DASK") == "1"  # set by tests/dask/test_in_child.py


@pytest.mark.skipif(not DASK, reason="runs in a child pytest: tests/dask/test_in_child.py")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=faulty_dags())
def test_dask_runner_agrees_with_sequential_on_outputs_or_on_the_error(case, dask_client):
    from runadvisor.dask import DaskRunner

    specs, failing = case
    expected, _ = run(specs, failing, SequentialRunner())
    got, events = run(specs, failing, DaskRunner(client=dask_client))
    assert got == expected
    counts = Counter(e.node for e in events)
    assert all(c == 1 for c in counts.values()), counts
    if failing is not None:
        assert f"n{failing}" in counts
