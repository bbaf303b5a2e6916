"""The index behind a ``Pipeline``: who writes and who reads each dataset, parents,
children and topological levels, built and validated once.

Construction is O(nodes + edges): one pass indexes producers and consumers,
checks names, outputs and confirms, and Kahn's algorithm runs level by level
(which is also the cycle check). Datasets are indexed by their transcoding base
(``ds@pandas`` and ``ds@spark`` are the dataset ``ds``), so a node reading
``ds@spark`` depends on the node writing ``ds@pandas``. Everything derived from
the index (the sorted order, the dependency dicts, the dataset sets) is a
``cached_property``: a graph never changes, so the caches never go stale.
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from itertools import pairwise

from runadvisor.pipeline.errors import (
    CircularDependencyError,
    ConfirmNotUniqueError,
    OutputNotUniqueError,
    PipelineError,
)
from runadvisor.pipeline.node import Node
from runadvisor.pipeline.transcoding import TRANSCODING_SEPARATOR, strip_transcoding
from runadvisor.pipeline.validation import func_name

__all__ = ["Graph"]


class Graph:
    """Distinct nodes indexed for lookups; raises on invalid pipelines.

    Indices refer to positions in ``nodes`` (the order given). ``producer`` and
    ``consumers`` are keyed by transcoding base. Read the attributes; do not
    mutate them.
    """

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.position: dict[str, int] = _index_names(nodes)
        inputs = [n.inputs for n in nodes]
        outputs = [n.outputs for n in nodes]
        _check_transcoding(nodes, inputs, outputs)
        self.producer: dict[str, int] = _index_producers(nodes, outputs)
        _check_confirms(nodes)

        self.consumers: dict[str, list[int]] = {}
        self.parents: list[list[int]] = []
        self.children: list[list[int]] = [[] for _ in nodes]
        producer = self.producer
        for i, names in enumerate(inputs):
            mine: dict[int, None] = {}
            for base in dict.fromkeys(map(strip_transcoding, names)):
                self.consumers.setdefault(base, []).append(i)
                p = producer.get(base)
                if p is not None:
                    mine[p] = None
            self.parents.append(list(mine))
            for p in mine:
                self.children[p].append(i)
        self.levels: list[list[int]] = self._kahn_levels()
        self._raw_inputs = inputs
        self._raw_outputs = outputs

    def _kahn_levels(self) -> list[list[int]]:
        """Kahn's algorithm one level at a time; raises on a cycle. Levels are unsorted."""
        missing = [len(ps) for ps in self.parents]
        level = [i for i, m in enumerate(missing) if m == 0]
        levels: list[list[int]] = []
        placed = 0
        while level:
            levels.append(level)
            placed += len(level)
            following = []
            for i in level:
                for c in self.children[i]:
                    missing[c] -= 1
                    if missing[c] == 0:
                        following.append(c)
            level = following
        if placed < len(self.nodes):
            raise CircularDependencyError(_cycle_message(self.nodes, missing, self.parents))
        return levels

    # -- nodes in order ---------------------------------------------------------------------
    @cached_property
    def sorted_levels(self) -> list[list[Node]]:
        """The topological levels, each sorted by node name."""
        nodes = self.nodes
        return [sorted((nodes[i] for i in level), key=_name) for level in self.levels]

    @cached_property
    def ordered(self) -> list[Node]:
        """All nodes, level by level, each level sorted by name."""
        return [n for level in self.sorted_levels for n in level]

    @cached_property
    def node_set(self) -> frozenset[Node]:
        return frozenset(self.nodes)

    @cached_property
    def node_dependencies(self) -> dict[Node, set[Node]]:
        nodes, parents, pos = self.nodes, self.parents, self.position
        return {n: {nodes[p] for p in parents[pos[n.name]]} for n in self.ordered}

    @cached_property
    def node_children(self) -> dict[Node, set[Node]]:
        nodes, children, pos = self.nodes, self.children, self.position
        return {n: {nodes[c] for c in children[pos[n.name]]} for n in self.ordered}

    # -- datasets ---------------------------------------------------------------------------
    @cached_property
    def all_inputs(self) -> frozenset[str]:
        return frozenset(name for names in self._raw_inputs for name in names)

    @cached_property
    def all_outputs(self) -> frozenset[str]:
        return frozenset(name for names in self._raw_outputs for name in names)

    @cached_property
    def datasets(self) -> frozenset[str]:
        return self.all_inputs | self.all_outputs

    @cached_property
    def free_inputs(self) -> frozenset[str]:
        """Names read whose dataset (base) no node writes."""
        return frozenset(n for n in self.all_inputs if strip_transcoding(n) not in self.producer)

    @cached_property
    def free_outputs(self) -> frozenset[str]:
        """Names written whose dataset (base) no node reads."""
        return frozenset(n for n in self.all_outputs if strip_transcoding(n) not in self.consumers)

    @cached_property
    def known_datasets(self) -> frozenset[str]:
        """Every name a filter accepts: the names used, and their transcoding bases."""
        return self.datasets | {strip_transcoding(n) for n in self.datasets}

    @cached_property
    def dataset_producers(self) -> dict[str, Node]:
        """``{name: node writing its dataset}`` for every name used whose dataset is written."""
        nodes, producer = self.nodes, self.producer
        result = {}
        for name in sorted(self.datasets):
            p = producer.get(strip_transcoding(name))
            if p is not None:
                result[name] = nodes[p]
        return result

    @cached_property
    def dataset_consumers(self) -> dict[str, list[Node]]:
        """``{name: nodes reading its dataset, in topological order}`` for every name used."""
        by_base: dict[str, list[Node]] = {}
        for n in self.ordered:
            for base in dict.fromkeys(map(strip_transcoding, n.inputs)):
                by_base.setdefault(base, []).append(n)
        return {name: by_base.get(strip_transcoding(name), []) for name in sorted(self.datasets)}


def _name(node: Node) -> str:
    return node.name


def _describe_func(node: Node) -> str:
    func = node.func
    module = getattr(func, "__module__", None) or "?"
    qualname = getattr(func, "__qualname__", None) or func_name(func)
    return f"{node!r} [function {module}.{qualname}]"


def _index_names(nodes: list[Node]) -> dict[str, int]:
    """``{node name: index}``; raises when two different nodes share a name."""
    pos: dict[str, int] = {}
    clashes: list[tuple[Node, Node]] = []
    for i, n in enumerate(nodes):
        j = pos.setdefault(n.name, i)
        if j != i:
            clashes.append((nodes[j], n))
    if clashes:
        lines = [
            f"  {a.name!r}: {_describe_func(a)} and {_describe_func(b)}" for a, b in clashes[:5]
        ]
        if len(clashes) > 5:
            lines.append(f"  ... and {len(clashes) - 5} more")
        raise PipelineError(
            f"Pipeline nodes must have unique names, but {len(clashes)} name(s) belong to "
            f"different nodes:\n" + "\n".join(lines) + "\nGive each node its own name with "
            "node(..., name='...'), or remove the duplicate."
        )
    return pos


def _index_producers(nodes: list[Node], outputs: list[list[str]]) -> dict[str, int]:
    """``{dataset base: index of the node writing it}``; raises when two nodes write one."""
    producer: dict[str, int] = {}
    twice: list[tuple[str, Node, Node]] = []
    for i, names in enumerate(outputs):
        for name in names:
            j = producer.setdefault(strip_transcoding(name), i)
            if j != i:
                twice.append((name, nodes[j], nodes[i]))
    if twice:
        lines = [f"  {ds!r} is written by {a.name!r} and by {b.name!r}" for ds, a, b in twice[:5]]
        if len(twice) > 5:
            lines.append(f"  ... and {len(twice) - 5} more")
        raise OutputNotUniqueError(
            "Each dataset must be produced by exactly one node (transcoded names 'ds@x' "
            "count as 'ds'), but:\n"
            + "\n".join(lines)
            + "\nRename one of the outputs (or map it with pipeline(..., outputs={...}))."
        )
    return producer


def _check_transcoding(
    nodes: list[Node], inputs: list[list[str]], outputs: list[list[str]]
) -> None:
    """A dataset used as ``ds@format`` must not also be used as plain ``ds`` (Kedro's rule)."""
    transcoded: dict[str, set[str]] = {}
    for names in (*inputs, *outputs):
        for name in names:
            if TRANSCODING_SEPARATOR in name:
                transcoded.setdefault(strip_transcoding(name), set()).add(name)
    if not transcoded:
        return
    plain: dict[str, str] = {}  # base -> a node using the plain name
    for n, ins, outs in zip(nodes, inputs, outputs):
        for name in (*ins, *outs):
            if name in transcoded:
                plain.setdefault(name, n.name)
    if plain:
        parts = [
            f"{base!r} is used as {', '.join(repr(t) for t in sorted(transcoded[base]))} and "
            f"also as plain {base!r} (by node {user!r})"
            for base, user in sorted(plain.items())
        ]
        raise PipelineError(
            f"A transcoded dataset must always be named with its format: {'; '.join(parts)}. "
            f"Name every use 'dataset@format', or rename one of them."
        )


def _check_confirms(nodes: list[Node]) -> None:
    counts = Counter(strip_transcoding(name) for n in nodes for name in n.confirms)
    twice = sorted(name for name, count in counts.items() if count > 1)
    if twice:
        who = {
            name: [n.name for n in nodes if name in map(strip_transcoding, n.confirms)]
            for name in twice
        }
        detail = "; ".join(f"{name!r} by {who[name]}" for name in twice)
        raise ConfirmNotUniqueError(
            f"Each dataset may be confirmed by one node only, but {detail}. Keep the "
            f"confirms= on one of them."
        )


def _cycle_message(nodes: list[Node], missing: list[int], parents: list[list[int]]) -> str:
    """Name the nodes of one cycle, in order, and the datasets that link them."""
    stuck = {i for i, m in enumerate(missing) if m > 0}
    # Every stuck node has a stuck parent: walk parents until a node repeats.
    current = min(stuck, key=lambda i: nodes[i].name)
    seen: dict[int, int] = {}
    walk: list[int] = []
    while current not in seen:
        seen[current] = len(walk)
        walk.append(current)
        current = min((p for p in parents[current] if p in stuck), key=lambda i: nodes[i].name)
    cycle = walk[seen[current] :][::-1]  # producer -> consumer order
    start = min(range(len(cycle)), key=lambda k: nodes[cycle[k]].name)
    cycle = cycle[start:] + cycle[:start]
    ring = [*cycle, cycle[0]]
    path = " -> ".join(nodes[i].name for i in ring)
    links = [_link(nodes[a], nodes[b]) for a, b in pairwise(ring)]
    blocked = len(stuck) - len(cycle)
    also = f" {blocked} more node(s) downstream cannot run because of it." if blocked else ""
    return (
        f"Circular dependency among {len(cycle)} nodes: {path} ({'; '.join(links)}).{also} "
        f"A pipeline must be acyclic: rename one of these datasets or remove one of these "
        f"nodes."
    )


def _link(writer: Node, reader: Node) -> str:
    """``'a' writes 'ds@x', read by 'b' as 'ds@y'``: the dataset joining two nodes."""
    read = {strip_transcoding(name): name for name in reader.inputs}
    written = next(name for name in writer.outputs if strip_transcoding(name) in read)
    as_name = read[strip_transcoding(written)]
    shown = "" if as_name == written else f" as {as_name!r}"
    return f"{writer.name!r} writes {written!r}, read by {reader.name!r}{shown}"
