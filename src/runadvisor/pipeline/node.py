"""``Node``: one function in a pipeline, with the names of the datasets it reads and writes.

A node is plain data (its function, the declared input and output specs, a name,
tags, a namespace and the datasets it confirms) so that it pickles with
``pickle`` (module-level functions) and ``cloudpickle`` (lambdas, closures) and
can travel to a process worker. Everything is validated once, when the node is
made (see ``validation.py``), so that mistakes surface where the pipeline is
written rather than halfway through a run. What the pipeline modules need from a
node is public: ``name``, ``inputs``, ``outputs``, ``confirms``, ``tags``,
``namespace``, ``namespace_prefixes``, ``tag()`` and ``rename_datasets()``.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import Any

from runadvisor.pipeline.errors import PipelineError
from runadvisor.pipeline.outputs import name_outputs, stream_outputs
from runadvisor.pipeline.validation import (
    Spec,
    check_identifier_arg,
    check_outputs,
    check_signature,
    func_name,
    normalize_confirms,
    normalize_spec,
    normalize_tags,
    readable_func_name,
    reject_unsupported_function,
    short_repr,
)

__all__ = ["Node", "node"]

#: What ``inputs`` may be: nothing, one name, names in positional order, or
#: ``{parameter name: dataset name}``.
InputsSpec = str | list[str] | tuple[str, ...] | dict[str, str] | None
#: What ``outputs`` may be: nothing, one name, one name per returned value, or
#: ``{key in the returned dict: dataset name}``.
OutputsSpec = str | list[str] | tuple[str, ...] | dict[Any, str] | None

_KEEP: Any = object()  # "leave the namespace as it is" in Node.rename_datasets
_CHECK: Any = object()  # "check the function's signature" in Node._setup
_COPY_ARGS = frozenset({"func", "inputs", "outputs", "name", "tags", "confirms", "namespace"})


def default_node_name(func: Callable[..., Any], inputs: list[str], outputs: list[str]) -> str:
    """Kedro 1.x's name for an unnamed node: ``<function>__<8 hex digits of a sha256>``.

    The digest covers the function's module and name and the input and output
    lists, so two nodes of one function on different datasets get different
    names. A ``functools.partial`` is named ``partial(<function>)``.
    """
    if isinstance(func, functools.partial):
        base = f"partial({func_name(func)})"
        key = f"{base}|{inputs}|{outputs}"
    else:
        base = readable_func_name(func)
        key = f"{getattr(func, '__module__', None)}.{func_name(func)}|{inputs}|{outputs}"
    return f"{base}__{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _same_func(a: Any, b: Any) -> bool:
    """Whether two node functions are the same (identity, or ``==`` for bound methods)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # an odd __eq__ (arrays, broken objects) means "not the same"
        return False


def _spec_key(spec: Spec) -> Hashable:
    """A hashable form of an input/output spec; dict order does not matter."""
    if isinstance(spec, list):
        return ("list", tuple(spec))
    if isinstance(spec, dict):
        return ("dict", frozenset(spec.items()))
    return spec


def _rename_spec(spec: Any, rename: Callable[[str], str]) -> Any:
    """``spec`` with every dataset name passed through ``rename``; its shape is kept."""
    if spec is None:
        return None
    if isinstance(spec, str):
        return rename(spec)
    if isinstance(spec, list):
        return [rename(name) for name in spec]
    return {key: rename(name) for key, name in spec.items()}


def _same_shape(spec: Any, stored: Spec) -> bool:
    """Whether ``spec`` calls a function as ``stored`` does (renamed datasets only)."""
    if isinstance(stored, dict):
        return isinstance(spec, dict) and spec.keys() == stored.keys()
    if isinstance(stored, list):
        return isinstance(spec, list) and len(spec) == len(stored)
    return type(spec) is type(stored)


def _prefixes(namespace: str | None) -> tuple[str, ...]:
    if not namespace:
        return ()
    parts = namespace.split(".")
    return tuple(".".join(parts[: k + 1]) for k in range(len(parts)))


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
        confirms: str | list[str] | None = None,
        namespace: str | None = None,
    ) -> None:
        """Validate and store a node; see :func:`node` for the arguments."""
        self._setup(func, inputs, outputs, name, tags, confirms, namespace)

    def _setup(
        self,
        func: Callable[..., Any],
        inputs: Any,
        outputs: Any,
        name: Any,
        tags: Any,
        confirms: Any,
        namespace: Any,
        *,
        input_keys: Any = _CHECK,
    ) -> None:
        """Validate and store. ``input_keys``: what ``check_signature`` returned for a
        node of the same function and input shape (a copy), so it is not checked again."""
        if not callable(func):
            raise PipelineError(
                f"node(): the first argument must be the node's function, but a "
                f"{type(func).__name__} was given: {short_repr(func)}. "
                f"Use node(function, inputs, outputs)."
            )
        fname = func_name(func)
        label = f"node({fname}, {short_repr(inputs, 60)}, {short_repr(outputs, 60)})"
        reject_unsupported_function(func, label)
        in_spec, in_names = normalize_spec(inputs, "inputs", label)
        out_spec, out_names = normalize_spec(outputs, "outputs", label)
        check_identifier_arg(name, "name", label)
        check_identifier_arg(namespace, "namespace", label)
        tag_set = normalize_tags(tags, label)
        confirms_spec = normalize_confirms(confirms, label)
        if not in_names and not out_names:
            raise PipelineError(
                f"{label}: a node needs at least one input or output, but both are empty. "
                f"Give it the datasets it reads and/or writes, e.g. "
                f"node({fname}, 'raw_data', 'clean_data')."
            )
        check_outputs(in_names, out_names, outputs, label)
        if input_keys is _CHECK:
            input_keys = check_signature(func, in_spec, label)
        if isinstance(in_spec, dict) and input_keys is not None:
            # Kedro's order for a dict of inputs: as they bind to the function's parameters.
            in_names = tuple(in_spec[key] for key in input_keys)

        base = name if name is not None else default_node_name(func, [*in_names], [*out_names])
        full_name = f"{namespace}.{base}" if namespace else base

        self._func = func
        self._yields_chunks = inspect.isgeneratorfunction(func)
        self._inputs_spec = in_spec
        self._outputs_spec = out_spec
        self._confirms_spec = confirms_spec
        self._input_keys = input_keys
        self._input_names = in_names
        self._output_names = out_names
        self._input_set = frozenset(in_names)
        self._confirm_names = (
            (confirms_spec,) if isinstance(confirms_spec, str) else tuple(confirms_spec or ())
        )
        self._explicit_name = name
        self._namespace = namespace
        self._prefixes = _prefixes(namespace)
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

    # -- attributes ----------------------------------------------------------------------
    @property
    def func(self) -> Callable[..., Any]:
        """The node's function. Hooks may replace it (to wrap it); the name stays."""
        return self._func

    @func.setter
    def func(self, func: Callable[..., Any]) -> None:
        self._func = func
        self._yields_chunks = inspect.isgeneratorfunction(func)

    @property
    def name(self) -> str:
        """The node's unique name, prefixed with ``namespace.`` when it has a namespace.

        Without an explicit name it is Kedro 1.x's ``<function>__<8 hex digits>``.
        """
        return self._name

    @property
    def short_name(self) -> str:
        """A short display name: the explicit name without namespace, else the title-cased
        function name (``clean_data`` -> ``Clean Data``). Not unique."""
        if self._explicit_name:
            return self._explicit_name
        return readable_func_name(self._func).replace("_", " ").title()

    @property
    def namespace(self) -> str | None:
        """The node's namespace (``outer.inner``), or None."""
        return self._namespace

    @property
    def namespace_prefixes(self) -> list[str]:
        """Every level of the namespace, outermost first: ``a.b`` -> ``["a", "a.b"]``;
        ``[]`` without a namespace."""
        return list(self._prefixes)

    @property
    def inputs(self) -> list[str]:
        """Input dataset names; a dict of inputs gives them in the order of the function's
        parameters, as Kedro does."""
        return list(self._input_names)

    @property
    def outputs(self) -> list[str]:
        """Output dataset names in declaration order (a dict gives its values)."""
        return list(self._output_names)

    @property
    def confirms(self) -> list[str]:
        """The datasets whose ``confirm()`` the runner calls after the node has run."""
        return list(self._confirm_names)

    @property
    def tags(self) -> set[str]:
        """A copy of the node's tags."""
        return set(self._tags)

    @property
    def yields_chunks(self) -> bool:
        """Whether the function is a generator function: ``run()`` then returns, for each
        output, an iterator over the chunks it yields, and runners save chunk by chunk."""
        return self._yields_chunks

    # -- identity ------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        if self is other:
            return True
        return (
            self._hash == other._hash
            and self._key == other._key
            and _same_func(self._func, other._func)
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
            f"Node({func_name(self._func)}, {self._inputs_spec!r}, {self._outputs_spec!r}, "
            f"name={self._name!r}{extra})"
        )

    def __str__(self) -> str:
        """Kedro's form: ``[name: ]function([in1;in2]) -> [out]`` (``None`` for no datasets)."""
        ins = f"[{';'.join(self._input_names)}]" if self._input_names else "None"
        outs = f"[{';'.join(self._output_names)}]" if self._output_names else "None"
        prefix = f"{self._explicit_name}: " if self._explicit_name else ""
        return f"{prefix}{readable_func_name(self._func)}({ins}) -> {outs}"

    # -- copies --------------------------------------------------------------------------
    def _copy(self, **overrides: Any) -> Node:
        """A validated copy with some of (func, inputs, outputs, name, tags, confirms,
        namespace) replaced. The signature is checked again only when it may have changed."""
        unknown = sorted(set(overrides) - _COPY_ARGS)
        if unknown:
            raise TypeError(f"Node._copy() got unexpected argument(s) {unknown}")
        func = overrides.get("func", self._func)
        inputs = overrides.get("inputs", self._inputs_spec)
        same_call = func is self._func and _same_shape(inputs, self._inputs_spec)
        new = type(self).__new__(type(self))
        new._setup(
            func,
            inputs,
            overrides.get("outputs", self._outputs_spec),
            overrides.get("name", self._explicit_name),
            overrides.get("tags", self._tags),
            overrides.get("confirms", self._confirms_spec),
            overrides.get("namespace", self._namespace),
            input_keys=self._input_keys if same_call else _CHECK,
        )
        return new

    def tag(self, tags: str | Iterable[str]) -> Node:
        """A copy of this node with ``tags`` added to its tags."""
        return self._copy(tags=self._tags | normalize_tags(tags, f"node {self._name!r}.tag()"))

    def rename_datasets(
        self, rename: Callable[[str], str], *, namespace: str | None = _KEEP
    ) -> Node:
        """A copy with every dataset name (inputs, outputs, confirms) passed through
        ``rename``, keeping each spec's shape (dict keys, list order), and with
        ``namespace`` as its namespace when given. Used by modular pipelines."""
        return self._copy(
            inputs=_rename_spec(self._inputs_spec, rename),
            outputs=_rename_spec(self._outputs_spec, rename),
            confirms=_rename_spec(self._confirms_spec, rename),
            namespace=self._namespace if namespace is _KEEP else namespace,
        )

    # -- running -------------------------------------------------------------------------
    def run(self, inputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Call the function with ``inputs`` ({dataset name: data}) and name its results.

        ``inputs`` must hold exactly the node's input datasets. The function is called
        positionally or by keyword as declared, and its return value is mapped onto the
        output names: no outputs -> ``{}`` (the return value is ignored); one name ->
        ``{name: result}``; a list -> the result must be a list or tuple of that length;
        a dict -> the result must be a dict with exactly those keys. Exceptions raised
        by the function propagate unchanged.

        A generator function (see ``yields_chunks``) gives ``{name: iterator of
        chunks}``: each chunk it yields has the shape a return value would have, and
        is checked as it comes. Without outputs its chunks are consumed and dropped.
        """
        if inputs is None:
            inputs = {}
        elif not isinstance(inputs, Mapping):
            raise PipelineError(
                f"node {self._name!r}: run() takes a dict {{dataset name: data}} or None, but "
                f"a {type(inputs).__name__} was given."
            )
        if inputs.keys() != self._input_set:
            self._raise_wrong_inputs(inputs)
        spec = self._inputs_spec
        if spec is None:
            result = self._func()
        elif isinstance(spec, str):
            result = self._func(inputs[spec])
        elif isinstance(spec, list):
            result = self._func(*[inputs[name] for name in spec])
        else:
            result = self._func(**{arg: inputs[name] for arg, name in spec.items()})
        if self._yields_chunks and isinstance(result, Iterator):
            return stream_outputs(self._name, self._outputs_spec, result)
        return name_outputs(self._name, self._outputs_spec, result)

    def __call__(self, **kwargs: Any) -> dict[str, Any]:
        """``node(a=1, b=2)`` is ``node.run({"a": 1, "b": 2})``, as in Kedro."""
        return self.run(kwargs)

    def _raise_wrong_inputs(self, inputs: Mapping[str, Any]) -> None:
        declared = list(dict.fromkeys(self._input_names))
        missing = [n for n in declared if n not in inputs]
        extra = sorted(str(k) for k in inputs if k not in self._input_set)
        problems = []
        if missing:
            problems.append(f"missing {missing}")
        if extra:
            problems.append(f"unexpected {extra}")
        raise PipelineError(
            f"node {self._name!r}: run() needs exactly the inputs {declared}, but was given "
            f"{sorted(map(str, inputs))} ({'; '.join(problems)}). Pass a dict keyed by the "
            f"node's input dataset names."
        )


def node(
    func: Callable[..., Any],
    inputs: InputsSpec,
    outputs: OutputsSpec,
    *,
    name: str | None = None,
    tags: str | Iterable[str] | None = None,
    confirms: str | list[str] | None = None,
    namespace: str | None = None,
) -> Node:
    """Make a :class:`Node` that runs ``func`` on ``inputs`` and saves to ``outputs``.

    Args:
        func: the function. A generator function makes a generator node: each
            chunk it yields is saved as it comes. ``async`` functions are rejected.
        inputs: None; a dataset name; a list/tuple of names passed positionally; or
            ``{parameter name: dataset name}`` passed by keyword.
        outputs: None (return value ignored); a name; a list/tuple of names (the
            function returns a list or tuple of that length); or ``{key: dataset
            name}`` (the function returns a dict with exactly those keys).
        name: the node's name; default Kedro 1.x's ``"func__<8 hex digits>"``. Either
            way it is prefixed with ``namespace.`` when a namespace is given.
        tags: a tag or tags (letters, digits, ``_``, ``-``, ``.``).
        confirms: a dataset name or names whose ``confirm()`` the runner calls after
            the node has run (they need not be inputs or outputs).
        namespace: the node's namespace.

    Raises:
        PipelineError: a malformed argument, no inputs and no outputs, a repeated
            output, or a dataset that is both input and output.
        NodeSignatureError: the function cannot take the declared inputs (also a
            ``TypeError``, as in Kedro).
    """
    return Node(func, inputs, outputs, name=name, tags=tags, confirms=confirms, namespace=namespace)
