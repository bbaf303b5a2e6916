"""Selections of a pipeline's nodes, as Kedro's filters make them.

Each function takes the pipeline's :class:`~runadvisor.pipeline.graph.Graph`
and the names it was given, checks them (unknown names are errors with close
matches, except tags, which select nothing, as in Kedro) and returns the
indices of the selected nodes; ``Pipeline`` turns them into a new pipeline.
Dataset names follow transcoding: a plain name ``ds`` selects every use of
``ds@<format>``, a full name ``ds@pandas`` only that one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runadvisor.pipeline.errors import (
    EmptySelectionError,
    PipelineError,
    UnknownNamesError,
    close_matches,
)
from runadvisor.pipeline.graph import Graph
from runadvisor.pipeline.transcoding import strip_transcoding
from runadvisor.pipeline.validation import short_repr


def as_names(args: Iterable[Any], what: str, where: str, *, varargs: bool = True) -> list[str]:
    """``args`` as a list of str, or an error naming the call and what it takes."""
    names = list(args)
    for name in names:
        if not isinstance(name, str):
            hint = (
                f" Pass names as separate arguments, e.g. {where[:-1]}'a', 'b')." if varargs else ""
            )
            raise PipelineError(
                f"{where}: each {what} must be a str, but a {type(name).__name__} was given: "
                f"{short_repr(name)}.{hint}"
            )
    return names


def node_indices(graph: Graph, names: Iterable[Any], where: str) -> list[int]:
    """The indices of the named nodes; unknown names are an error."""
    wanted = as_names(names, "node name", where)
    unknown = [n for n in wanted if n not in graph.position]
    if unknown:
        raise UnknownNamesError("node", unknown, graph.position, where)
    return [graph.position[n] for n in wanted]


def dataset_names(graph: Graph, names: Iterable[Any], where: str) -> list[str]:
    """``names`` checked against the datasets the pipeline uses (or their bases)."""
    wanted = as_names(names, "dataset name", where)
    known = graph.known_datasets
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise UnknownNamesError("dataset", unknown, graph.datasets, where)
    return wanted


def closure(graph: Graph, start: Iterable[int], *, downstream: bool) -> set[int]:
    """``start`` and every node after it (``downstream``) or before it."""
    edges = graph.children if downstream else graph.parents
    seen = set(start)
    stack = list(seen)
    while stack:
        for j in edges[stack.pop()]:
            if j not in seen:
                seen.add(j)
                stack.append(j)
    return seen


def readers(graph: Graph, names: list[str]) -> set[int]:
    """Nodes reading any of the datasets (a plain name matches every transcoded form)."""
    found: set[int] = set()
    for name in names:
        base = strip_transcoding(name)
        for i in graph.consumers.get(base, ()):
            if name == base or name in graph.nodes[i].inputs:
                found.add(i)
    return found


def writers(graph: Graph, names: list[str]) -> set[int]:
    """Nodes writing any of the datasets (a plain name matches every transcoded form)."""
    found: set[int] = set()
    for name in names:
        base = strip_transcoding(name)
        i = graph.producer.get(base)
        if i is not None and (name == base or name in graph.nodes[i].outputs):
            found.add(i)
    return found


def tagged(graph: Graph, tags: Iterable[Any]) -> list[int]:
    """Nodes having any of the tags. A tag no node has selects nothing (as in Kedro)."""
    wanted = set(as_names(tags, "tag", "only_nodes_with_tags()"))
    return [i for i, n in enumerate(graph.nodes) if wanted.intersection(n.tags)]


def in_namespaces(graph: Graph, namespaces: Iterable[Any], where: str) -> list[int]:
    """Nodes in any of the namespaces or namespaces nested inside them."""
    if isinstance(namespaces, str):
        namespaces = [namespaces]
    wanted = as_names(namespaces, "namespace", where, varargs=False)
    known = {prefix for n in graph.nodes for prefix in n.namespace_prefixes}
    unknown = [ns for ns in wanted if ns not in known]
    if unknown:
        raise UnknownNamesError("namespace", unknown, known, where)
    chosen = set(wanted)
    return [i for i, n in enumerate(graph.nodes) if chosen.intersection(n.namespace_prefixes)]


def empty_selection(graph: Graph, applied: list[tuple[str, list[str], int]]) -> EmptySelectionError:
    """The error for a ``filter()`` that left no node. ``applied``: (argument, names
    given, nodes it selected) for each filter given."""
    described: list[tuple[str, list[str], int, str | None]] = []
    for arg, names, count in applied:
        why = None
        if count == 0 and arg == "tags":
            known = {t for n in graph.nodes for t in n.tags}
            why = f"no node has them: {close_matches('tag', names, known)}"
        elif count == 0:
            why = f"of the {len(graph.nodes)} nodes none reads or writes those datasets"
        described.append((arg, names, count, why))
    return EmptySelectionError(described)
