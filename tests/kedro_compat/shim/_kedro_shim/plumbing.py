"""Harness plumbing: stand-ins for Kedro helpers that no measured test checks."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def experimental(obj: T) -> T:
    """Kedro's ``@experimental`` marks and warns; here it returns ``obj`` unchanged."""
    return obj


class _NullHooks:
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: []


class NullHookManager:
    """A hook manager whose hooks do nothing (used only by ``run.py --null-hooks``)."""

    def __init__(self) -> None:
        self.hook = _NullHooks()
