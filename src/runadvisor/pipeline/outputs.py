"""How a node's function result becomes ``{dataset name: value}``.

A returned value is checked against the declared outputs (one name, a list, a
dict) with a message that says what came back and what was expected. A
generator function's result becomes one lazy iterator of chunks per output, each
chunk checked the same way as it comes.
"""

from __future__ import annotations

import itertools
import operator
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

from runadvisor.pipeline.errors import NodeOutputError
from runadvisor.pipeline.validation import Spec, plural


def name_outputs(node_name: str, spec: Spec, result: Any, verb: str = "returned") -> dict[str, Any]:
    """Map ``result`` onto the output names declared by ``spec``.

    None -> ``{}`` (a value other than None is dropped with a ``UserWarning``, as
    Kedro warns); a name -> ``{name: result}``; a list -> ``result`` must be a list or
    tuple of that length; a dict -> ``result`` must be a dict with exactly those keys.
    ``verb`` says how the value came ("yielded").
    """
    if spec is None:
        if result is not None:
            warnings.warn(
                f"Node {node_name!r} returned a value of type '{type(result).__name__}', but "
                f"the node is defined with outputs=None, so the value is dropped. Declare "
                f"outputs in the node to keep it, or return None.",
                UserWarning,
                stacklevel=3,
            )
        return {}
    if isinstance(spec, str):
        return {spec: result}
    if isinstance(spec, list):
        n = len(spec)
        if not isinstance(result, (list, tuple)):
            raise NodeOutputError(
                f"node {node_name!r} {verb} a {type(result).__name__}, expected a list or "
                f"tuple of {n} values for its outputs {spec}. Return one value per output, "
                f"or declare a single output name to save the whole value."
            )
        if len(result) != n:
            raise NodeOutputError(
                f"node {node_name!r} {verb} {len(result)} values but declares "
                f"{plural(n, 'output')} {spec}. Make the function return exactly "
                f"{n} values, or change the outputs list."
            )
        return dict(zip(spec, result))
    keys = list(spec)
    if not isinstance(result, Mapping):
        raise NodeOutputError(
            f"node {node_name!r} {verb} a {type(result).__name__}, expected a dict with "
            f"keys {keys} (its outputs are declared as {spec}). Return a dict, or declare "
            f"the outputs as a list."
        )
    missing = [k for k in keys if k not in result]
    extra = [k for k in result if k not in spec]
    if missing or extra:
        problems = []
        if missing:
            problems.append(f"missing keys {missing}")
        if extra:
            problems.append(f"unexpected keys {extra}")
        raise NodeOutputError(
            f"node {node_name!r} {verb} a dict with keys {list(result)}, expected "
            f"exactly {keys} ({'; '.join(problems)}). Make the returned keys match the "
            f"outputs dict {spec}."
        )
    return {name: result[key] for key, name in spec.items()}


def stream_outputs(node_name: str, spec: Spec, chunks: Iterator[Any]) -> dict[str, Iterator[Any]]:
    """One lazy iterator of chunks per output, as Kedro's generator nodes give.

    The iterators advance together (``itertools.tee``): consuming them in turn,
    one chunk each, holds one chunk at a time. Without outputs the chunks are
    consumed here and dropped, so the function's body runs.
    """
    if spec is None:
        for _ in chunks:
            pass
        return {}
    if isinstance(spec, str):
        return {spec: chunks}
    names = list(spec) if isinstance(spec, list) else list(spec.values())
    named = (name_outputs(node_name, spec, chunk, "yielded") for chunk in chunks)
    streams = itertools.tee(named, len(names))
    return {name: map(operator.itemgetter(name), s) for name, s in zip(names, streams)}
