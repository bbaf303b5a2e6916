"""Checks on the arguments of ``node()`` and ``pipeline()``, with messages that say
what was given and what was expected.

Everything here runs once, where a pipeline is written, so that a mistake
surfaces there rather than halfway through a run. The functions are shared by
``node.py`` (node arguments, function signatures) and the pipeline modules
(tags, namespaces); they are not part of the package's public API.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from runadvisor.pipeline.errors import NodeSignatureError, PipelineError
from runadvisor.pipeline.transcoding import split_transcoding, strip_transcoding

#: A stored ``inputs``/``outputs`` spec: None, a name, a list of names or a dict.
Spec = str | list | dict | None

# Kedro's rule for node names, tags and namespaces: it keeps them usable on a
# command line (``--nodes a,b``) and in file names.
VALID_NAME = re.compile(r"[\w.-]+\Z")
NAME_RULE = "only letters, digits, underscores, hyphens and full stops"


def short_repr(value: Any, limit: int = 120) -> str:
    """``repr(value)``, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def func_name(func: Callable[..., Any]) -> str:
    """The name to show in messages: ``__name__``, through any ``functools.partial``."""
    while isinstance(func, functools.partial):
        func = func.func
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) else type(func).__name__


def readable_func_name(func: Callable[..., Any]) -> str:
    """Kedro's readable name: ``__name__``; ``<partial>`` for a partial without one.

    A callable object without ``__name__`` gives its class name (Kedro shows its
    ``repr``, which holds a memory address).
    """
    name = getattr(func, "__name__", None)
    if isinstance(name, str):
        return name
    if isinstance(func, functools.partial):
        return "<partial>"
    return type(func).__name__


def plural(n: int, word: str) -> str:
    """``1 output``, ``2 outputs``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def check_dataset_name(value: Any, arg: str, where: str, label: str) -> None:
    """A dataset name is a non-empty str with at most one transcoding ``@``."""
    if not isinstance(value, str) or not value:
        given = (
            "an empty string"
            if isinstance(value, str)
            else f"a {type(value).__name__} {short_repr(value, 60)}"
        )
        raise PipelineError(
            f"{label}: every dataset name in '{arg}' must be a non-empty string, but {where} "
            f"is {given}. Name the dataset with a string, e.g. 'clean_data'."
        )
    try:
        split_transcoding(value)
    except PipelineError as exc:
        raise PipelineError(f"{label}: {exc}") from None


def normalize_spec(spec: Any, arg: str, label: str) -> tuple[Spec, tuple[str, ...]]:
    """Check an ``inputs``/``outputs`` argument; return (stored spec, dataset names in order).

    Empty lists and dicts count as "no inputs/outputs" (stored as ``None``).
    """
    if spec is None:
        return None, ()
    if isinstance(spec, str):
        check_dataset_name(spec, arg, "it", label)
        return spec, (spec,)
    if isinstance(spec, (list, tuple)):
        for i, name in enumerate(spec):
            check_dataset_name(name, arg, f"item {i}", label)
        return (list(spec) or None), tuple(spec)
    if isinstance(spec, dict):
        for key, name in spec.items():
            if arg == "inputs" and (not isinstance(key, str) or not key.isidentifier()):
                raise PipelineError(
                    f"{label}: the keys of a dict of 'inputs' are the function's parameter "
                    f"names, but {key!r} is not a valid parameter name. Use "
                    f"{{'parameter': 'dataset'}}, e.g. {{'df': 'raw_data'}}."
                )
            check_dataset_name(name, arg, f"the value for key {key!r}", label)
        return (dict(spec) or None), tuple(spec.values())
    hint = " A set has no order; use a list." if isinstance(spec, (set, frozenset)) else ""
    kind = "{parameter: dataset}" if arg == "inputs" else "{returned key: dataset}"
    raise PipelineError(
        f"{label}: '{arg}' must be None, a str, a list or tuple of str, or a dict {kind}, "
        f"but a {type(spec).__name__} was given: {short_repr(spec)}.{hint}"
    )


def normalize_confirms(confirms: Any, label: str) -> str | list[str] | None:
    """``confirms``: None, a dataset name, or a list of them (kept in the form given)."""
    if confirms is None:
        return None
    if isinstance(confirms, str):
        check_dataset_name(confirms, "confirms", "it", label)
        return confirms
    if isinstance(confirms, (list, tuple)):
        for i, name in enumerate(confirms):
            check_dataset_name(name, "confirms", f"item {i}", label)
        return list(confirms)
    raise PipelineError(
        f"{label}: 'confirms' must be None, a dataset name or a list of them, but a "
        f"{type(confirms).__name__} was given: {short_repr(confirms)}."
    )


def normalize_tags(tags: Any, label: str) -> frozenset[str]:
    """``tags``: None, a tag or an iterable of tags, each of Kedro's allowed characters."""
    if tags is None:
        return frozenset()
    items = [tags] if isinstance(tags, str) else tags
    if not isinstance(items, Iterable):
        raise PipelineError(
            f"{label}: 'tags' must be a str or an iterable of str, but a "
            f"{type(tags).__name__} was given: {short_repr(tags)}."
        )
    result = []
    for tag in items:
        if not isinstance(tag, str):
            raise PipelineError(
                f"{label}: every tag must be a str, but {short_repr(tag)} (a "
                f"{type(tag).__name__}) was given in tags={short_repr(tags)}."
            )
        if not VALID_NAME.match(tag):
            suggestion = re.sub(r"[^\w.-]+", "_", tag) or "my_tag"
            raise PipelineError(
                f"{label}: tag {tag!r} is not valid; tags may contain {NAME_RULE}. "
                f"Rename the tag, e.g. {suggestion!r}."
            )
        result.append(tag)
    return frozenset(result)


def check_identifier_arg(value: Any, arg: str, label: str) -> None:
    """``name`` and ``namespace``: None, or a non-empty str of Kedro's allowed characters."""
    if value is None:
        return
    if not isinstance(value, str):
        raise PipelineError(
            f"{label}: '{arg}' must be a str or None, but a {type(value).__name__} was given: "
            f"{short_repr(value)}."
        )
    if not VALID_NAME.match(value):
        shown = "an empty string" if value == "" else repr(value)
        suggestion = re.sub(r"[^\w.-]+", "_", value) or "my_node"
        raise PipelineError(
            f"{label}: {arg} {shown} is not valid; a node {arg} may contain {NAME_RULE}. "
            f"Use e.g. {suggestion!r}."
        )


def check_outputs(
    in_names: tuple[str, ...], out_names: tuple[str, ...], outputs: Any, label: str
) -> None:
    """No output twice, and no dataset both read and written (transcoded forms included)."""
    repeated = sorted(n for n, count in Counter(out_names).items() if count > 1)
    if repeated:
        raise PipelineError(
            f"{label}: output(s) {', '.join(repr(r) for r in repeated)} appear more than "
            f"once in outputs={short_repr(outputs)}. Each output must be a different "
            f"dataset; rename the repeated ones."
        )
    written = {strip_transcoding(n): n for n in out_names}
    both = [n for n in dict.fromkeys(in_names) if strip_transcoding(n) in written]
    if both:
        shown = ", ".join(
            repr(n)
            if n == written[strip_transcoding(n)]
            else f"{n!r} (written as {written[strip_transcoding(n)]!r})"
            for n in both
        )
        raise PipelineError(
            f"{label}: dataset(s) {shown} are both an input and an output of the same node "
            f"(transcoded names 'ds@x' count as 'ds'), which would make the node depend on "
            f"itself. Write the result to a new dataset name, e.g. "
            f"{strip_transcoding(both[0]) + '_out'!r}."
        )


def reject_unsupported_function(func: Callable[..., Any], label: str) -> None:
    """``async def`` functions only create coroutines that nothing would await."""
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        raise PipelineError(
            f"{label}: function {func_name(func)} is an 'async def' function; calling it only "
            f"creates a coroutine that nothing would await. Use a plain function (run the "
            f"coroutine inside it with asyncio.run(...))."
        )


# -- signatures ---------------------------------------------------------------------------


def check_signature(func: Callable[..., Any], spec: Spec, label: str) -> tuple[str, ...] | None:
    """Raise :class:`NodeSignatureError` if ``func`` cannot take the declared inputs.

    For a dict of inputs, returns its keys in the order they bind to the
    function's parameters (Kedro orders ``node.inputs`` so); otherwise, or when
    the function has no inspectable signature, None.
    """
    try:
        # follow_wrapped=False, as Kedro: a decorator's own signature is what gets called.
        sig = inspect.signature(func, follow_wrapped=False)
    except Exception:  # builtins, C callables, objects whose introspection fails
        return None
    args: list[str] = []
    kwargs: dict[str, str] = {}
    if isinstance(spec, str):
        args = [spec]
    elif isinstance(spec, list):
        args = list(spec)
    elif isinstance(spec, dict):
        kwargs = dict(spec)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        problem = _signature_problem(sig, args, kwargs, exc)
        raise NodeSignatureError(
            f"{label}: function {func_name(func)}{_plain_signature(sig)} {problem}."
        ) from None
    if not kwargs:
        return None
    order: list[str] = []
    for param, value in bound.arguments.items():
        if sig.parameters[param].kind is inspect.Parameter.VAR_KEYWORD:
            order.extend(value)  # **kwargs collects the keys no parameter names
        else:
            order.append(param)
    return tuple(order)


def _plain_signature(sig: inspect.Signature) -> str:
    """``(a, b=1)``: the signature without annotations, which only add noise to messages."""
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))


def _signature_problem(
    sig: inspect.Signature, args: list[str], kwargs: dict[str, str], error: TypeError
) -> str:
    """Explain why ``sig.bind(*args, **kwargs)`` failed, in the node's own terms."""
    P = inspect.Parameter
    params = list(sig.parameters.values())
    positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    has_var_pos = any(p.kind == P.VAR_POSITIONAL for p in params)
    has_var_kw = any(p.kind == P.VAR_KEYWORD for p in params)
    named = [p for p in params if p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)]
    if not kwargs:
        n = len(args)
        required = [p.name for p in positional if p.default is P.empty]
        kw_required = [p.name for p in params if p.kind == P.KEYWORD_ONLY and p.default is P.empty]
        if not has_var_pos and n > len(positional):
            return (
                f"takes {plural(len(positional), 'positional argument')} but "
                f"{plural(n, 'input')} {'was' if n == 1 else 'were'} given: {args}. "
                f"Give one input per parameter"
            )
        if n < len(required):
            missing = required[n:]
            return (
                f"requires {plural(len(required), 'positional argument')} but only "
                f"{plural(n, 'input')} {'was' if n == 1 else 'were'} given: {args}; nothing "
                f"feeds {', '.join(repr(m) for m in missing)}. Add inputs for them"
            )
        if kw_required:
            return (
                f"has keyword-only parameter(s) {', '.join(repr(k) for k in kw_required)} "
                f"without a default, which a list of inputs cannot fill. Use a dict of "
                f"inputs {{parameter: dataset}}"
            )
    else:
        names = {p.name for p in named}
        unknown = [k for k in kwargs if k not in names]
        if unknown and not has_var_kw:
            return (
                f"has no parameter(s) {', '.join(repr(k) for k in unknown)} (its parameters "
                f"are {', '.join(p.name for p in named) or 'none'}), but the inputs dict has "
                f"keys for them: {kwargs}. The keys of a dict of inputs must be parameter names"
            )
        pos_only = [p.name for p in params if p.kind == P.POSITIONAL_ONLY and p.name in kwargs]
        if pos_only:
            return (
                f"has positional-only parameter(s) {', '.join(repr(k) for k in pos_only)}, "
                f"which a dict of inputs cannot fill by name. Use a list of inputs"
            )
        missing = [p.name for p in named if p.default is P.empty and p.name not in kwargs]
        if missing:
            return (
                f"requires {', '.join(repr(m) for m in missing)}, but the inputs dict {kwargs} "
                f"has no key for {'it' if len(missing) == 1 else 'them'}. Add "
                f"{'it' if len(missing) == 1 else 'them'} to the inputs"
            )
    return f"cannot be called with inputs {args or kwargs} ({error})"
