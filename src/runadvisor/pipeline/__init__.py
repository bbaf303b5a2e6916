"""Nodes and pipelines: Kedro's ``node``/``pipeline`` API, validated and fast.

``node(func, inputs, outputs)`` wraps a function; ``Pipeline(nodes)`` checks that
the nodes form a DAG with unique names and outputs and orders them topologically
(level by level, each level sorted by name); ``pipeline(...)`` renames and
namespaces datasets to reuse a pipeline inside another. ``ds@pandas`` and
``ds@spark`` are one dataset ``ds`` (transcoding). This package imports nothing
of runadvisor's but ``runadvisor.exceptions``.

Modules: ``node`` (Node), ``validation`` (checks on node arguments),
``transcoding``, ``graph`` (indexing, validation, cycles), ``filters``,
``modular`` (``pipeline(...)`` renaming), ``grouping`` (``group_nodes_by``),
``pipeline`` (Pipeline), ``errors``.
"""

from runadvisor.pipeline.errors import (
    CircularDependencyError,
    ConfirmNotUniqueError,
    EmptySelectionError,
    NodeOutputError,
    NodeSignatureError,
    OutputNotUniqueError,
    PipelineError,
    UnknownNamesError,
)
from runadvisor.pipeline.grouping import GroupedNodes, NamespaceInterruptedWarning
from runadvisor.pipeline.node import Node, node
from runadvisor.pipeline.pipeline import Pipeline, pipeline
from runadvisor.pipeline.transcoding import TRANSCODING_SEPARATOR, strip_transcoding

__all__ = [
    "CircularDependencyError",
    "ConfirmNotUniqueError",
    "EmptySelectionError",
    "GroupedNodes",
    "NamespaceInterruptedWarning",
    "Node",
    "NodeOutputError",
    "NodeSignatureError",
    "OutputNotUniqueError",
    "Pipeline",
    "PipelineError",
    "TRANSCODING_SEPARATOR",
    "UnknownNamesError",
    "node",
    "pipeline",
    "strip_transcoding",
]
