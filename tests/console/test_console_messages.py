"""What people read when they print an object or make a slip: short reprs, "did you mean"."""

from __future__ import annotations

import pytest

from runadvisor import DataCatalog, MemoryDataset, Pipeline, node
from runadvisor.console.filters import apply_filters, suggest
from runadvisor.console.options import OptionError
from runadvisor.runners import ParallelRunner, RunnerError, SequentialRunner, ThreadRunner


def identity(x):
    return x


FILTERS = {
    "tags": (),
    "node_names": None,
    "from_nodes": None,
    "to_nodes": None,
    "from_inputs": None,
    "to_outputs": None,
}


def test_runners_print_as_the_code_that_makes_them():
    assert str(ThreadRunner(max_workers=4)) == "ThreadRunner(max_workers=4)"
    assert repr(ParallelRunner()) == "ParallelRunner()"
    assert repr(SequentialRunner()) == "SequentialRunner()"
    assert " at 0x" not in repr(MemoryDataset([1, 2]))


def test_a_recommendation_prints_in_one_short_line(recommendation_like):
    text = repr(recommendation_like)
    assert "\n" not in text and len(text) < 300
    assert text.startswith(f"Recommendation({recommendation_like.runner_call}, speedup=")
    assert f"{len(recommendation_like.candidates)} candidates" in text
    assert str(recommendation_like.make_runner()) in text
    assert "RunProfile" not in text  # the profiles are named, not dumped


@pytest.fixture(scope="module")
def recommendation_like():
    from runadvisor.advisor import Candidate, PipelineFacts, Recommendation

    facts = PipelineFacts(
        n_nodes=3,
        t1=1.0,
        t_inf=0.5,
        parallelism=2.0,
        widest_level=2,
        cpu_share=0.9,
        noncpu_share=0.1,
        gil_share=0.2,
        bytes_moved=0,
        peak_node_memory=None,
    )
    candidates = [
        Candidate("sequential", 1, predicted=1.0, measured=(1.0, 1.1), status="ok", speedup=1.0),
        Candidate("thread", 4, predicted=0.4, measured=(0.5, 0.52), status="ok", speedup=2.0),
        Candidate("parallel", 2, predicted=0.9, status="skipped", speedup=1.1),
    ]
    return Recommendation(
        runner="ThreadRunner",
        max_workers=4,
        speedup=2.0,
        confidence="high",
        path=["because"],
        warnings=[],
        facts=facts,
        candidates=candidates,
        profiles={"facts": object(), "ThreadRunner(4)": object()},
    )


def test_a_missing_input_one_slip_from_a_catalog_entry_gets_a_suggestion():
    pipe = Pipeline([node(identity, "raw_sale", "out", name="n")])
    catalog = DataCatalog({"raw_sales": MemoryDataset([1]), "other": MemoryDataset(2)})
    with pytest.raises(RunnerError, match=r"\('raw_sale': did you mean 'raw_sales'\?\)"):
        SequentialRunner().run(pipe, catalog)
    far = Pipeline([node(identity, "zzz", "out", name="n")])
    with pytest.raises(RunnerError) as info:
        SequentialRunner().run(far, catalog)
    assert "did you mean" not in str(info.value)  # no guess when nothing is close


def test_node_names_are_suggested_from_the_pipeline():
    known = [
        "fetch_amsterdam",
        "fetch_berlin",
        "fetch_cairo",
        "merge",
        "ns.clean",
        "load__1a2b3c4d",
    ]
    assert suggest("fetch_amsterdm", known) == ["fetch_amsterdam"]  # not weaker guesses too
    assert suggest("Merge", known) == ["merge"]
    assert suggest("clean", known) == ["ns.clean"]  # the namespaced node
    assert suggest("load", known) == ["load__1a2b3c4d"]  # a Kedro default name
    assert suggest("xyz", known) == []


def test_a_node_filter_slip_names_the_option_and_the_node_meant():
    pipe = Pipeline(
        [node(identity, "a", "b", name="clean_orders"), node(identity, "b", "c", name="kpis")]
    )
    catalog = DataCatalog({"a": MemoryDataset(1)})
    with pytest.raises(OptionError) as info:
        apply_filters(pipe, catalog, {**FILTERS, "to_nodes": "clean_order"})
    message = str(info.value)
    assert message.startswith("--to-nodes: unknown node name(s) 'clean_order'")
    assert "(did you mean 'clean_orders'?)" in message
    assert "the pipeline's nodes are: 'clean_orders', 'kpis'" in message
