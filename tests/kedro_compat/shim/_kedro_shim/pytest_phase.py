"""pytest plugin (``-p _kedro_shim.pytest_phase``): tell the shim when collection ends."""

from __future__ import annotations

from typing import Any

from _kedro_shim import phase


def pytest_configure(config: Any) -> None:
    phase.collecting = True


def pytest_collection_finish(session: Any) -> None:
    phase.collecting = False
