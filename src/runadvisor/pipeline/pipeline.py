"""``Pipeline``: a validated DAG of nodes, with its topological order and Kedro's filters.

Construction is O(nodes + edges): one pass indexes producers and consumers,
checks names and outputs, and runs Kahn's algorithm level by level (which is
also the cycle check). Everything derived from that (the sorted order, the
dependency dicts) is computed on first use and cached; a pipeline never changes
after construction, so the caches never go stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import Any

from runadvisor.pipeline.errors import (
    CircularDependencyError,
    OutputNotUniqueError,
    PipelineError,
    unknown_names_message,
)
from runadvisor.pipeline.node import (
    Node,
    _check_identifier_arg,
    _func_name,
    _normalize_tags,
    _short_repr,
)

__all__ = ["Pipeline", "pipeline"]


def _is_parameter(name: str) -> bool:
    """Parameters (``params:x`` and ``parameters``) are never namespaced."""
    return name == "parameters" or name.startswith("params:")


def _describe_func(node: Node) -> str:
    func = node.func
    module = getattr(func, "__module__", None) or "?"
    qualname = getattr(func, "__qualname__", None) or _func_name(func)
    return f"{node!r} [function {module}.{qualname}]"


def _flatten(nodes: Any, where: str) -> list[Node]:
    """Nodes from a Node, a Pipeline, or an iterable of them; equal nodes kept once."""
    if nodes is None:
        raise PipelineError(
            f"{where}: 'nodes' is None; give a list of nodes and/or pipelines, e.g. "
            f"Pipeline([node(f, 'a', 'b')])."
        )
    if isinstance(nodes, Node):
        return [nodes]
    if isinstance(nodes, Pipeline):
        return list(nodes._nodes)
    if isinstance(nodes, (str, bytes, dict)) or not isinstance(nodes, Iterable):
        raise PipelineError(
            f"{where}: 'nodes' must be a list of nodes and/or pipelines, but a "
            f"{type(nodes).__name__} was given: {_short_repr(nodes)}."
        )
    flat: list[Node] = []
    for i, item in enumerate(nodes):
        if isinstance(item, Node):
            flat.append(item)
        elif isinstance(item, Pipeline):
            flat.extend(item._nodes)
        else:
            hint = " Wrap the function with node(func, inputs, outputs)." if callable(item) else ""
            raise PipelineError(
                f"{where}: item {i} of 'nodes' is a {type(item).__name__} "
                f"({_short_repr(item, 80)}), expected a Node or a Pipeline.{hint}"
            )
    # Identical nodes (same name, inputs, outputs and function) count once, so that
    # overlapping sub-pipelines can be combined.
    return list(dict.fromkeys(flat))


def _as_names(args: Iterable[Any], what: str, where: str, *, varargs: bool = True) -> list[str]:
    names = list(args)
    for name in names:
        if not isinstance(name, str):
            hint = (
                f" Pass names as separate arguments, e.g. {where[:-1]}'a', 'b')." if varargs else ""
            )
            raise PipelineError(
                f"{where}: each {what} must be a str, but a {type(name).__name__} was given: "
                f"{_short_repr(name)}.{hint}"
            )
    return names


class Pipeline:
    """A set of nodes wired by dataset names, validated as a DAG.

    ``Pipeline(nodes)`` takes nodes and/or pipelines (flattened; identical nodes
    count once). The keyword arguments are those of :func:`pipeline` (Kedro 1.x
    accepts them here too). Validation: node names unique, each dataset produced
    by at most one node, no cycles.

    ``nodes``, ``node_dependencies`` and the dicts returned by ``node_children()``,
    ``dataset_producers()`` and ``dataset_consumers()`` are computed once and shared
    between calls, so a scheduler can use them in its loop: read them, do not mutate
    them. ``inputs()``, ``outputs()`` and the other dataset sets are fresh copies.
    """

    def __init__(
        self,
        nodes: Iterable[Node | Pipeline] | Pipeline | Node,
        *,
        inputs: str | Iterable[str] | dict[str, str] | None = None,
        outputs: str | Iterable[str] | dict[str, str] | None = None,
        parameters: str | Iterable[str] | dict[str, str] | None = None,
        tags: str | Iterable[str] | None = None,
        namespace: str | None = None,
        prefix_datasets_with_namespace: bool = True,
    ) -> None:
        """Validate ``nodes`` and index them; see :func:`pipeline` for the keywords."""
        flat = _flatten(nodes, "Pipeline()")
        if inputs or outputs or parameters or namespace is not None:
            flat = _map_nodes(
                flat, inputs, outputs, parameters, namespace, prefix_datasets_with_namespace
            )
        if tags is not None:
            extra = _normalize_tags(tags, "Pipeline(tags=...)")
            if extra:
                flat = list(dict.fromkeys(n._copy(tags=n._tags | extra) for n in flat))
        self._build(flat)

    # -- construction ---------------------------------------------------------------------
    def _build(self, nodes: list[Node]) -> None:
        """Index ``nodes`` (distinct), validate them and find the levels, in O(N + E)."""
        self._nodes = nodes
        pos: dict[str, int] = {}
        clashes: list[tuple[Node, Node]] = []
        for i, n in enumerate(nodes):
            j = pos.setdefault(n._name, i)
            if j != i:
                clashes.append((nodes[j], n))
        if clashes:
            raise PipelineError(_duplicate_names_message(clashes))

        producer: dict[str, int] = {}
        twice: list[tuple[str, Node, Node]] = []
        for i, n in enumerate(nodes):
            for ds in n._output_names:
                j = producer.setdefault(ds, i)
                if j != i:
                    twice.append((ds, nodes[j], n))
        if twice:
            raise OutputNotUniqueError(_outputs_not_unique_message(twice))

        consumers: dict[str, list[int]] = {}
        parents: list[list[int]] = []
        children: list[list[int]] = [[] for _ in nodes]
        for i, n in enumerate(nodes):
            mine: dict[int, None] = {}
            for ds in n._input_set:
                consumers.setdefault(ds, []).append(i)
                p = producer.get(ds)
                if p is not None:
                    mine[p] = None
            parents.append(list(mine))
            for p in mine:
                children[p].append(i)

        # Kahn's algorithm, one level at a time; the levels are sorted lazily.
        missing = [len(ps) for ps in parents]
        level = [i for i, m in enumerate(missing) if m == 0]
        levels: list[list[int]] = []
        placed = 0
        while level:
            levels.append(level)
            placed += len(level)
            following = []
            for i in level:
                for c in children[i]:
                    missing[c] -= 1
                    if missing[c] == 0:
                        following.append(c)
            level = following
        if placed < len(nodes):
            raise CircularDependencyError(self._cycle_message(missing, parents))

        self._pos = pos
        self._producer_idx = producer
        self._consumer_idx = consumers
        self._parents_idx = parents
        self._children_idx = children
        self._levels_idx = levels
        self._cache: dict[str, Any] = {}

    def _cycle_message(self, missing: list[int], parents: list[list[int]]) -> str:
        """Name the nodes of one cycle, in order, and the datasets that link them."""
        nodes = self._nodes
        stuck = {i for i, m in enumerate(missing) if m > 0}
        # Every stuck node has a stuck parent: walk parents until a node repeats.
        current = min(stuck, key=lambda i: nodes[i]._name)
        seen: dict[int, int] = {}
        walk: list[int] = []
        while current not in seen:
            seen[current] = len(walk)
            walk.append(current)
            current = min((p for p in parents[current] if p in stuck), key=lambda i: nodes[i]._name)
        cycle = walk[seen[current] :][::-1]  # producer -> consumer order
        start = min(range(len(cycle)), key=lambda k: nodes[cycle[k]]._name)
        cycle = cycle[start:] + cycle[:start]
        ring = [*cycle, cycle[0]]
        path = " -> ".join(nodes[i]._name for i in ring)
        links = []
        for a, b in pairwise(ring):
            ds = next(d for d in nodes[a]._output_names if d in nodes[b]._input_set)
            links.append(f"{nodes[a]._name!r} writes {ds!r}, read by {nodes[b]._name!r}")
        blocked = len(stuck) - len(cycle)
        also = f" {blocked} more node(s) downstream cannot run because of it." if blocked else ""
        return (
            f"Circular dependency among {len(cycle)} nodes: {path} ({'; '.join(links)}).{also} "
            f"A pipeline must be acyclic: rename one of these datasets or remove one of these "
            f"nodes."
        )

    def __getstate__(self) -> dict[str, Any]:
        return {"nodes": self._nodes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._build(state["nodes"])

    # -- order and graph ------------------------------------------------------------------
    def _levels(self) -> list[list[Node]]:
        grouped = self._cache.get("grouped")
        if grouped is None:
            nodes = self._nodes
            grouped = [
                sorted((nodes[i] for i in level), key=lambda n: n._name)
                for level in self._levels_idx
            ]
            self._cache["grouped"] = grouped
        return grouped

    @property
    def grouped_nodes(self) -> list[list[Node]]:
        """The nodes by topological level (a node's parents are all in earlier levels),
        each level sorted by node name. Fresh lists on every call, as in Kedro."""
        return [list(level) for level in self._levels()]

    @property
    def nodes(self) -> list[Node]:
        """All nodes in topological order: level by level, each level sorted by name.

        Computed once and shared between calls (as Kedro's cached property): do not
        mutate it.
        """
        ordered = self._cache.get("nodes")
        if ordered is None:
            ordered = [n for level in self._levels() for n in level]
            self._cache["nodes"] = ordered
        return ordered

    @property
    def node_dependencies(self) -> dict[Node, set[Node]]:
        """Each node's parents (the nodes producing its inputs); empty set for none."""
        deps = self._cache.get("deps")
        if deps is None:
            nodes = self._nodes
            deps = {
                n: {nodes[p] for p in self._parents_idx[self._pos[n._name]]} for n in self.nodes
            }
            self._cache["deps"] = deps
        return deps

    def node_children(self) -> dict[Node, set[Node]]:
        """Each node's children (the nodes reading its outputs); empty set for none."""
        kids = self._cache.get("children")
        if kids is None:
            nodes = self._nodes
            kids = {
                n: {nodes[c] for c in self._children_idx[self._pos[n._name]]} for n in self.nodes
            }
            self._cache["children"] = kids
        return kids

    def dataset_producers(self) -> dict[str, Node]:
        """``{dataset: the node that writes it}`` for every dataset some node writes."""
        producers = self._cache.get("producers")
        if producers is None:
            nodes = self._nodes
            producers = {ds: nodes[i] for ds, i in self._producer_idx.items()}
            self._cache["producers"] = producers
        return producers

    def dataset_consumers(self) -> dict[str, list[Node]]:
        """``{dataset: nodes reading it, in topological order}`` for every dataset
        (``[]`` for outputs nobody reads)."""
        consumers = self._cache.get("consumers")
        if consumers is None:
            consumers = {ds: [] for ds in self._producer_idx}
            for n in self.nodes:
                for ds in dict.fromkeys(n._input_names):
                    consumers.setdefault(ds, []).append(n)
            self._cache["consumers"] = consumers
        return consumers

    # -- datasets -------------------------------------------------------------------------
    def _frozen(self, key: str) -> frozenset[str]:
        value = self._cache.get(key)
        if value is None:
            if key == "all_inputs":
                value = frozenset(self._consumer_idx)
            elif key == "all_outputs":
                value = frozenset(self._producer_idx)
            elif key == "datasets":
                value = self._frozen("all_inputs") | self._frozen("all_outputs")
            elif key == "inputs":
                value = self._frozen("all_inputs") - self._frozen("all_outputs")
            else:  # "outputs"
                value = self._frozen("all_outputs") - self._frozen("all_inputs")
            self._cache[key] = value
        return value

    def inputs(self) -> set[str]:
        """Free inputs: datasets some node reads and no node writes (they must exist)."""
        return set(self._frozen("inputs"))

    def outputs(self) -> set[str]:
        """Free outputs: datasets some node writes and no node reads (the results)."""
        return set(self._frozen("outputs"))

    def all_inputs(self) -> set[str]:
        """Every dataset some node reads."""
        return set(self._frozen("all_inputs"))

    def all_outputs(self) -> set[str]:
        """Every dataset some node writes."""
        return set(self._frozen("all_outputs"))

    def datasets(self) -> set[str]:
        """Every dataset the pipeline reads or writes."""
        return set(self._frozen("datasets"))

    # -- dunder ---------------------------------------------------------------------------
    def _node_set(self) -> frozenset[Node]:
        value = self._cache.get("node_set")
        if value is None:
            value = frozenset(self._nodes)
            self._cache["node_set"] = value
        return value

    def __len__(self) -> int:
        return len(self._nodes)

    def __repr__(self) -> str:
        shown = [repr(n) for n in self.nodes[:10]]
        if len(self._nodes) > 10:
            shown.append(f"... ({len(self._nodes) - 10} more)")
        body = "".join(f"\n    {s}," for s in shown)
        return f"Pipeline([{body}\n])" if shown else "Pipeline([])"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return self._node_set() == other._node_set()

    def __hash__(self) -> int:
        return hash(self._node_set())

    def __add__(self, other: object) -> Pipeline:
        """Union: the nodes of both; identical nodes count once."""
        if not isinstance(other, Pipeline):
            return NotImplemented
        return Pipeline([self, other])

    def __radd__(self, other: object) -> Pipeline:
        """``sum(pipelines)`` starts from 0."""
        if isinstance(other, int) and other == 0:
            return self
        return self.__add__(other)

    __or__ = __add__

    def __sub__(self, other: object) -> Pipeline:
        """Difference: the nodes of this pipeline that are not in ``other``."""
        if not isinstance(other, Pipeline):
            return NotImplemented
        drop = other._node_set()
        return Pipeline([n for n in self._nodes if n not in drop])

    def __and__(self, other: object) -> Pipeline:
        """Intersection: the nodes in both pipelines."""
        if not isinstance(other, Pipeline):
            return NotImplemented
        keep = other._node_set()
        return Pipeline([n for n in self._nodes if n in keep])

    def describe(self, names_only: bool = True) -> str:
        """The free inputs, the nodes in execution order and the free outputs, as text."""

        def names(values: set[str]) -> str:
            return ", ".join(sorted(values)) or "None"

        lines = (n.name if names_only else repr(n) for n in self.nodes)
        return (
            "#### Pipeline execution order ####\n"
            f"Inputs: {names(self.inputs())}\n\n"
            + "\n".join(lines)
            + f"\n\nOutputs: {names(self.outputs())}\n"
            "##################################"
        )

    # -- filters --------------------------------------------------------------------------
    def _subset(self, indices: Iterable[int]) -> Pipeline:
        chosen = set(indices)
        return Pipeline([n for i, n in enumerate(self._nodes) if i in chosen])

    def _closure(self, start: Iterable[int], edges: list[list[int]]) -> set[int]:
        seen = set(start)
        stack = list(seen)
        while stack:
            for j in edges[stack.pop()]:
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        return seen

    def _node_indices(self, names: tuple[Any, ...], where: str) -> list[int]:
        wanted = _as_names(names, "node name", where)
        unknown = [n for n in wanted if n not in self._pos]
        if unknown:
            raise PipelineError(unknown_names_message("node", unknown, self._pos, where))
        return [self._pos[n] for n in wanted]

    def _check_datasets(self, names: tuple[Any, ...], where: str) -> list[str]:
        wanted = _as_names(names, "dataset name", where)
        known = self._frozen("datasets")
        unknown = [n for n in wanted if n not in known]
        if unknown:
            raise PipelineError(unknown_names_message("dataset", unknown, known, where))
        return wanted

    def only_nodes(self, *node_names: str) -> Pipeline:
        """Only the named nodes."""
        return self._subset(self._node_indices(node_names, "only_nodes()"))

    def from_nodes(self, *node_names: str) -> Pipeline:
        """The named nodes and every node downstream of them."""
        start = self._node_indices(node_names, "from_nodes()")
        return self._subset(self._closure(start, self._children_idx))

    def to_nodes(self, *node_names: str) -> Pipeline:
        """The named nodes and every node upstream of them (all they need)."""
        start = self._node_indices(node_names, "to_nodes()")
        return self._subset(self._closure(start, self._parents_idx))

    def only_nodes_with_inputs(self, *inputs: str) -> Pipeline:
        """The nodes that read any of the datasets directly."""
        names = self._check_datasets(inputs, "only_nodes_with_inputs()")
        return self._subset(i for ds in names for i in self._consumer_idx.get(ds, ()))

    def from_inputs(self, *inputs: str) -> Pipeline:
        """The nodes that depend on any of the datasets, directly or transitively."""
        names = self._check_datasets(inputs, "from_inputs()")
        start = [i for ds in names for i in self._consumer_idx.get(ds, ())]
        return self._subset(self._closure(start, self._children_idx))

    def only_nodes_with_outputs(self, *outputs: str) -> Pipeline:
        """The nodes that write any of the datasets."""
        names = self._check_datasets(outputs, "only_nodes_with_outputs()")
        return self._subset(self._producer_idx[ds] for ds in names if ds in self._producer_idx)

    def to_outputs(self, *outputs: str) -> Pipeline:
        """The nodes needed to produce the datasets: their producers and all upstream."""
        names = self._check_datasets(outputs, "to_outputs()")
        start = [self._producer_idx[ds] for ds in names if ds in self._producer_idx]
        return self._subset(self._closure(start, self._parents_idx))

    def only_nodes_with_tags(self, *tags: str) -> Pipeline:
        """The nodes having *any* of the tags (no tags: an empty pipeline, as in Kedro).

        A tag that no node has is an error (a typo would otherwise select nothing).
        """
        wanted = set(_as_names(tags, "tag", "only_nodes_with_tags()"))
        known: set[str] = set().union(*(n._tags for n in self._nodes))
        unknown = wanted - known
        if unknown:
            raise PipelineError(
                unknown_names_message("tag", unknown, known, "only_nodes_with_tags()")
            )
        return Pipeline([n for n in self._nodes if n._tags & wanted])

    def only_nodes_with_namespaces(self, node_namespaces: Iterable[str]) -> Pipeline:
        """The nodes in any of the namespaces or namespaces nested inside them."""
        where = "only_nodes_with_namespaces()"
        if isinstance(node_namespaces, str):
            node_namespaces = [node_namespaces]
        wanted = _as_names(node_namespaces, "namespace", where, varargs=False)
        known: set[str] = set()
        for n in self._nodes:
            if n._namespace:
                parts = n._namespace.split(".")
                known.update(".".join(parts[: k + 1]) for k in range(len(parts)))
        unknown = [ns for ns in wanted if ns not in known]
        if unknown:
            raise PipelineError(unknown_names_message("namespace", unknown, known, where))
        prefixes = tuple(f"{ns}." for ns in wanted)
        return Pipeline(
            [n for n in self._nodes if n._namespace and f"{n._namespace}.".startswith(prefixes)]
        )

    def only_nodes_with_namespace(self, node_namespace: str) -> Pipeline:
        """The nodes in the namespace or namespaces nested inside it (Kedro 0.19 name)."""
        return self.only_nodes_with_namespaces([node_namespace])

    def filter(
        self,
        tags: Iterable[str] | None = None,
        from_nodes: Iterable[str] | None = None,
        to_nodes: Iterable[str] | None = None,
        node_names: Iterable[str] | None = None,
        from_inputs: Iterable[str] | None = None,
        to_outputs: Iterable[str] | None = None,
        node_namespaces: Iterable[str] | None = None,
    ) -> Pipeline:
        """The nodes that every given filter selects (each applied to this pipeline,
        then intersected, as in Kedro). A single str counts as one name.

        Raises:
            PipelineError: unknown names, or no node left.
        """
        filters: list[tuple[str, Any, Callable[..., Pipeline]]] = [
            ("tags", tags, self.only_nodes_with_tags),
            ("from_nodes", from_nodes, self.from_nodes),
            ("to_nodes", to_nodes, self.to_nodes),
            ("node_names", node_names, self.only_nodes),
            ("from_inputs", from_inputs, self.from_inputs),
            ("to_outputs", to_outputs, self.to_outputs),
            ("node_namespaces", node_namespaces, lambda *ns: self.only_nodes_with_namespaces(ns)),
        ]
        applied: list[tuple[str, Pipeline]] = []
        for label, arg, method in filters:
            if not arg:
                continue
            names = [arg] if isinstance(arg, str) else list(arg)
            applied.append((f"{label}={names}", method(*names)))
        sets = [p._node_set() for _, p in applied]
        result = [n for n in self._nodes if all(n in s for s in sets)]
        if not result:
            raise PipelineError(_empty_filter_message(len(self._nodes), applied))
        return Pipeline(result)

    def tag(self, tags: str | Iterable[str]) -> Pipeline:
        """A copy of this pipeline with ``tags`` added to every node."""
        return Pipeline(self, tags=tags)


def _duplicate_names_message(clashes: list[tuple[Node, Node]]) -> str:
    lines = [f"  {a.name!r}: {_describe_func(a)} and {_describe_func(b)}" for a, b in clashes[:5]]
    if len(clashes) > 5:
        lines.append(f"  ... and {len(clashes) - 5} more")
    return (
        f"Pipeline nodes must have unique names, but {len(clashes)} name(s) belong to "
        f"different nodes:\n" + "\n".join(lines) + "\nGive each node its own name with "
        "node(..., name='...'), or remove the duplicate."
    )


def _outputs_not_unique_message(twice: list[tuple[str, Node, Node]]) -> str:
    lines = [f"  {ds!r} is written by {a.name!r} and by {b.name!r}" for ds, a, b in twice[:5]]
    if len(twice) > 5:
        lines.append(f"  ... and {len(twice) - 5} more")
    return (
        "Each dataset must be produced by exactly one node, but:\n"
        + "\n".join(lines)
        + "\nRename one of the outputs (or map it with pipeline(..., outputs={...}))."
    )


def _empty_filter_message(total: int, applied: list[tuple[str, Pipeline]]) -> str:
    if not applied:
        return "Pipeline.filter(): the pipeline has no nodes, so there is nothing to run."
    empty = [label for label, p in applied if len(p) == 0]
    if empty:
        return (
            f"Pipeline.filter(): no nodes left, because {' and '.join(empty)} selected no "
            f"nodes of the {total} in the pipeline (no node reads or writes those datasets). "
            f"Check the names, or drop that filter."
        )
    counts = "; ".join(f"{label}: {len(p)} node(s)" for label, p in applied)
    return (
        f"Pipeline.filter(): no nodes left. Each filter selects nodes ({counts}), but no node "
        f"is selected by all of them: the filters are intersected, not chained. Loosen one "
        f"of them."
    )


# -- modular pipelines --------------------------------------------------------------------


def _mapping(value: Any, arg: str) -> dict[str, str]:
    """``inputs=``/``outputs=``/``parameters=`` as ``{inner name: outer name}``."""
    if value is None:
        return {}
    if isinstance(value, str):
        value = {value: value}
    elif isinstance(value, dict):
        value = dict(value)
    elif isinstance(value, Iterable):
        value = {v: v for v in value}
    else:
        raise PipelineError(
            f"pipeline({arg}=...): expected a str, a set or list of str, or a dict "
            f"{{inner name: outer name}}, but a {type(value).__name__} was given: "
            f"{_short_repr(value)}."
        )
    for inner, outer in value.items():
        for item in (inner, outer):
            if not isinstance(item, str) or not item:
                raise PipelineError(
                    f"pipeline({arg}=...): names must be non-empty strings, but "
                    f"{_short_repr(item)} ({type(item).__name__}) was given in "
                    f"{_short_repr(value)}."
                )
    return value


def _param_mapping(value: Any) -> dict[str, str]:
    """Parameters may be named with or without ``params:``; ``parameters`` maps to itself."""

    def full(name: str) -> str:
        return name if name.startswith("params:") else f"params:{name}"

    result = {}
    for inner, outer in _mapping(value, "parameters").items():
        if inner == "parameters":
            result[inner] = inner
        else:
            result[full(inner)] = full(outer)
    return result


def _map_nodes(
    nodes: list[Node],
    inputs: Any,
    outputs: Any,
    parameters: Any,
    namespace: str | None,
    prefix_datasets: bool,
) -> list[Node]:
    """Copies of ``nodes`` with datasets renamed and namespaced, as Kedro's ``pipeline()``."""
    _check_identifier_arg(namespace, "namespace", "pipeline()")
    inner = Pipeline(nodes)
    in_map = _mapping(inputs, "inputs")
    out_map = _mapping(outputs, "outputs")
    param_map = _param_mapping(parameters)
    known = inner.datasets()
    produced = inner._frozen("all_outputs")
    producers = inner.dataset_producers()

    params = [k for k in in_map if _is_parameter(k)]
    if params:
        raise PipelineError(
            f"pipeline(inputs=...): {params} are parameters; map parameters with "
            f"parameters={{...}} instead (names with or without 'params:')."
        )
    for arg, mapping in (("inputs", in_map), ("outputs", out_map)):
        unknown = [k for k in mapping if k not in known]
        if unknown:
            raise PipelineError(
                unknown_names_message("dataset", unknown, known, f"pipeline({arg}=...)")
            )
    for name in in_map:
        if name in produced:
            raise PipelineError(
                f"pipeline(inputs=...): {name!r} is written by node {producers[name].name!r} "
                f"inside the pipeline, so it is not a free input. inputs= may only map free "
                f"inputs ({sorted(inner.inputs())}); use outputs= to expose {name!r}."
            )
    for name in out_map:
        if name not in produced:
            raise PipelineError(
                f"pipeline(outputs=...): {name!r} is not written by any node of the pipeline "
                f"(it is a free input). outputs= may only map datasets the pipeline writes; "
                f"use inputs= for {name!r}."
            )
    unknown_params = [k for k in param_map if k not in known]
    if unknown_params:
        raise PipelineError(
            unknown_names_message(
                "parameter",
                unknown_params,
                [d for d in known if _is_parameter(d)],
                "pipeline(parameters=...)",
            )
        )

    renames = {**in_map, **out_map, **param_map}
    prefix = f"{namespace}." if namespace and prefix_datasets else ""

    def rename(name: str) -> str:
        if name in renames:
            return renames[name]
        if _is_parameter(name):
            return name
        return prefix + name

    def rename_spec(spec: Any) -> Any:
        if spec is None:
            return None
        if isinstance(spec, str):
            return rename(spec)
        if isinstance(spec, list):
            return [rename(name) for name in spec]
        return {key: rename(name) for key, name in spec.items()}

    result = []
    for n in inner._nodes:
        if namespace:
            new_ns = f"{namespace}.{n._namespace}" if n._namespace else namespace
        else:
            new_ns = n._namespace
        result.append(
            n._copy(
                inputs=rename_spec(n._inputs_spec),
                outputs=rename_spec(n._outputs_spec),
                namespace=new_ns,
            )
        )
    return result


def pipeline(
    pipe: Iterable[Node | Pipeline] | Pipeline | Node,
    *,
    inputs: str | Iterable[str] | dict[str, str] | None = None,
    outputs: str | Iterable[str] | dict[str, str] | None = None,
    parameters: str | Iterable[str] | dict[str, str] | None = None,
    tags: str | Iterable[str] | None = None,
    namespace: str | None = None,
    prefix_datasets_with_namespace: bool = True,
) -> Pipeline:
    """Make a pipeline from ``pipe``, renaming its datasets to fit into a larger one.

    Kedro's modular-pipeline wrapper. With ``namespace``, every dataset name gets the
    prefix ``namespace.`` and so do node names (through the node's namespace), except:
    names mapped with ``inputs``/``outputs``, and parameters (``params:...`` and
    ``parameters``), which are never prefixed.

    Args:
        pipe: a Pipeline, a Node, or a list of them.
        inputs: free inputs of ``pipe`` to connect: a name or names (kept as they are)
            or ``{inner: outer}``.
        outputs: datasets ``pipe`` writes (free or intermediate) to expose, likewise.
        parameters: parameters to rename, ``{inner: outer}``, with or without ``params:``.
        tags: tags added to every node.
        namespace: the prefix.
        prefix_datasets_with_namespace: False namespaces only the nodes, not datasets.

    Raises:
        PipelineError: a mapped name that the pipeline does not have, an input that
            some node writes, an output that no node writes, or a parameter in ``inputs``.
    """
    return Pipeline(
        pipe,
        inputs=inputs,
        outputs=outputs,
        parameters=parameters,
        tags=tags,
        namespace=namespace,
        prefix_datasets_with_namespace=prefix_datasets_with_namespace,
    )
