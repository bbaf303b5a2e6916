"""Find the part of an object that will not pickle, as an attribute path.

"cannot pickle '_thread.lock' object" says what failed but not where; a user
with a catalog of fifty datasets needs ``catalog['model']._client._lock``. This
walks into the object the way pickle does and reports the deepest part that
still fails on its own.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_MAX_DEPTH = 8


def _describe_error(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _state_children(state: Any, path: str, label: str) -> Iterator[tuple[str, Any]]:
    """The parts of a ``__getstate__`` result: attribute dicts become ``.name``."""
    if isinstance(state, dict):
        for key, value in state.items():
            yield (f"{path}.{key}" if isinstance(key, str) else f"{path}[{key!r}]"), value
    elif (
        isinstance(state, tuple)
        and len(state) == 2
        and all(part is None or isinstance(part, dict) for part in state)
    ):  # (dict, slots dict), as object.__reduce_ex__ gives for __slots__ classes
        for part in state:
            if part:
                yield from _state_children(part, path, label)
    elif state is not None:
        yield f"{path}.{label}", state


def _slots(obj: Any) -> Iterator[tuple[str, Any]]:
    seen: set[str] = set()
    for klass in type(obj).__mro__:
        names = klass.__dict__.get("__slots__", ())
        for name in (names,) if isinstance(names, str) else names:
            if name in seen or name in ("__dict__", "__weakref__"):
                continue
            seen.add(name)
            try:
                yield name, object.__getattribute__(obj, name)
            except AttributeError:
                continue


def _function_children(func: types.FunctionType, path: str) -> Iterator[tuple[str, Any]]:
    """Closure cells and referenced globals: what cloudpickle sends with a function."""
    code = func.__code__
    for name, cell in zip(code.co_freevars, func.__closure__ or ()):
        try:
            yield f"{path}.__closure__[{name!r}]", cell.cell_contents
        except ValueError:  # empty cell
            continue
    for name in code.co_names:
        if name in func.__globals__:
            yield f"{path}.__globals__[{name!r}]", func.__globals__[name]
    if func.__defaults__:
        yield f"{path}.__defaults__", func.__defaults__
    if func.__kwdefaults__:
        yield f"{path}.__kwdefaults__", func.__kwdefaults__


def _children(obj: Any, path: str) -> Iterator[tuple[str, Any]]:
    """The parts pickle would serialise for ``obj``, each with its path."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield f"{path}[{key!r}]", value
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        for index, value in enumerate(obj):
            yield f"{path}[{index}]", value
        return
    if isinstance(obj, types.FunctionType):
        yield from _function_children(obj, path)
        return
    if isinstance(obj, types.MethodType):
        yield f"{path}.__self__", obj.__self__
        yield f"{path}.__func__", obj.__func__
        return
    if isinstance(obj, type):
        return
    kind = type(obj)
    getstate = getattr(kind, "__getstate__", None)
    if getstate is not None and getstate is not getattr(object, "__getstate__", None):
        try:
            state = obj.__getstate__()
        except Exception:
            return
        yield from _state_children(state, path, "__getstate__()")
        return
    has_state = hasattr(obj, "__dict__") or any("__slots__" in k.__dict__ for k in kind.__mro__)
    custom_reduce = kind.__reduce_ex__ is not object.__reduce_ex__ or (
        kind.__reduce__ is not object.__reduce__
    )
    if has_state and not custom_reduce:
        yield from _state_children(getattr(obj, "__dict__", None), path, "__dict__")
        for name, value in _slots(obj):
            yield f"{path}.{name}", value
        return
    if custom_reduce:
        try:
            reduced = obj.__reduce_ex__(4)
        except Exception:
            return
        if not isinstance(reduced, tuple):
            return
        if len(reduced) > 1 and isinstance(reduced[1], tuple):
            for index, value in enumerate(reduced[1]):
                yield f"{path}.__reduce__()[1][{index}]", value
        if len(reduced) > 2:
            yield from _state_children(reduced[2], path, "__reduce__()[2]")


def find_unpicklable(
    obj: Any,
    root: str = "obj",
    dumps: Callable[[Any], bytes] | None = None,
    max_depth: int = _MAX_DEPTH,
) -> str | None:
    """None if ``obj`` pickles; else ``"<path>: <error>"`` for its deepest failing part.

    ``dumps`` defaults to ``cloudpickle.dumps`` (what the process runner uses);
    the walk follows dict items ``[key]``, sequence and set items ``[i]``,
    attributes ``.name`` (``__dict__``, ``__slots__``, ``__getstate__``),
    ``__reduce_ex__`` results, closures and globals of functions. If no part
    fails on its own, the object itself is named.
    """
    if dumps is None:
        import cloudpickle

        dumps = cloudpickle.dumps
    try:
        dumps(obj)
    except Exception as exc:
        error: BaseException = exc
    else:
        return None

    seen: dict[int, Any] = {id(obj): obj}  # holds the objects so their ids stay unique
    found_path, found_error, _ = _search(obj, root, error, max_depth, dumps, seen)
    return f"{found_path}: {_describe_error(found_error)}"


def _search(
    obj: Any,
    path: str,
    error: BaseException,
    depth: int,
    dumps: Callable[[Any], bytes],
    seen: dict[int, Any],
) -> tuple[str, BaseException, bool]:
    """The deepest failing part under ``obj`` (which failed with ``error``).

    The third value says whether the answer is conclusive: a part whose only
    failing children were already visited (a cycle back to an ancestor) may be
    failing only through that ancestor, so a sibling that fails on its own is
    preferred to it.
    """
    if depth <= 0:
        return path, error, True
    fallback: tuple[str, BaseException, bool] | None = None
    skipped = False
    for child_path, child in _safe_children(obj, path):
        if id(child) in seen:
            skipped = True
            continue
        seen[id(child)] = child
        try:
            dumps(child)
        except Exception as child_error:
            result = _search(child, child_path, child_error, depth - 1, dumps, seen)
            if result[2]:
                return result
            fallback = fallback or result
    if fallback is not None:
        return fallback
    return path, error, not skipped


def _safe_children(obj: Any, path: str) -> Iterator[tuple[str, Any]]:
    """``_children`` that stops quietly if walking the object itself fails."""
    try:
        yield from _children(obj, path)
    except Exception:
        return
