"""Properties of Pipeline on random DAGs, checked against naive definitions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runadvisor.pipeline import Node, Pipeline, node

FREE = [f"free{i}" for i in range(4)]


def fn(*args):
    return args


@st.composite
def dags(draw: st.DrawFn) -> list[Node]:
    """Node i reads outputs of nodes < i and/or free inputs; names are shuffled so that
    name order and topological order differ."""
    count = draw(st.integers(1, 25))
    names = draw(st.permutations([f"n{i:02}" for i in range(count)]))
    produced: list[str] = []
    nodes = []
    for i in range(count):
        pool = produced + FREE
        inputs = draw(st.lists(st.sampled_from(pool), max_size=3, unique=True))
        outputs = [f"d{i}_{k}" for k in range(draw(st.integers(1, 2)))]
        nodes.append(node(fn, inputs, outputs, name=names[i]))
        produced.extend(outputs)
    return nodes


def naive_parents(nodes: list[Node]) -> dict[str, set[str]]:
    producer = {ds: n.name for n in nodes for ds in n.outputs}
    return {n.name: {producer[ds] for ds in n.inputs if ds in producer} for n in nodes}


def reachable(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, stack = set(start), list(start)
    while stack:
        for nxt in edges[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def children_of(parents: dict[str, set[str]]) -> dict[str, set[str]]:
    kids: dict[str, set[str]] = {name: set() for name in parents}
    for child, ps in parents.items():
        for p in ps:
            kids[p].add(child)
    return kids


@settings(max_examples=100, deadline=None)
@given(dags(), st.randoms(use_true_random=False))
def test_order_is_topological_levelled_and_deterministic(nodes, rnd):
    p = Pipeline(nodes)
    parents = naive_parents(nodes)
    position = {n.name: i for i, n in enumerate(p.nodes)}
    assert len(position) == len(nodes)
    for name, ps in parents.items():
        assert all(position[q] < position[name] for q in ps)

    # level = length of the longest path from a node without parents; levels sorted
    depth: dict[str, int] = {}
    for level, group in enumerate(p.grouped_nodes):
        assert [n.name for n in group] == sorted(n.name for n in group)
        for n in group:
            depth[n.name] = level
    for name, ps in parents.items():
        assert depth[name] == (1 + max(depth[q] for q in ps) if ps else 0)

    shuffled = list(nodes)
    rnd.shuffle(shuffled)
    assert [n.name for n in Pipeline(shuffled).nodes] == [n.name for n in p.nodes]

    deps = {n.name: {q.name for q in qs} for n, qs in p.node_dependencies.items()}
    assert deps == parents
    kids = {n.name: {c.name for c in cs} for n, cs in p.node_children().items()}
    assert kids == children_of(parents)


@settings(max_examples=100, deadline=None)
@given(dags())
def test_free_inputs_and_outputs(nodes):
    p = Pipeline(nodes)
    all_in = {ds for n in nodes for ds in n.inputs}
    all_out = {ds for n in nodes for ds in n.outputs}
    assert p.all_inputs() == all_in
    assert p.all_outputs() == all_out
    assert p.inputs() == all_in - all_out
    assert p.outputs() == all_out - all_in
    assert p.inputs() <= set(FREE)
    assert p.datasets() == all_in | all_out
    for ds, consumers in p.dataset_consumers().items():
        assert {n.name for n in consumers} == {n.name for n in nodes if ds in n.inputs}


@settings(max_examples=100, deadline=None)
@given(dags(), st.data())
def test_closures(nodes, data):
    p = Pipeline(nodes)
    parents = naive_parents(nodes)
    kids = children_of(parents)
    producer = {ds: n.name for n in nodes for ds in n.outputs}

    target = data.draw(st.sampled_from(sorted(producer)))
    up = {n.name for n in p.to_outputs(target).nodes}
    assert up == reachable({producer[target]}, parents)

    start = data.draw(st.sampled_from(sorted(parents)))
    down = {n.name for n in p.from_nodes(start).nodes}
    assert down == reachable({start}, kids)
    assert {n.name for n in p.to_nodes(start).nodes} == reachable({start}, parents)

    source = data.draw(st.sampled_from(sorted(p.all_inputs()))) if p.all_inputs() else None
    if source is not None:
        readers = {n.name for n in nodes if source in n.inputs}
        assert {n.name for n in p.from_inputs(source).nodes} == reachable(readers, kids)

    # a closure is itself a valid pipeline whose free inputs come from the original
    sub = p.to_outputs(target)
    assert sub.inputs() <= p.all_inputs()
    assert target in sub.all_outputs()

    # set algebra round trip
    part = p.only_nodes(start)
    assert (p - part) + part == p
    assert (p & part) == part
