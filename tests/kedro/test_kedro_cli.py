"""``runadvisor advise|run|profile PROJECT`` and ``kedro advise``, as a user types them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from runadvisor.cli import cli

FAST = ["--params", "features.rounds=1"]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_error_line(result: Result) -> str:
    """The single line a user mistake prints (exit 2)."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_run_a_projects_pipeline_from_outside_it(project: Path, tmp_path: Path) -> None:
    os.chdir(tmp_path)
    result = invoke(
        "run", str(project), "-p", "data_processing", *FAST, "-r", "parallel", "-w", "2"
    )
    assert result.exit_code == 0, result.output
    assert "Ran 8 of 8 node(s) of bike_trips:data_processing" in result.stdout
    assert (project / "data" / "04_feature" / "station_features.parquet").exists()


def test_profile_a_project(project: Path) -> None:
    result = invoke("profile", str(project), *FAST, "--runner", "thread", "--out", "p.json")
    assert result.exit_code == 0, result.output
    from runadvisor.profiles import RunProfile

    profile = RunProfile.load(project / "p.json")
    assert profile.runner == "ThreadRunner" and len(profile.nodes) == 12


def test_run_a_project_with_kedros_own_runner(project: Path) -> None:
    result = invoke(
        "run", str(project), *FAST, "-p", "reporting,data_processing", "-r", "kedro-thread"
    )
    assert result.exit_code == 0, result.output
    assert "Ran 12 of 12" in result.stdout


def test_advise_on_a_project_weighs_kedros_runners_and_gives_the_command(project: Path) -> None:
    out = project / "advice"
    args = ["advise", ".", "-p", "data_processing", *FAST, "--predict-only", "--out", str(out)]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    kinds = {c["kind"] for c in report["candidates"]}
    assert {"kedro-sequential", "kedro-thread", "kedro-parallel", "parallel"} <= kinds
    command = report["command"]
    assert command.startswith("kedro run")
    assert "--pipelines data_processing" in command or "--pipeline data_processing" in command
    assert "--params features.rounds=1" in command
    assert f"Run it: {command}" in " ".join(result.stdout.split())
    assert command in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-p", "data_procesing"], "Did you mean 'data_processing'?"),
        (["--params", "features.rounds"], "--params 'features.rounds'"),
        (["--load-versions", "model"], "--load-versions 'model'"),
        (["--nodes", "no_such_node"], "no_such_node"),
    ],
)
def test_kedro_side_mistakes_print_one_line_and_exit_2(
    project: Path, args: list[str], expected: str
) -> None:
    line = one_error_line(invoke("run", str(project), *args))
    assert expected in line


def test_missing_credentials_and_a_missing_dataset_package_print_one_line(project: Path) -> None:
    catalog = project / "conf" / "base" / "catalog.yml"
    original = catalog.read_text()
    catalog.write_text(
        original + "\ndb:\n  type: pandas.CSVDataset\n  filepath: x.csv\n  credentials: db_creds\n"
    )
    assert "'db_creds'" in one_error_line(invoke("advise", str(project), "--predict-only"))
    catalog.write_text(
        original.replace("type: pandas.ParquetDataset", "type: pandas.ParquetDatset")
    )
    line = one_error_line(invoke("advise", str(project), "--predict-only"))
    assert "pandas.ParquetDatset" in line and "spelling" in line


def test_kedro_options_on_a_target_that_is_no_project(tmp_path: Path) -> None:
    script = tmp_path / "pipe.py"
    script.write_text(
        "from runadvisor import node, pipeline\n"
        "pipeline = pipeline([node(lambda: 1, None, 'x', name='one')])\n"
    )
    line = one_error_line(invoke("run", str(script), "--env", "prod"))
    assert "apply to Kedro projects" in line


def test_without_kedro_one_line_says_how_to_install_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runadvisor.kedro import project as project_module
    from runadvisor.kedro.errors import KedroNotInstalledError

    def missing(module: str = "kedro") -> None:
        raise KedroNotInstalledError("kedro")

    monkeypatch.setattr(project_module, "require", missing)
    line = one_error_line(invoke("advise", str(project)))
    assert "pip install 'runadvisor[kedro]'" in line


def test_advise_from_a_kedro_run_profile(project: Path) -> None:
    env = {**os.environ, "RUNADVISOR_PROFILE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "kedro", "run", *FAST, "--pipeline", "data_processing"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (profile,) = (project / "profiles").glob("*.json")
    result = invoke("advise", "--from-profile", str(profile), "--out", "from-profile")
    assert result.exit_code == 0, result.output
    report = json.loads((project / "from-profile" / "report.json").read_text())
    assert {"kedro-parallel", "parallel"} <= {c["kind"] for c in report["candidates"]}
    assert report["command"].startswith("kedro run")
    assert report["predict_only"] is True


def test_kedro_advise_inside_the_project(project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kedro", "advise", "--predict-only", *FAST, "--out", "advice"],
        cwd=project,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "advice" / "report.html").exists()
    report = json.loads((project / "advice" / "report.json").read_text())
    assert report["command"].startswith("kedro run")
    assert "Run it: kedro run" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "kedro", "advise", "-p", "nope", "--predict-only"],
        cwd=project,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2
    assert "The project has no pipeline named 'nope'" in bad.stderr
