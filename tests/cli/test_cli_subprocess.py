"""The installed command line, as a user runs it: a real process, real exit codes."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import EXAMPLES


def _has_advisor() -> bool:
    try:
        return hasattr(importlib.import_module("runadvisor.advisor"), "advise")
    except ImportError:
        return False


def _run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUNADVISOR_EXAMPLE_DATA": str(cwd / "example-data")}
    env.pop("RUNADVISOR_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "runadvisor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_python_m_runadvisor_run_io_fetch(tmp_path: Path) -> None:
    result = _run(
        "run",
        str(EXAMPLES / "io_fetch" / "pipeline.py"),
        "--runner",
        "thread",
        "--workers",
        "4",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Ran 9 of 9 node(s) of io_fetch" in result.stdout
    assert "ThreadRunner (4 workers)" in result.stdout
    lines = result.stderr.splitlines()  # not a terminal: plain progress lines, no bar
    assert len(lines) == 9 and lines[-1].startswith("io_fetch: ThreadRunner [9/9] ")


def test_user_mistake_in_a_real_process(tmp_path: Path) -> None:
    result = _run("run", "missing.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: No such file: 'missing.py'")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_node_failure_in_a_real_process(tmp_path: Path) -> None:
    (tmp_path / "fails.py").write_text(
        "from runadvisor import DataCatalog, Pipeline, node\n"
        "def bad(x):\n    raise ValueError('no good')\n"
        "pipeline = Pipeline([node(bad, 'x', 'y', name='bad')])\n"
        "catalog = DataCatalog({'x': 1})\n"
    )
    result = _run("run", "fails.py", "--runner", "parallel", cwd=tmp_path)
    assert result.returncode == 1
    assert "Error: node 'bad' failed under ParallelRunner: ValueError: no good" in result.stderr
    assert "Traceback" not in result.stderr
    result = _run("--debug", "run", "fails.py", "--runner", "parallel", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" in result.stderr


@pytest.mark.skipif(not _has_advisor(), reason="the advisor has not landed yet")
def test_advise_cpu_transform_writes_three_reports(tmp_path: Path) -> None:
    out = tmp_path / "advice"
    result = _run(
        "advise",
        str(EXAMPLES / "cpu_transform" / "pipeline.py"),
        "--quiet",
        "--repeats",
        "1",
        "--out",
        str(out),
        cwd=tmp_path,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    for name in ("report.html", "report.md", "report.json"):
        assert (out / name).is_file(), name
    assert json.loads((out / "report.json").read_text())["runner"]
