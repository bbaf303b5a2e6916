"""``Pipeline``: a validated DAG of nodes, with its topological order and Kedro's filters.

The work is done by the modules next to this one: ``graph.py`` indexes and
validates the nodes, ``filters.py`` selects nodes, ``modular.py`` renames
datasets for ``pipeline(...)`` and ``grouping.py`` groups nodes by namespace.
A pipeline never changes after construction, so everything derived from it is
computed on first use and kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from runadvisor.pipeline import filters
from runadvisor.pipeline.errors import PipelineError, UnknownNamesError
from runadvisor.pipeline.graph import Graph
from runadvisor.pipeline.grouping import GroupedNodes, group_nodes_by, warn_interrupted_namespaces
from runadvisor.pipeline.modular import map_nodes
from runadvisor.pipeline.node import Node
from runadvisor.pipeline.validation import normalize_tags, short_repr

__all__ = ["Pipeline", "pipeline"]

#: ``pipeline(inputs=..., outputs=..., parameters=...)``: a name, names, or ``{inner: outer}``.
DatasetMapping = str | Iterable[str] | dict[str, str] | None


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
        return list(nodes._graph.nodes)
    if isinstance(nodes, (str, bytes, dict)) or not isinstance(nodes, Iterable):
        raise PipelineError(
            f"{where}: 'nodes' must be a list of nodes and/or pipelines, but a "
            f"{type(nodes).__name__} was given: {short_repr(nodes)}."
        )
    flat: list[Node] = []
    for i, item in enumerate(nodes):
        if isinstance(item, Node):
            flat.append(item)
        elif isinstance(item, Pipeline):
            flat.extend(item._graph.nodes)
        else:
            hint = " Wrap the function with node(func, inputs, outputs)." if callable(item) else ""
            raise PipelineError(
                f"{where}: item {i} of 'nodes' is a {type(item).__name__} "
                f"({short_repr(item, 80)}), expected a Node or a Pipeline.{hint}"
            )
    # Identical nodes (same name, inputs, outputs and function) count once, so that
    # overlapping sub-pipelines can be combined.
    return list(dict.fromkeys(flat))


class Pipeline:
    """A set of nodes wired by dataset names, validated as a DAG.

    ``Pipeline(nodes)`` takes nodes and/or pipelines (flattened; identical nodes
    count once). The keyword arguments are those of :func:`pipeline` (Kedro 1.x
    accepts them here too). Validation: node names unique, each dataset produced
    by at most one node and confirmed by at most one, transcoded datasets always
    named with their format, no cycles. A namespace whose nodes are linked through
    nodes outside it is reported with a ``NamespaceInterruptedWarning``.

    ``nodes``, ``node_dependencies`` and the dicts returned by ``node_children()``,
    ``dataset_producers()`` and ``dataset_consumers()`` are computed once and shared
    between calls, so a scheduler can use them in its loop: read them, do not mutate
    them. ``inputs()``, ``outputs()`` and the other dataset sets are fresh copies.
    """

    def __init__(
        self,
        nodes: Iterable[Node | Pipeline] | Pipeline | Node,
        *,
        inputs: DatasetMapping = None,
        outputs: DatasetMapping = None,
        parameters: DatasetMapping = None,
        tags: str | Iterable[str] | None = None,
        namespace: str | None = None,
        prefix_datasets_with_namespace: bool = True,
    ) -> None:
        """Validate ``nodes`` and index them; see :func:`pipeline` for the keywords."""
        flat = _flatten(nodes, "Pipeline()")
        if inputs or outputs or parameters or namespace is not None:
            flat = map_nodes(
                flat, inputs, outputs, parameters, namespace, prefix_datasets_with_namespace
            )
        if tags is not None:
            extra = normalize_tags(tags, "Pipeline(tags=...)")
            if extra:
                flat = list(dict.fromkeys(n.tag(extra) for n in flat))
        self._graph = Graph(flat)
        warn_interrupted_namespaces(self._graph)

    def __getstate__(self) -> dict[str, Any]:
        return {"nodes": self._graph.nodes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._graph = Graph(state["nodes"])  # validated and warned when first built

    # -- order and graph ------------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        """All nodes in topological order: level by level, each level sorted by name.

        Computed once and shared between calls (as Kedro's cached property): do not
        mutate it.
        """
        return self._graph.ordered

    @property
    def grouped_nodes(self) -> list[list[Node]]:
        """The nodes by topological level (a node's parents are all in earlier levels),
        each level sorted by node name. Fresh lists on every call, as in Kedro."""
        return [list(level) for level in self._graph.sorted_levels]

    @property
    def node_dependencies(self) -> dict[Node, set[Node]]:
        """Each node's parents (the nodes producing its inputs); empty set for none."""
        return self._graph.node_dependencies

    def node_children(self) -> dict[Node, set[Node]]:
        """Each node's children (the nodes reading its outputs); empty set for none."""
        return self._graph.node_children

    def dataset_producers(self) -> dict[str, Node]:
        """``{dataset: the node that writes it}`` for every dataset name used whose dataset
        some node writes (``ds@spark`` maps to the node writing ``ds@pandas``)."""
        return self._graph.dataset_producers

    def dataset_consumers(self) -> dict[str, list[Node]]:
        """``{dataset: nodes reading it, in topological order}`` for every dataset name
        used (``[]`` for outputs nobody reads); transcoded forms count as one dataset."""
        return self._graph.dataset_consumers

    def group_nodes_by(self, group_by: str | None = "namespace") -> list[GroupedNodes]:
        """Groups of nodes to run together, as Kedro 1.x makes them: by top-level
        namespace (``"namespace"``) or one per node (None or ``"none"``).

        Raises:
            PipelineError: an unknown strategy (also a ``ValueError``).
        """
        return group_nodes_by(self.nodes, self.node_dependencies, group_by)

    # -- datasets -------------------------------------------------------------------------
    def inputs(self) -> set[str]:
        """Free inputs: datasets some node reads and no node writes (they must exist).
        A transcoded name counts as written when any form of its dataset is."""
        return set(self._graph.free_inputs)

    def outputs(self) -> set[str]:
        """Free outputs: datasets some node writes and no node reads (the results).
        A transcoded name counts as read when any form of its dataset is."""
        return set(self._graph.free_outputs)

    def all_inputs(self) -> set[str]:
        """Every dataset name some node reads."""
        return set(self._graph.all_inputs)

    def all_outputs(self) -> set[str]:
        """Every dataset name some node writes."""
        return set(self._graph.all_outputs)

    def datasets(self) -> set[str]:
        """Every dataset name the pipeline reads or writes."""
        return set(self._graph.datasets)

    # -- dunder ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._graph.nodes)

    def __repr__(self) -> str:
        shown = [repr(n) for n in self.nodes[:10]]
        if len(self) > 10:
            shown.append(f"... ({len(self) - 10} more)")
        body = "".join(f"\n    {s}," for s in shown)
        return f"Pipeline([{body}\n])" if shown else "Pipeline([])"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return self._graph.node_set == other._graph.node_set

    def __hash__(self) -> int:
        return hash(self._graph.node_set)

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
        drop = other._graph.node_set
        return Pipeline([n for n in self._graph.nodes if n not in drop])

    def __and__(self, other: object) -> Pipeline:
        """Intersection: the nodes in both pipelines."""
        if not isinstance(other, Pipeline):
            return NotImplemented
        keep = other._graph.node_set
        return Pipeline([n for n in self._graph.nodes if n in keep])

    def describe(self, names_only: bool = True) -> str:
        """The free inputs, the nodes in execution order and the free outputs, as text.

        Nodes are shown by name, or with ``names_only=False`` as ``str(node)``
        (``name: func([in]) -> [out]``), as Kedro does."""

        def names(values: set[str]) -> str:
            return ", ".join(sorted(values)) or "None"

        lines = (n.name if names_only else str(n) for n in self.nodes)
        return (
            "#### Pipeline execution order ####\n"
            f"Inputs: {names(self.inputs())}\n\n"
            + "\n".join(lines)
            + f"\n\nOutputs: {names(self.outputs())}\n"
            "##################################"
        )

    def to_json(self) -> str:
        """The pipeline as Kedro's JSON: ``{"kedro_version", "pipeline": [{"name",
        "inputs", "outputs", "tags"}, ...]}``, nodes in topological order, tags sorted.
        ``kedro_version`` is the installed Kedro's, or null; ``runadvisor_version`` says
        what wrote it."""
        return json.dumps(
            {
                "kedro_version": _installed_version("kedro"),
                "runadvisor_version": _installed_version("runadvisor"),
                "pipeline": [
                    {
                        "name": n.name,
                        "inputs": n.inputs,
                        "outputs": n.outputs,
                        "tags": sorted(n.tags),
                    }
                    for n in self.nodes
                ],
            }
        )

    # -- filters --------------------------------------------------------------------------
    def _subset(self, indices: Iterable[int]) -> Pipeline:
        chosen = set(indices)
        return Pipeline([n for i, n in enumerate(self._graph.nodes) if i in chosen])

    def only_nodes(self, *node_names: str) -> Pipeline:
        """Only the named nodes."""
        return self._subset(filters.node_indices(self._graph, node_names, "only_nodes()"))

    def from_nodes(self, *node_names: str) -> Pipeline:
        """The named nodes and every node downstream of them."""
        start = filters.node_indices(self._graph, node_names, "from_nodes()")
        return self._subset(filters.closure(self._graph, start, downstream=True))

    def to_nodes(self, *node_names: str) -> Pipeline:
        """The named nodes and every node upstream of them (all they need)."""
        start = filters.node_indices(self._graph, node_names, "to_nodes()")
        return self._subset(filters.closure(self._graph, start, downstream=False))

    def only_nodes_with_inputs(self, *inputs: str) -> Pipeline:
        """The nodes that read any of the datasets directly. A plain name ``ds`` matches
        every ``ds@<format>``; a full name ``ds@pandas`` only itself."""
        names = filters.dataset_names(self._graph, inputs, "only_nodes_with_inputs()")
        return self._subset(filters.readers(self._graph, names))

    def from_inputs(self, *inputs: str) -> Pipeline:
        """The nodes that depend on any of the datasets, directly or transitively
        (transcoded names as in ``only_nodes_with_inputs``)."""
        names = filters.dataset_names(self._graph, inputs, "from_inputs()")
        start = filters.readers(self._graph, names)
        return self._subset(filters.closure(self._graph, start, downstream=True))

    def only_nodes_with_outputs(self, *outputs: str) -> Pipeline:
        """The nodes that write any of the datasets. A plain name ``ds`` matches every
        ``ds@<format>``; a full name ``ds@pandas`` only itself."""
        names = filters.dataset_names(self._graph, outputs, "only_nodes_with_outputs()")
        return self._subset(filters.writers(self._graph, names))

    def to_outputs(self, *outputs: str) -> Pipeline:
        """The nodes needed to produce the datasets: their producers and all upstream
        (transcoded names as in ``only_nodes_with_outputs``)."""
        names = filters.dataset_names(self._graph, outputs, "to_outputs()")
        start = filters.writers(self._graph, names)
        return self._subset(filters.closure(self._graph, start, downstream=False))

    def only_nodes_with_tags(self, *tags: str) -> Pipeline:
        """The nodes having *any* of the tags (no tags: an empty pipeline). A tag no node
        has selects nothing, as in Kedro."""
        return self._subset(filters.tagged(self._graph, tags))

    def only_nodes_with_namespaces(self, node_namespaces: Iterable[str]) -> Pipeline:
        """The nodes in any of the namespaces or namespaces nested inside them."""
        where = "only_nodes_with_namespaces()"
        return self._subset(filters.in_namespaces(self._graph, node_namespaces, where))

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
            PipelineError: unknown node, dataset or namespace names, or no node left.
        """
        chosen = [
            ("tags", tags, self.only_nodes_with_tags),
            ("from_nodes", from_nodes, self.from_nodes),
            ("to_nodes", to_nodes, self.to_nodes),
            ("node_names", node_names, self.only_nodes),
            ("from_inputs", from_inputs, self.from_inputs),
            ("to_outputs", to_outputs, self.to_outputs),
            ("node_namespaces", node_namespaces, lambda *ns: self.only_nodes_with_namespaces(ns)),
        ]
        applied: list[tuple[str, list[str], Pipeline]] = []
        for label, arg, method in chosen:
            if arg:
                names = [arg] if isinstance(arg, str) else list(arg)
                try:
                    applied.append((label, names, method(*names)))
                except UnknownNamesError as exc:
                    exc.argument = label
                    raise
        sets = [p._graph.node_set for _, _, p in applied]
        result = [n for n in self._graph.nodes if all(n in s for s in sets)]
        if not result:
            counts = [(label, names, len(p)) for label, names, p in applied]
            raise filters.empty_selection(self._graph, counts)
        return Pipeline(result)

    def tag(self, tags: str | Iterable[str]) -> Pipeline:
        """A copy of this pipeline with ``tags`` added to every node."""
        return Pipeline(self, tags=tags)


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def pipeline(
    pipe: Iterable[Node | Pipeline] | Pipeline | Node,
    *,
    inputs: DatasetMapping = None,
    outputs: DatasetMapping = None,
    parameters: DatasetMapping = None,
    tags: str | Iterable[str] | None = None,
    namespace: str | None = None,
    prefix_datasets_with_namespace: bool = True,
) -> Pipeline:
    """Make a pipeline from ``pipe``, renaming its datasets to fit into a larger one.

    Kedro's modular-pipeline wrapper. With ``namespace``, node names get the prefix
    ``namespace.`` (through the node's namespace), and so do dataset names:
    ``raw`` -> ``ns.raw``, ``params:x`` -> ``params:ns.x``; names mapped with
    ``inputs``/``outputs``/``parameters`` and ``parameters`` (all parameters) are
    not prefixed. ``ds@pandas`` keeps its format through renames. See
    ``modular.py`` for the rules in order.

    Args:
        pipe: a Pipeline, a Node, or a list of them.
        inputs: free inputs of ``pipe`` to connect: a name or names (kept as they are)
            or ``{inner: outer}``.
        outputs: datasets ``pipe`` writes (free or intermediate) to expose, likewise.
        parameters: parameters to keep (a name or names) or rename (``{inner:
            outer}``), with or without ``params:``.
        tags: tags added to every node.
        namespace: the prefix.
        prefix_datasets_with_namespace: False namespaces only the nodes, not datasets
            or parameters.

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
