"""``Node``: one function in a pipeline, with the names of the datasets it reads and writes.

A node is plain data (its function, the declared input and output specs, a name,
tags and a namespace) so that it pickles with ``pickle`` (module-level functions)
and ``cloudpickle`` (lambdas, closures) and can travel to a process worker.
Everything is validated once, in :func:`node`, so that mistakes surface where the
pipeline is written rather than halfway through a run.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from runadvisor.pipeline.errors import NodeOutputError, NodeSignatureError, PipelineError

__all__ = ["Node", "node"]

#: What ``inputs`` may be: nothing, one name, names in positional order, or
#: ``{parameter name: dataset name}``.
InputsSpec = str | list[str] | tuple[str, ...] | dict[str, str] | None
#: What ``outputs`` may be: nothing, one name, one name per returned value, or
#: ``{key in the returned dict: dataset name}``.
OutputsSpec = str | list[str] | tuple[str, ...] | dict[Any, str] | None

# Kedro's rule for node names, tags and namespaces: it keeps them usable on a
# command line (``--nodes a,b``) and in file names.
_VALID_NAME = re.compile(r"[\w.-]+\Z")
_NAME_RULE = "only letters, digits, underscores, hyphens and full stops"

_Spec = str | list | dict | None


def _func_name(func: Callable[..., Any]) -> str:
    """A readable name for ``func``: ``__name__``, through any ``functools.partial``."""
    while isinstance(func, functools.partial):
        func = func.func
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) else type(func).__name__


def _short_repr(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _same_func(a: Any, b: Any) -> bool:
    """Whether two node functions are the same (identity, or ``==`` for bound methods)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # an odd __eq__ (arrays, broken objects) means "not the same"
        return False


def _spec_key(spec: _Spec) -> Hashable:
    """A hashable form of an input/output spec; dict order does not matter."""
    if isinstance(spec, list):
        return ("list", tuple(spec))
    if isinstance(spec, dict):
        return ("dict", frozenset(spec.items()))
    return spec


def _check_dataset_name(value: Any, arg: str, where: str, label: str) -> None:
    if not isinstance(value, str) or not value:
        given = (
            "an empty string"
            if isinstance(value, str)
            else f"a {type(value).__name__} {_short_repr(value, 60)}"
        )
        raise PipelineError(
            f"{label}: every dataset name in '{arg}' must be a non-empty string, but {where} "
            f"is {given}. Name the dataset with a string, e.g. 'clean_data'."
        )


def _normalize_spec(spec: Any, arg: str, label: str) -> tuple[_Spec, tuple[str, ...]]:
    """Check an ``inputs``/``outputs`` argument; return (stored spec, dataset names in order).

    Empty lists and dicts count as "no inputs/outputs" (stored as ``None``).
    """
    if spec is None:
        return None, ()
    if isinstance(spec, str):
        _check_dataset_name(spec, arg, "it", label)
        return spec, (spec,)
    if isinstance(spec, (list, tuple)):
        for i, name in enumerate(spec):
            _check_dataset_name(name, arg, f"item {i}", label)
        return (list(spec) or None), tuple(spec)
    if isinstance(spec, dict):
        for key, name in spec.items():
            if arg == "inputs" and (not isinstance(key, str) or not key.isidentifier()):
                raise PipelineError(
                    f"{label}: the keys of a dict of 'inputs' are the function's parameter "
                    f"names, but {key!r} is not a valid parameter name. Use "
                    f"{{'parameter': 'dataset'}}, e.g. {{'df': 'raw_data'}}."
                )
            _check_dataset_name(name, arg, f"the value for key {key!r}", label)
        return (dict(spec) or None), tuple(spec.values())
    hint = " A set has no order; use a list." if isinstance(spec, (set, frozenset)) else ""
    kind = "{parameter: dataset}" if arg == "inputs" else "{returned key: dataset}"
    raise PipelineError(
        f"{label}: '{arg}' must be None, a str, a list or tuple of str, or a dict {kind}, "
        f"but a {type(spec).__name__} was given: {_short_repr(spec)}.{hint}"
    )


def _normalize_tags(tags: Any, label: str) -> frozenset[str]:
    if tags is None:
        return frozenset()
    items = [tags] if isinstance(tags, str) else tags
    if not isinstance(items, Iterable):
        raise PipelineError(
            f"{label}: 'tags' must be a str or an iterable of str, but a "
            f"{type(tags).__name__} was given: {_short_repr(tags)}."
        )
    result = []
    for tag in items:
        if not isinstance(tag, str):
            raise PipelineError(
                f"{label}: every tag must be a str, but {_short_repr(tag)} (a "
                f"{type(tag).__name__}) was given in tags={_short_repr(tags)}."
            )
        if not _VALID_NAME.match(tag):
            suggestion = re.sub(r"[^\w.-]+", "_", tag) or "my_tag"
            raise PipelineError(
                f"{label}: tag {tag!r} is not valid; tags may contain {_NAME_RULE}. "
                f"Rename the tag, e.g. {suggestion!r}."
            )
        result.append(tag)
    return frozenset(result)


def _check_identifier_arg(value: Any, arg: str, label: str) -> None:
    """``name`` and ``namespace``: None, or a non-empty str of Kedro's allowed characters."""
    if value is None:
        return
    if not isinstance(value, str):
        raise PipelineError(
            f"{label}: '{arg}' must be a str or None, but a {type(value).__name__} was given: "
            f"{_short_repr(value)}."
        )
    if not _VALID_NAME.match(value):
        shown = "an empty string" if value == "" else repr(value)
        suggestion = re.sub(r"[^\w.-]+", "_", value) or "my_node"
        raise PipelineError(
            f"{label}: {arg} {shown} is not valid; a node {arg} may contain {_NAME_RULE}. "
            f"Use e.g. {suggestion!r}."
        )


def _plain_signature(sig: inspect.Signature) -> str:
    """``(a, b=1)``: the signature without annotations, which only add noise to messages."""
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
                f"takes {_plural(len(positional), 'positional argument')} but "
                f"{_plural(n, 'input')} {'was' if n == 1 else 'were'} given: {args}. "
                f"Give one input per parameter"
            )
        if n < len(required):
            missing = required[n:]
            return (
                f"requires {_plural(len(required), 'positional argument')} but only "
                f"{_plural(n, 'input')} {'was' if n == 1 else 'were'} given: {args}; nothing "
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


def _check_signature(func: Callable[..., Any], spec: _Spec, label: str) -> None:
    """Raise :class:`NodeSignatureError` if ``func`` cannot take the declared inputs."""
    try:
        # follow_wrapped=False, as Kedro: a decorator's own signature is what gets called.
        sig = inspect.signature(func, follow_wrapped=False)
    except Exception:  # builtins, C callables, objects whose introspection fails
        return
    args: list[str] = []
    kwargs: dict[str, str] = {}
    if isinstance(spec, str):
        args = [spec]
    elif isinstance(spec, list):
        args = list(spec)
    elif isinstance(spec, dict):
        kwargs = dict(spec)
    try:
        sig.bind(*args, **kwargs)
    except TypeError as exc:
        problem = _signature_problem(sig, args, kwargs, exc)
        raise NodeSignatureError(
            f"{label}: function {_func_name(func)}{_plain_signature(sig)} {problem}."
        ) from None


def _reject_unsupported_function(func: Callable[..., Any], label: str) -> None:
    if inspect.isgeneratorfunction(func):
        raise PipelineError(
            f"{label}: function {_func_name(func)} is a generator function (it uses 'yield'). "
            f"runadvisor does not support Kedro's generator nodes, which save their outputs "
            f"chunk by chunk; return the whole value instead (for example wrap it: "
            f"lambda *args: list({_func_name(func)}(*args)))."
        )
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        raise PipelineError(
            f"{label}: function {_func_name(func)} is an 'async def' function; calling it only "
            f"creates a coroutine that nothing would await. Use a plain function (run the "
            f"coroutine inside it with asyncio.run(...))."
        )


class Node:
    """One function of a pipeline, with the datasets it reads (``inputs``) and writes.

    Build nodes with :func:`node`. Attributes are read-only properties except
    ``func`` (hooks may wrap it); equality and hashing use the name, the declared
    inputs and outputs, and (for equality) the function.
    """

    def __init__(
        self,
        func: Callable[..., Any],
        inputs: InputsSpec,
        outputs: OutputsSpec,
        *,
        name: str | None = None,
        tags: str | Iterable[str] | None = None,
        namespace: str | None = None,
    ) -> None:
        """Validate and store a node; see :func:`node` for the arguments."""
        self._setup(func, inputs, outputs, name, tags, namespace, check_signature=True)

    def _setup(
        self,
        func: Callable[..., Any],
        inputs: Any,
        outputs: Any,
        name: Any,
        tags: Any,
        namespace: Any,
        *,
        check_signature: bool,
    ) -> None:
        if not callable(func):
            raise PipelineError(
                f"node(): the first argument must be the node's function, but a "
                f"{type(func).__name__} was given: {_short_repr(func)}. "
                f"Use node(function, inputs, outputs)."
            )
        fname = _func_name(func)
        label = f"node({fname}, {_short_repr(inputs, 60)}, {_short_repr(outputs, 60)})"
        _reject_unsupported_function(func, label)
        in_spec, in_names = _normalize_spec(inputs, "inputs", label)
        out_spec, out_names = _normalize_spec(outputs, "outputs", label)
        _check_identifier_arg(name, "name", label)
        _check_identifier_arg(namespace, "namespace", label)
        tag_set = _normalize_tags(tags, label)
        if not in_names and not out_names:
            raise PipelineError(
                f"{label}: a node needs at least one input or output, but both are empty. "
                f"Give it the datasets it reads and/or writes, e.g. "
                f"node({fname}, 'raw_data', 'clean_data')."
            )

        base = (
            name
            if name is not None
            else f"{fname}([{','.join(in_names)}]) -> [{','.join(out_names)}]"
        )
        full_name = f"{namespace}.{base}" if namespace else base
        label = f"node {full_name!r}"

        repeated = sorted(n for n, c in Counter(out_names).items() if c > 1)
        if repeated:
            raise PipelineError(
                f"{label}: output(s) {', '.join(repr(r) for r in repeated)} appear more than "
                f"once in outputs={_short_repr(outputs)}. Each output must be a different "
                f"dataset; rename the repeated ones."
            )
        both = [n for n in dict.fromkeys(in_names) if n in set(out_names)]
        if both:
            raise PipelineError(
                f"{label}: dataset(s) {', '.join(repr(b) for b in both)} are both an input and "
                f"an output of the same node, which would make the node depend on itself. "
                f"Write the result to a new dataset name, e.g. {both[0] + '_out'!r}."
            )
        if check_signature:
            _check_signature(func, in_spec, label)

        self.func = func
        self._inputs_spec = in_spec
        self._outputs_spec = out_spec
        self._input_names = in_names
        self._output_names = out_names
        self._input_set = frozenset(in_names)
        self._explicit_name = name
        self._namespace = namespace
        self._tags = tag_set
        self._name = full_name
        self._key = (full_name, _spec_key(in_spec), _spec_key(out_spec))
        self._hash = hash(self._key)

    # -- pickling: the cached hash depends on the process's string-hash seed -------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_hash", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._hash = hash(self._key)

    # -- read-only attributes ------------------------------------------------------------
    @property
    def name(self) -> str:
        """The node's unique name, prefixed with ``namespace.`` when it has a namespace."""
        return self._name

    @property
    def short_name(self) -> str:
        """A short display name: the explicit name without namespace, else the title-cased
        function name (``clean_data`` -> ``Clean Data``). Not unique."""
        if self._explicit_name:
            return self._explicit_name
        return _func_name(self.func).replace("_", " ").title()

    @property
    def namespace(self) -> str | None:
        """The node's namespace (``outer.inner``), or None."""
        return self._namespace

    @property
    def inputs(self) -> list[str]:
        """Input dataset names in declaration order (a dict gives its values)."""
        return list(self._input_names)

    @property
    def outputs(self) -> list[str]:
        """Output dataset names in declaration order (a dict gives its values)."""
        return list(self._output_names)

    @property
    def tags(self) -> set[str]:
        """A copy of the node's tags."""
        return set(self._tags)

    # -- identity ------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        if self is other:
            return True
        return (
            self._hash == other._hash
            and self._key == other._key
            and _same_func(self.func, other.func)
        )

    def __hash__(self) -> int:
        return self._hash

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return self._name < other._name

    def __repr__(self) -> str:
        extra = f", tags={sorted(self._tags)!r}" if self._tags else ""
        return (
            f"Node({_func_name(self.func)}, {self._inputs_spec!r}, {self._outputs_spec!r}, "
            f"name={self._name!r}{extra})"
        )

    def __str__(self) -> str:
        return self._name

    # -- copies --------------------------------------------------------------------------
    def _copy(self, **overrides: Any) -> Node:
        """A validated copy with some of (inputs, outputs, name, tags, namespace) replaced.

        The signature is not checked again: renaming datasets keeps the call's shape.
        """
        params = {
            "inputs": self._inputs_spec,
            "outputs": self._outputs_spec,
            "name": self._explicit_name,
            "tags": self._tags,
            "namespace": self._namespace,
        }
        params.update(overrides)
        new = type(self).__new__(type(self))
        new._setup(
            self.func,
            params["inputs"],
            params["outputs"],
            params["name"],
            params["tags"],
            params["namespace"],
            check_signature=False,
        )
        return new

    def tag(self, tags: str | Iterable[str]) -> Node:
        """A copy of this node with ``tags`` added to its tags."""
        return self._copy(tags=self._tags | _normalize_tags(tags, f"node {self._name!r}.tag()"))

    # -- running -------------------------------------------------------------------------
    def run(self, inputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Call the function with ``inputs`` ({dataset name: data}) and name its results.

        ``inputs`` must hold exactly the node's input datasets. The function is called
        positionally or by keyword as declared, and its return value is mapped onto the
        output names: no outputs -> ``{}`` (the return value is ignored); one name ->
        ``{name: result}``; a list -> the result must be a list or tuple of that length;
        a dict -> the result must be a dict with exactly those keys. Exceptions raised
        by the function propagate unchanged.
        """
        if inputs is None:
            inputs = {}
        elif not isinstance(inputs, Mapping):
            raise PipelineError(
                f"node {self._name!r}: run() takes a dict {{dataset name: data}} or None, but "
                f"a {type(inputs).__name__} was given."
            )
        if inputs.keys() != self._input_set:
            missing = [n for n in dict.fromkeys(self._input_names) if n not in inputs]
            extra = sorted(str(k) for k in inputs if k not in self._input_set)
            problems = []
            if missing:
                problems.append(f"missing {missing}")
            if extra:
                problems.append(f"unexpected {extra}")
            raise PipelineError(
                f"node {self._name!r}: run() needs exactly the inputs "
                f"{list(dict.fromkeys(self._input_names))}, but was given "
                f"{sorted(map(str, inputs))} "
                f"({'; '.join(problems)}). Pass a dict keyed by the node's input dataset names."
            )
        spec = self._inputs_spec
        if spec is None:
            result = self.func()
        elif isinstance(spec, str):
            result = self.func(inputs[spec])
        elif isinstance(spec, list):
            result = self.func(*[inputs[name] for name in spec])
        else:
            result = self.func(**{arg: inputs[name] for arg, name in spec.items()})
        return self._name_outputs(result)

    def __call__(self, **kwargs: Any) -> dict[str, Any]:
        """``node(a=1, b=2)`` is ``node.run({"a": 1, "b": 2})``, as in Kedro."""
        return self.run(kwargs)

    def _name_outputs(self, result: Any) -> dict[str, Any]:
        spec = self._outputs_spec
        if spec is None:
            return {}
        if isinstance(spec, str):
            return {spec: result}
        if isinstance(spec, list):
            n = len(spec)
            if not isinstance(result, (list, tuple)):
                raise NodeOutputError(
                    f"node {self._name!r} returned a {type(result).__name__}, expected a list or "
                    f"tuple of {n} values for its outputs {spec}. Return one value per output, "
                    f"or declare a single output name to save the whole value."
                )
            if len(result) != n:
                raise NodeOutputError(
                    f"node {self._name!r} returned {len(result)} values but declares "
                    f"{_plural(n, 'output')} {spec}. Make the function return exactly "
                    f"{n} values, or change the outputs list."
                )
            return dict(zip(spec, result))
        keys = list(spec)
        if not isinstance(result, Mapping):
            raise NodeOutputError(
                f"node {self._name!r} returned a {type(result).__name__}, expected a dict with "
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
                f"node {self._name!r} returned a dict with keys {list(result)}, expected "
                f"exactly {keys} ({'; '.join(problems)}). Make the returned keys match the "
                f"outputs dict {spec}."
            )
        return {name: result[key] for key, name in spec.items()}


def node(
    func: Callable[..., Any],
    inputs: InputsSpec,
    outputs: OutputsSpec,
    *,
    name: str | None = None,
    tags: str | Iterable[str] | None = None,
    namespace: str | None = None,
) -> Node:
    """Make a :class:`Node` that runs ``func`` on ``inputs`` and saves to ``outputs``.

    Args:
        func: the function. Generator and ``async`` functions are rejected here:
            runadvisor does not support Kedro's chunk-by-chunk generator outputs.
        inputs: None; a dataset name; a list/tuple of names passed positionally; or
            ``{parameter name: dataset name}`` passed by keyword.
        outputs: None (return value ignored); a name; a list/tuple of names (the
            function returns a list or tuple of that length); or ``{key: dataset
            name}`` (the function returns a dict with exactly those keys).
        name: the node's name; default ``"func([in1,in2]) -> [out1]"``. Either way it
            is prefixed with ``namespace.`` when a namespace is given.
        tags: a tag or tags (letters, digits, ``_``, ``-``, ``.``).
        namespace: the node's namespace.

    Raises:
        PipelineError: a malformed argument, no inputs and no outputs, a repeated
            output, or a dataset that is both input and output.
        NodeSignatureError: the function cannot take the declared inputs (also a
            ``TypeError``, as in Kedro).
    """
    return Node(func, inputs, outputs, name=name, tags=tags, namespace=namespace)
