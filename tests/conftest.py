"""Fixtures for the whole suite."""

import os

import pytest

collect_ignore = ["kedro_compat"]  # Kedro's own tests: run by tests/kedro_compat/run.py


@pytest.fixture(autouse=True, scope="session")
def calibration_cache(tmp_path_factory):
    """advise() calibrates once per session, cached in a temporary folder (never ~/.cache)."""
    folder = tmp_path_factory.mktemp("runadvisor-cache")
    old = os.environ.get("RUNADVISOR_CACHE_DIR")
    os.environ["RUNADVISOR_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("RUNADVISOR_CACHE_DIR", None)
    else:
        os.environ["RUNADVISOR_CACHE_DIR"] = old
