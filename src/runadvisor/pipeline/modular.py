"""Modular pipelines: ``pipeline(pipe, inputs=, outputs=, parameters=, namespace=)``.

Kedro's rules for renaming the datasets of a pipeline reused inside another,
applied to each dataset name of each node in this order:

1. a name mapped with ``inputs``/``outputs``/``parameters`` takes the mapped name;
2. ``parameters`` (all parameters) stays as it is;
3. a transcoded name whose base is mapped keeps its format: ``ds@pandas`` with
   ``{"ds": "new"}`` becomes ``new@pandas``;
4. with a namespace (and ``prefix_datasets_with_namespace``), ``params:x``
   becomes ``params:<namespace>.x`` and any other name ``<namespace>.<name>``.

Mapped names are therefore never prefixed: ``parameters={"x"}`` keeps
``params:x`` global inside a namespace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from runadvisor.pipeline.errors import PipelineError, unknown_names_message
from runadvisor.pipeline.graph import Graph
from runadvisor.pipeline.node import Node
from runadvisor.pipeline.transcoding import TRANSCODING_SEPARATOR, split_transcoding
from runadvisor.pipeline.transcoding import strip_transcoding as base_of
from runadvisor.pipeline.validation import check_identifier_arg, short_repr

__all__ = ["map_nodes"]

ALL_PARAMETERS = "parameters"
PARAMETER_PREFIX = "params:"


def is_parameter(name: str) -> bool:
    """``params:x`` and ``parameters`` are parameters, mapped only with ``parameters=``."""
    return name == ALL_PARAMETERS or name.startswith(PARAMETER_PREFIX)


def map_nodes(
    nodes: list[Node],
    inputs: Any,
    outputs: Any,
    parameters: Any,
    namespace: str | None,
    prefix_datasets: bool,
) -> list[Node]:
    """Copies of ``nodes`` with datasets renamed and namespaced, as Kedro's ``pipeline()``."""
    check_identifier_arg(namespace, "namespace", "pipeline()")
    inner = Graph(nodes)
    in_map = _mapping(inputs, "inputs")
    out_map = _mapping(outputs, "outputs")
    param_map = _param_mapping(parameters)
    _check_mappings(inner, in_map, out_map, param_map)
    rename = _renamer({**in_map, **out_map, **param_map}, namespace if prefix_datasets else None)
    result = []
    for n in inner.nodes:
        if namespace:
            new_namespace = f"{namespace}.{n.namespace}" if n.namespace else namespace
        else:
            new_namespace = n.namespace
        result.append(n.rename_datasets(rename, namespace=new_namespace))
    return result


def _renamer(mapping: dict[str, str], namespace: str | None) -> Callable[[str], str]:
    """The function applying the module's renaming rules to one dataset name."""

    def rename(name: str) -> str:
        if name in mapping:
            return mapping[name]
        if name == ALL_PARAMETERS:
            return name
        base, fmt = split_transcoding(name)
        if fmt and base in mapping:
            return f"{mapping[base]}{TRANSCODING_SEPARATOR}{fmt}"
        if not namespace:
            return name
        if name.startswith(PARAMETER_PREFIX):
            return f"{PARAMETER_PREFIX}{namespace}.{name[len(PARAMETER_PREFIX) :]}"
        return f"{namespace}.{name}"

    return rename


def _check_mappings(
    inner: Graph, in_map: dict[str, str], out_map: dict[str, str], param_map: dict[str, str]
) -> None:
    """Mapped names exist; inputs are free inputs, outputs are written inside, parameters
    go through ``parameters=`` (transcoded names count by their base)."""
    params = [k for k in in_map if is_parameter(k)]
    if params:
        raise PipelineError(
            f"pipeline(inputs=...): {params} are parameters; map parameters with "
            f"parameters={{...}} instead (names with or without 'params:')."
        )
    known = inner.known_datasets
    for arg, mapping in (("inputs", in_map), ("outputs", out_map)):
        unknown = [k for k in mapping if k not in known]
        if unknown:
            raise PipelineError(
                unknown_names_message("dataset", unknown, inner.datasets, f"pipeline({arg}=...)")
            )
    for name in in_map:
        producer = inner.producer.get(base_of(name))
        if producer is not None:
            raise PipelineError(
                f"pipeline(inputs=...): {name!r} is written by node "
                f"{inner.nodes[producer].name!r} inside the pipeline, so it is not a free "
                f"input. inputs= may only map free inputs ({sorted(inner.free_inputs)}); use "
                f"outputs= to expose {name!r}."
            )
    for name in out_map:
        if base_of(name) not in inner.producer:
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
                [d for d in inner.datasets if is_parameter(d)],
                "pipeline(parameters=...)",
            )
        )


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
            f"{short_repr(value)}."
        )
    for inner, outer in value.items():
        for item in (inner, outer):
            if not isinstance(item, str) or not item:
                raise PipelineError(
                    f"pipeline({arg}=...): names must be non-empty strings, but "
                    f"{short_repr(item)} ({type(item).__name__}) was given in "
                    f"{short_repr(value)}."
                )
    return value


def _param_mapping(value: Any) -> dict[str, str]:
    """Parameters may be named with or without ``params:``; ``parameters`` maps to itself."""

    def full(name: str) -> str:
        return name if name.startswith(PARAMETER_PREFIX) else f"{PARAMETER_PREFIX}{name}"

    result = {}
    for inner, outer in _mapping(value, "parameters").items():
        if inner == ALL_PARAMETERS:
            result[inner] = inner
        else:
            result[full(inner)] = full(outer)
    return result
