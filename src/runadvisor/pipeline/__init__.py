"""Nodes and pipelines: Kedro's ``node``/``pipeline`` API, validated and fast.

``node(func, inputs, outputs)`` wraps a function; ``Pipeline(nodes)`` checks that
the nodes form a DAG with unique names and outputs and orders them topologically
(level by level, each level sorted by name); ``pipeline(...)`` renames and
namespaces datasets to reuse a pipeline inside another. This package imports
nothing of runadvisor's but ``runadvisor.exceptions``.
"""

from runadvisor.pipeline.errors import (
    CircularDependencyError,
    NodeOutputError,
    NodeSignatureError,
    OutputNotUniqueError,
    PipelineError,
)
from runadvisor.pipeline.node import Node, node
from runadvisor.pipeline.pipeline import Pipeline, pipeline

__all__ = [
    "CircularDependencyError",
    "Node",
    "NodeOutputError",
    "NodeSignatureError",
    "OutputNotUniqueError",
    "Pipeline",
    "PipelineError",
    "node",
    "pipeline",
]
