"""Fixtures for the Kedro integration: a fresh copy of the example project per test.

Every test here needs Kedro and kedro-datasets (``pip install '.[kedro]'``); without
them the whole folder is skipped, with the reason.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("kedro", reason="Kedro is not installed: pip install '.[kedro]'")
pytest.importorskip(
    "kedro_datasets.pandas", reason="kedro-datasets is not installed: pip install '.[kedro]'"
)

from kedro_helpers import copy_example


@pytest.fixture(autouse=True, scope="module")
def _kedro_kinds():
    """Kedro's runners are registered kinds while these tests run, and only then: the
    registry is global, and the other suites expect runadvisor's kinds alone."""
    from runadvisor.kedro import kinds
    from runadvisor.runners import registry

    kinds.ensure_registered()
    yield
    for name in kinds.KEDRO_KINDS:
        registry.unregister(name)


@pytest.fixture(autouse=True)
def _quiet_kedro(monkeypatch: pytest.MonkeyPatch) -> None:
    """No telemetry, no profiling unless a test asks, no debug mode from the caller."""
    monkeypatch.setenv("KEDRO_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    for name in ("RUNADVISOR_PROFILE", "RUNADVISOR_PROFILE_DIR", "RUNADVISOR_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("RUNADVISOR_DEBUG", raising=False)
    monkeypatch.delenv("BIKE_TRIPS_AUDIT_LOG", raising=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of examples/kedro_project; the test runs in its folder, and imports
    the project's package from this copy (not from another test's)."""
    root = copy_example(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setattr(sys, "path", list(sys.path))
    forget_package("bike_trips")
    yield root
    forget_package("bike_trips")


def forget_package(name: str) -> None:
    """Drop ``name`` and its submodules from ``sys.modules``."""
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


@pytest.fixture
def audit_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example's AuditHook writes one line per event here (from every process)."""
    path = tmp_path / "audit.log"
    monkeypatch.setenv("BIKE_TRIPS_AUDIT_LOG", str(path))
    return path
