"""Grouping nodes by namespace (Kedro 1.x's ``group_nodes_by``), ``to_json`` and the
warning for a namespace interrupted by outside nodes."""

from __future__ import annotations

import json
import warnings

import pytest

from runadvisor.pipeline import (
    GroupedNodes,
    NamespaceInterruptedWarning,
    Pipeline,
    PipelineError,
    node,
)


def f(*args):
    return args[0] if args else 0


def two(x):
    return x, x


@pytest.fixture
def mixed() -> Pipeline:
    """a.one -> a.sub.two -> three -> b.four -> b.five(+ a.sub.two's output) -> six."""
    return Pipeline(
        [
            node(f, "A", "B", name="one", namespace="a"),
            node(f, "B", "C", name="two", namespace="a.sub"),
            node(f, "C", "D", name="three"),
            node(f, "D", "E", name="four", namespace="b"),
            node(f, ["E", "C"], "F", name="five", namespace="b"),
            node(f, "F", "G", name="six"),
        ]
    )


def test_group_by_top_level_namespace(mixed):
    assert mixed.group_nodes_by("namespace") == [
        GroupedNodes("a", "namespace", ["a.one", "a.sub.two"], []),
        GroupedNodes("three", "nodes", ["three"], ["a"]),
        GroupedNodes("b", "namespace", ["b.four", "b.five"], ["three", "a"]),
        GroupedNodes("six", "nodes", ["six"], ["b"]),
    ]
    assert mixed.group_nodes_by() == mixed.group_nodes_by("NAMESPACE")


def test_group_by_none_gives_one_group_per_node(mixed):
    groups = mixed.group_nodes_by(None)
    assert groups == mixed.group_nodes_by("none")
    assert [g.name for g in groups] == [n.name for n in mixed.nodes]
    by_name = {g.name: g for g in groups}
    assert by_name["b.five"] == GroupedNodes("b.five", "nodes", ["b.five"], ["a.sub.two", "b.four"])
    assert by_name["a.one"].dependencies == []


def test_unknown_strategy(mixed):
    with pytest.raises(PipelineError, match="Unsupported group_by strategy: tags") as info:
        mixed.group_nodes_by("tags")
    assert isinstance(info.value, ValueError)


def test_grouped_nodes_defaults():
    assert GroupedNodes(name="x", type="nodes") == GroupedNodes("x", "nodes", [], [])


def test_to_json_lists_every_node(mixed):
    data = json.loads(mixed.tag(["z", "y"]).to_json())
    assert set(data) == {"kedro_version", "runadvisor_version", "pipeline"}
    assert [entry["name"] for entry in data["pipeline"]] == [n.name for n in mixed.nodes]
    five = next(e for e in data["pipeline"] if e["name"] == "b.five")
    assert five == {"name": "b.five", "inputs": ["E", "C"], "outputs": ["F"], "tags": ["y", "z"]}


# -- interrupted namespaces -------------------------------------------------------------------


def interrupted(nodes) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Pipeline(nodes)
    return [str(w.message) for w in caught if issubclass(w.category, NamespaceInterruptedWarning)]


def test_a_namespace_left_and_reentered_is_reported_with_the_path():
    messages = interrupted(
        [
            node(f, "A", "B", name="n1", namespace="ns1"),
            node(f, "B", "C", name="n2"),
            node(f, "C", "D", name="n2b"),
            node(f, "D", "E", name="n3", namespace="ns1.ns2"),
            node(f, "E", "F", name="n4", namespace="ns1"),
        ]
    )
    assert len(messages) == 1
    assert messages[0].startswith(
        "Namespace 'ns1' is interrupted by nodes ['n2', 'n2b'] and thus invalid."
    )


def test_nested_namespaces_are_each_reported():
    messages = interrupted(
        [
            node(f, "C", "D", name="deep", namespace="ns1.child.grandchild"),
            node(f, "D", "E", name="other", namespace="ns2"),
            node(f, "E", "F", name="back", namespace="ns1.child"),
        ]
    )
    assert sorted(m.split(" is ")[0] for m in messages) == [
        "Namespace 'ns1'",
        "Namespace 'ns1.child'",
    ]
    assert all("['ns2.other']" in m for m in messages)


@pytest.mark.parametrize(
    "nodes",
    [
        [  # continuous
            node(f, "A", "B", name="n1", namespace="ns"),
            node(f, "B", "C", name="n2", namespace="ns"),
        ],
        [  # a child namespace inside its parent
            node(f, "A", "B", name="n1", namespace="ns"),
            node(f, "B", "C", name="n2", namespace="ns.child"),
            node(f, "C", "D", name="n3", namespace="ns"),
        ],
        [  # parallel branches
            node(two, "A", ["B", "C"], name="src", namespace="common"),
            node(f, "B", "D", name="n1", namespace="ns1"),
            node(f, "C", "E", name="n2", namespace="ns2"),
        ],
        [  # an outside node after the namespace, nothing comes back
            node(f, "A", "B", name="n1", namespace="ns"),
            node(f, "B", "C", name="n2"),
            node(f, "C", "D", name="n3", namespace="other"),
        ],
    ],
    ids=["continuous", "child", "parallel", "leaves"],
)
def test_valid_namespaces_raise_no_warning(nodes):
    assert interrupted(nodes) == []


def test_a_long_chain_of_consecutive_namespaces_is_valid():
    nodes = [
        node(f, f"d{i}", f"d{i + 1}", name=f"n{i}", namespace=f"ns{i // 100}.part{i // 10}")
        for i in range(2000)
    ]
    assert interrupted(nodes) == []
    nodes.append(node(f, ["d2000", "d5"], "back", name="back", namespace="ns0"))
    (message,) = interrupted(nodes)
    assert message.startswith(
        "Namespace 'ns0' is interrupted by nodes ['ns1.part10.n100', 'ns1.part10.n101', "
        "'ns1.part10.n102', 'ns1.part10.n103', 'ns1.part10.n104', ..., "
        "'ns19.part199.n1998', 'ns19.part199.n1999'] (1900 nodes) and thus invalid."
    )
