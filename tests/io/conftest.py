"""Fixtures for the io tests: a process where Kedro's packages cannot be imported."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture
def without_kedro(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import kedro`` and ``import kedro_datasets`` fail, as where they are not
    installed (a ``None`` in ``sys.modules`` stops an import), for this test only."""
    for name in list(sys.modules):
        if name.split(".")[0] in ("kedro", "kedro_datasets"):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "kedro", None)
    monkeypatch.setitem(sys.modules, "kedro_datasets", None)
