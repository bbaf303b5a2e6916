"""Placeholders for Kedro names runadvisor does not map.

A test module that imports such a name still imports, so each test stands or
falls on its own. Using the placeholder in a test (calling it, subscripting it,
``isinstance``/``issubclass`` against it) raises ``NotMappedError`` naming the
Kedro name and why it is not mapped; reading an attribute raises
``NotMappedAttributeError`` (an ``AttributeError``, so that tools probing with
``getattr(obj, name, default)`` carry on). A test may subclass a placeholder at
import time (``class MyDataset(AbstractVersionedDataset)``); creating an
instance of the subclass raises the same error.

While pytest imports the test modules (``phase.collecting``), calling,
subscripting or reading a public attribute of a placeholder returns another
placeholder instead of raising, so that a parametrize list built from it costs
only the tests that use it. ``deferred_failure`` does the same for a runadvisor
function that raised at import time: the tests using its result fail with the
original exception.

Every refusal is counted (``refusals``): ``pytest_phase`` fails a test that
passed although a placeholder refused something during it (a test's own
``pytest.raises(Exception)`` must not mistake the refusal for the failure it
expects). The placeholder classes derive from ``Warning`` so that ``pytest.raises(X)``
and ``pytest.warns(X)`` accept them and the test fails on its merits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn

from _kedro_shim import phase

refusals: list[str] = []  # what each refusal said, in order (read by pytest_phase)


class NotMappedError(Exception):
    """A test used a Kedro name that the shim does not map onto runadvisor."""

    def __init__(self, qualname: str, reason: str) -> None:
        super().__init__(f"not mapped: {reason}")
        self.qualname = qualname
        self.reason = reason


class NotMappedAttributeError(AttributeError):
    """A test read an attribute of a placeholder."""


class _PlaceholderMeta(type):
    """Every use of a placeholder class (or of a subclass of one) fails."""

    _kedro_qualname: str
    _kedro_reason: str
    _kedro_error: BaseException | None

    def _refuse(cls) -> NoReturn:
        error = cls._kedro_error or NotMappedError(cls._kedro_qualname, cls._kedro_reason)
        refusals.append(f"{type(error).__name__}: {error}")
        raise error

    def _use(cls, how: str) -> type:
        """At import time: a placeholder for the result; later: the error."""
        if not phase.collecting:
            cls._refuse()
        return _make(
            cls.__module__,
            f"{cls.__qualname__}{how}",
            f"{cls._kedro_reason}, used at import time",
            cls._kedro_qualname,
            cls._kedro_error,
        )

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._use("(...)")

    def __getitem__(cls, key: Any) -> Any:
        return cls._use("[...]")

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if phase.collecting and not name.startswith("_"):
            return cls._use(f".{name}")
        if cls._kedro_error is not None:
            cls._refuse()
        raise NotMappedAttributeError(f"not mapped: {cls._kedro_reason} (reading .{name})")

    def __instancecheck__(cls, instance: Any) -> NoReturn:
        cls._refuse()

    def __subclasscheck__(cls, subclass: Any) -> NoReturn:
        cls._refuse()

    def __iter__(cls) -> NoReturn:
        cls._refuse()


def _make(module: str, name: str, reason: str, qualname: str, error: BaseException | None) -> type:
    return _PlaceholderMeta(
        name,
        (Warning,),
        {
            "__module__": module,
            "__qualname__": name,
            "_kedro_qualname": qualname,
            "_kedro_reason": reason,
            "_kedro_error": error,
        },
    )


def placeholder(module: str, name: str, reason: str) -> type:
    """A placeholder standing for ``module.name``; ``reason`` says why it is not mapped."""
    return _make(module, name, reason, f"{module}.{name}", None)


def is_placeholder(obj: Any) -> bool:
    """Whether ``obj`` is a placeholder (or a test's subclass of one)."""
    return isinstance(obj, _PlaceholderMeta)


def _first_placeholder(values: Any, depth: int = 2) -> type | None:
    for value in values:
        if is_placeholder(value):
            return value
        if depth and isinstance(value, list | tuple | set | frozenset):
            found = _first_placeholder(value, depth - 1)
        elif depth and isinstance(value, dict):
            found = _first_placeholder([*value.keys(), *value.values()], depth - 1)
        else:
            found = None
        if found is not None:
            return found
    return None


def defer_at_import(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` unchanged, except that at import time it hands back its failures.

    Given a placeholder among its arguments it returns that placeholder; if it
    raises, it returns a placeholder that raises the same exception when a test
    uses it. Outside of import time it is a plain call.
    """

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        if not phase.collecting:
            return func(*args, **kwargs)
        pending = _first_placeholder([*args, *kwargs.values()])
        if pending is not None:
            return pending
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            name = f"{func.__name__}(...)"
            return _make(func.__module__, name, f"{name} raised at import time", name, exc)

    return call
