"""Pipeline: construction, validation, topological order, graph lookups, operators."""

from __future__ import annotations

import gc
import pickle
import time

import cloudpickle
import pytest

from runadvisor.pipeline import (
    CircularDependencyError,
    Node,
    OutputNotUniqueError,
    Pipeline,
    PipelineError,
    node,
)


def f(*args):
    return args[0] if args else 0


def g(x):
    return x


def diamond() -> Pipeline:
    """raw -> left, right -> joined."""
    return Pipeline(
        [
            node(f, "joined_in_l", "joined_l", name="z_tail"),
            node(f, ["left", "right"], "joined_in_l", name="join"),
            node(f, "raw", "right", name="b_right"),
            node(f, "raw", "left", name="a_left"),
        ]
    )


# -- construction and validation ----------------------------------------------------------


def test_flattens_pipelines_and_nodes():
    p1 = Pipeline([node(g, "a", "b", name="n1")])
    n2 = node(g, "b", "c", name="n2")
    p = Pipeline([p1, n2])
    assert len(p) == 2
    assert [n.name for n in p.nodes] == ["n1", "n2"]
    assert Pipeline(p) == p
    assert Pipeline(n2).nodes == [n2]
    assert len(Pipeline([])) == 0
    assert Pipeline(n for n in [n2]).nodes == [n2]


def test_identical_nodes_count_once():
    n = node(g, "a", "b")
    assert len(Pipeline([n, n, Pipeline([n])])) == 1


def test_constructor_tags_every_node():
    p = Pipeline([node(g, "a", "b", tags="old"), node(g, "b", "c")], tags=["new"])
    assert [n.tags for n in p.nodes] == [{"old", "new"}, {"new"}]


def test_bad_items():
    with pytest.raises(PipelineError, match="'nodes' is None"):
        Pipeline(None)
    with pytest.raises(PipelineError, match="must be a list of nodes"):
        Pipeline("abc")
    with pytest.raises(PipelineError) as info:
        Pipeline([node(g, "a", "b"), g])
    assert "item 1 of 'nodes' is a function" in str(info.value)
    assert "node(func, inputs, outputs)" in str(info.value)


def test_duplicate_node_names_name_both_nodes():
    def other(x):
        return x

    with pytest.raises(PipelineError) as info:
        Pipeline([node(g, "a", "b", name="step"), node(other, "c", "d", name="step")])
    message = str(info.value)
    assert "unique names" in message
    assert "'step'" in message
    assert "Node(g, 'a', 'b'" in message
    assert "Node(other, 'c', 'd'" in message
    assert "name='...'" in message


def test_output_produced_twice():
    with pytest.raises(OutputNotUniqueError) as info:
        Pipeline([node(g, "a", "out", name="first"), node(g, "b", "out", name="second")])
    message = str(info.value)
    assert "'out' is written by 'first' and by 'second'" in message
    assert isinstance(info.value, PipelineError)
    assert isinstance(info.value, ValueError)


def test_cycle_names_nodes_in_order():
    with pytest.raises(CircularDependencyError) as info:
        Pipeline(
            [
                node(g, "z", "x", name="c"),
                node(g, "x", "y", name="a"),
                node(g, "y", "z", name="b"),
                node(g, "z", "w", name="downstream"),
                node(g, "free", "other", name="fine"),
            ]
        )
    message = str(info.value)
    assert "a -> b -> c -> a" in message
    assert "'a' writes 'y', read by 'b'" in message
    assert "1 more node(s) downstream" in message
    assert "fine" not in message


def test_two_node_cycle():
    with pytest.raises(CircularDependencyError, match="p -> q -> p"):
        Pipeline([node(g, "b", "a", name="q"), node(g, "a", "b", name="p")])


# -- order ----------------------------------------------------------------------------------


def test_levels_sorted_by_name():
    p = diamond()
    assert [[n.name for n in level] for level in p.grouped_nodes] == [
        ["a_left", "b_right"],
        ["join"],
        ["z_tail"],
    ]
    assert [n.name for n in p.nodes] == ["a_left", "b_right", "join", "z_tail"]


def test_order_ignores_input_order():
    nodes = diamond().nodes
    assert Pipeline(list(reversed(nodes))).nodes == nodes


def test_node_dependencies_and_children():
    p = diamond()
    by = {n.name: n for n in p.nodes}
    deps = p.node_dependencies
    assert deps[by["join"]] == {by["a_left"], by["b_right"]}
    assert deps[by["a_left"]] == set()
    assert list(deps) == p.nodes
    kids = p.node_children()
    assert kids[by["a_left"]] == {by["join"]}
    assert kids[by["z_tail"]] == set()
    assert p.node_dependencies is deps  # cached


def test_dataset_producers_and_consumers():
    p = diamond()
    producers = p.dataset_producers()
    assert producers["left"].name == "a_left"
    assert "raw" not in producers
    consumers = p.dataset_consumers()
    assert [n.name for n in consumers["raw"]] == ["a_left", "b_right"]
    assert consumers["joined_l"] == []
    assert p.dataset_consumers() is consumers


def test_duplicate_input_counts_one_edge():
    p = Pipeline([node(g, "a", "b", name="p"), node(f, ["b", "b"], "c", name="q")])
    assert [n.name for n in p.dataset_consumers()["b"]] == ["q"]
    assert len(p.node_children()[p.nodes[0]]) == 1


def test_free_inputs_outputs_and_datasets():
    p = diamond()
    assert p.inputs() == {"raw"}
    assert p.outputs() == {"joined_l"}
    assert p.all_inputs() == {"raw", "left", "right", "joined_in_l"}
    assert p.all_outputs() == {"left", "right", "joined_in_l", "joined_l"}
    assert p.datasets() == {"raw", "left", "right", "joined_in_l", "joined_l"}
    p.inputs().add("mutated")
    assert p.inputs() == {"raw"}


def test_describe_and_repr():
    p = diamond()
    text = p.describe()
    assert "Inputs: raw" in text
    assert "a_left\nb_right\njoin\nz_tail" in text
    assert "Outputs: joined_l" in text
    assert "\na_left: f([raw]) -> [left]\n" in p.describe(names_only=False)
    assert repr(p).startswith("Pipeline([\n    Node(f, 'raw', 'left', name='a_left'),")
    assert repr(Pipeline([])) == "Pipeline([])"
    assert "Inputs: None" in Pipeline([]).describe()
    big = Pipeline([node(g, f"d{i}", f"d{i + 1}", name=f"n{i:02}") for i in range(12)])
    assert "... (2 more)" in repr(big)


# -- operators ------------------------------------------------------------------------------


def test_union_difference_intersection():
    a = node(g, "a", "b", name="a")
    b = node(g, "b", "c", name="b")
    c = node(g, "c", "d", name="c")
    p, q = Pipeline([a, b]), Pipeline([b, c])
    assert (p + q).nodes == [a, b, c]
    assert (p | q) == p + q
    assert (p - q).nodes == [a]
    assert (p & q).nodes == [b]
    assert sum([p, q]) == p + q
    assert p == Pipeline([b, a])
    assert p != q
    assert hash(p) == hash(Pipeline([b, a]))
    assert p.__add__(1) is NotImplemented
    with pytest.raises(TypeError):
        p + 1
    with pytest.raises(TypeError):
        p - [a]


def test_union_with_conflicting_node_of_same_name():
    with pytest.raises(PipelineError, match="'a'"):
        Pipeline([node(g, "a", "b", name="a")]) + Pipeline([node(g, "x", "y", name="a")])


def test_union_can_create_cycle_or_output_clash():
    with pytest.raises(CircularDependencyError):
        Pipeline([node(g, "a", "b", name="p")]) + Pipeline([node(g, "b", "a", name="q")])
    with pytest.raises(OutputNotUniqueError):
        Pipeline([node(g, "a", "b", name="p")]) + Pipeline([node(g, "c", "b", name="q")])


def test_tag_returns_new_pipeline():
    p = diamond()
    tagged = p.tag("t")
    assert all(n.tags == {"t"} for n in tagged.nodes)
    assert all(n.tags == set() for n in p.nodes)
    assert tagged == p  # tags are not identity


# -- pickling and speed ---------------------------------------------------------------------


def test_pipeline_pickles():
    p = diamond()
    for module in (pickle, cloudpickle):
        copy = module.loads(module.dumps(p))
        assert copy == p
        assert [n.name for n in copy.nodes] == [n.name for n in p.nodes]
        assert copy.node_dependencies.keys() == p.node_dependencies.keys()


def _build_and_index(nodes):
    # The cyclic collector's passes cost in proportion to every object the test process
    # holds (after a thousand tests, far more than the pipeline's): off while timing.
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        p = Pipeline(nodes)
        order = p.nodes
        deps = p.node_dependencies
        p.dataset_consumers()
        p.inputs()
        return time.perf_counter() - start, p, order, deps
    finally:
        gc.enable()


def test_ten_thousand_node_chain_is_linear():
    """Building and indexing costs O(nodes + edges): ten times the nodes take about ten
    times as long, measured against a 1,000-node control in the same test (best of three,
    so a busy machine slows both alike); a quadratic step would take ~100 times."""
    small = [node(g, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(1_000)]
    nodes = [node(g, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(10_000)]
    control = min(_build_and_index(small)[0] for _ in range(3))
    elapsed, p, order, deps = min((_build_and_index(nodes) for _ in range(3)), key=lambda r: r[0])
    assert elapsed < 30 * control, (elapsed, control)
    assert [n.name for n in order[:3]] == ["n0", "n1", "n2"]
    assert len(p.grouped_nodes) == 10_000
    assert deps[order[-1]] == {order[-2]}
    # Slicing is linear too: against the same slices of the 1,000-node control.
    q = Pipeline(small)
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        assert len(q.to_outputs("d500")) == 500
        assert len(q.from_nodes("n900")) == 100
        assert len(q + q) == 1_000
        slice_control = time.perf_counter() - start
        start = time.perf_counter()
        assert len(p.to_outputs("d5000")) == 5000
        assert len(p.from_nodes("n9000")) == 1000
        assert len(p + p) == 10_000
        sliced = time.perf_counter() - start
    finally:
        gc.enable()
    assert sliced < 30 * slice_control + 0.05, (sliced, slice_control)


def test_wide_pipeline_is_fast():
    nodes = [node(g, "root", f"leaf{i}", name=f"w{i}") for i in range(10_000)]
    start = time.perf_counter()
    p = Pipeline(nodes)
    assert len(p.grouped_nodes) == 1
    assert len(p.dataset_consumers()["root"]) == 10_000
    assert time.perf_counter() - start < 0.5


def test_nodes_are_node_instances():
    assert all(isinstance(n, Node) for n in diamond().nodes)


def test_grouped_nodes_are_fresh_lists():
    p = diamond()
    p.grouped_nodes[0].clear()
    assert len(p.grouped_nodes[0]) == 2


def test_many_clashes_are_summarised():
    with pytest.raises(PipelineError, match=r"\.\.\. and 2 more"):
        Pipeline([node(g, "a", f"o{k}", name="same") for k in range(8)])
    with pytest.raises(OutputNotUniqueError, match=r"\.\.\. and 1 more"):
        Pipeline([node(g, f"i{k}", "out", name=f"n{k}") for k in range(7)])


def test_unknown_names_in_empty_and_large_pipelines():
    with pytest.raises(PipelineError, match="the pipeline has no nodes"):
        Pipeline([]).only_nodes("x")
    big = Pipeline([node(g, f"d{i}", f"d{i + 1}", name=f"n{i}") for i in range(20)])
    with pytest.raises(PipelineError, match=r"has 20 nodes; pipeline\.describe\(\) lists them"):
        big.only_nodes("x")


def test_node_with_unusual_equality_function_is_still_comparable():
    class Weird:
        __name__ = "weird"

        def __call__(self, x):
            return x

        def __eq__(self, other):
            raise RuntimeError("no comparing")

        __hash__ = object.__hash__

    a = node(Weird(), "a", "b", name="w")
    b = node(Weird(), "a", "b", name="w")
    assert a == a
    assert a != b
