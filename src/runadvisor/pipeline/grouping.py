"""Grouping nodes for deployment, as Kedro 1.x does: by top-level namespace, or one
group per node; and the check that a namespace can run as one group.

A namespace is *interrupted* when a path leaves it through a node outside it and
comes back in: its nodes then cannot run together as one group (the group
would depend on itself), so Kedro warns when such a pipeline is built.
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from runadvisor.pipeline.errors import PipelineError
from runadvisor.pipeline.graph import Graph
from runadvisor.pipeline.node import Node

__all__ = ["GroupedNodes", "NamespaceInterruptedWarning", "group_nodes_by"]


@dataclass
class GroupedNodes:
    """A group of nodes to run together: a top-level namespace or a single node.

    ``type`` is ``"namespace"`` or ``"nodes"``; ``nodes`` and ``dependencies`` are
    node names and the names of the groups this one depends on.
    """

    name: str
    type: str
    nodes: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)


class NamespaceInterruptedWarning(UserWarning):
    """A namespace's nodes are linked through nodes outside it, so it is not one group."""


def group_nodes_by(
    ordered: Sequence[Node], parents: dict[Node, set[Node]], group_by: str | None
) -> list[GroupedNodes]:
    """Kedro's ``Pipeline.group_nodes_by``: ``"namespace"`` (by top-level namespace;
    nodes without one form their own group) or None / ``"none"`` (one group per node).

    Groups come in the topological order of their first node; a group's
    dependencies are the groups of its nodes' parents, in order of discovery.
    """
    strategy = group_by.lower() if isinstance(group_by, str) else group_by
    if strategy is None or strategy == "none":
        return [
            GroupedNodes(
                name=n.name,
                type="nodes",
                nodes=[n.name],
                dependencies=sorted(p.name for p in parents[n]),
            )
            for n in ordered
        ]
    if strategy != "namespace":
        raise PipelineError(
            f"Unsupported group_by strategy: {group_by}. Use 'namespace' or None (one group "
            f"per node)."
        )
    groups: dict[str, GroupedNodes] = {}
    for n in ordered:
        key = _group_key(n)
        group = groups.get(key)
        if group is None:
            kind = "namespace" if n.namespace else "nodes"
            group = groups[key] = GroupedNodes(name=key, type=kind)
        group.nodes.append(n.name)
        for parent in sorted(parents[n], key=lambda p: p.name):
            parent_key = _group_key(parent)
            if parent_key != key and parent_key not in group.dependencies:
                group.dependencies.append(parent_key)
    return list(groups.values())


def _group_key(node: Node) -> str:
    return node.namespace.split(".")[0] if node.namespace else node.name


def interrupted_namespaces(graph: Graph) -> dict[str, list[str]]:
    """``{namespace: the outside nodes on one path that leaves it and comes back}``.

    One pass in topological order keeps, per node, the namespaces that some path
    reaching it has left (``exited``); a node inside one of them closes the loop.
    Nested namespaces count: ``a.b`` left through a node in ``a`` only is
    interrupted too.
    """
    nodes = graph.nodes
    prefixes = [frozenset(n.namespace_prefixes) for n in nodes]
    exited: list[frozenset[str]] = [frozenset()] * len(nodes)
    found: dict[str, list[str]] = {}
    for level in graph.levels:
        for i in level:
            carried: set[str] = set()
            for p in graph.parents[i]:
                back = exited[p] & prefixes[i]
                for ns in sorted(back):
                    if ns not in found:
                        found[ns] = _outside_path(graph, prefixes, ns, i)
                carried |= exited[p] | prefixes[p]
            exited[i] = frozenset(carried - prefixes[i])
    return found


def _outside_path(graph: Graph, prefixes: list[frozenset[str]], ns: str, end: int) -> list[str]:
    """Names of the outside nodes on a shortest path from ``ns`` back into it at ``end``."""
    came_from: dict[int, int | None] = {}
    queue: deque[int] = deque()
    for p in graph.parents[end]:
        if ns not in prefixes[p] and p not in came_from:
            came_from[p] = None
            queue.append(p)
    while queue:
        i = queue.popleft()
        if any(ns in prefixes[p] for p in graph.parents[i]):
            path = []
            step: int | None = i
            while step is not None:
                path.append(graph.nodes[step].name)
                step = came_from[step]
            return path
        for p in graph.parents[i]:
            if ns not in prefixes[p] and p not in came_from:
                came_from[p] = i
                queue.append(p)
    return []


def warn_interrupted_namespaces(graph: Graph) -> None:
    """Kedro's warning for each interrupted namespace (only namespaced pipelines pay)."""
    if not any(n.namespace for n in graph.nodes):
        return
    for ns, path in interrupted_namespaces(graph).items():
        shown = str(path)
        if len(path) > 10:
            shown = f"{str(path[:5])[:-1]}, ..., {str(path[-2:])[1:]} ({len(path)} nodes)"
        warnings.warn(
            f"Namespace '{ns}' is interrupted by nodes {shown} and thus invalid. Its nodes "
            f"cannot run as one group: keep the nodes between them in the namespace, or "
            f"split it.",
            NamespaceInterruptedWarning,
            stacklevel=4,
        )
