"""Tests that start Dask clusters run in a child pytest.

Dask leaves a thread running in any process that used a client, and beside a
foreign thread runadvisor no longer forks process workers (by design), which
the rest of the suite relies on. So the runner suite under DaskRunner
(tests/runners with ``RUNADVISOR_TEST_DASK=1``) and the Dask cases
(tests/dask/cases) run in a fresh interpreter each, and this process never
imports Dask.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="needs the dask extra: pip install -e '.[dask]'",
)


def child_pytest(*args: str) -> tuple[int, str]:
    env = dict(os.environ, RUNADVISOR_TEST_DASK="1")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=480,
    )
    return done.returncode, done.stdout + done.stderr


def passed(output: str) -> int:
    found = re.search(r"(\d+) passed", output)
    return int(found.group(1)) if found else 0


def test_dask_runner_passes_the_runner_suite():
    code, output = child_pytest("tests/runners", "-k", "dask")
    assert code == 0, output[-6000:]
    assert passed(output) >= 30, output[-2000:]  # every runner test, and the properties


def test_dask_runner_cases():
    code, output = child_pytest("tests/dask/cases")
    assert code == 0, output[-6000:]
    assert passed(output) >= 8, output[-2000:]
