"""runadvisor's runners inside ``kedro run``: same outputs, every hook, Kedro's behaviour."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from kedro_helpers import audit, kedro_session_run, node_names, outputs

import runadvisor.kedro as ra_kedro
from runadvisor.kedro.errors import KedroRunnerError


def _sequential_reference(root: Path, tmp_path: Path) -> dict:
    """The outputs of a plain ``kedro run`` (Kedro's SequentialRunner) of a copy of ``root``."""
    from kedro.runner import SequentialRunner

    reference = tmp_path / "reference"
    shutil.copytree(root, reference, ignore=shutil.ignore_patterns("0[2-9]_*"))
    kedro_session_run(reference, SequentialRunner())
    return outputs(reference)


@pytest.mark.parametrize("runner_name", ["SequentialRunner", "ThreadRunner", "ParallelRunner"])
def test_same_outputs_as_kedro_run_and_every_node_hooked(
    project: Path, tmp_path: Path, audit_log: Path, runner_name: str
) -> None:
    expected = _sequential_reference(project, tmp_path)
    audit_log.unlink(missing_ok=True)
    runner = getattr(ra_kedro, runner_name)(max_workers=None if runner_name[0] == "S" else 2)
    result = kedro_session_run(project, runner)
    assert sorted(result) == ["summary"]  # Kedro's return value: the free outputs' datasets
    got = outputs(project)
    assert sorted(got) == sorted(expected)
    for key, frame in expected.items():
        assert got[key].equals(frame), key
    events = audit(audit_log)
    nodes = node_names(project)
    for hook in ("before_node_run", "after_node_run"):
        assert sorted(name for event, name, _ in events if event == hook) == sorted(nodes)
    # dataset hooks: every input loaded, every output saved, once per node that uses it
    loaded = [name for event, name, _ in events if event == "after_dataset_loaded"]
    saved = [name for event, name, _ in events if event == "after_dataset_saved"]
    from kedro.framework.project import pipelines

    default = pipelines["__default__"]
    assert sorted(loaded) == sorted(i for n in default.nodes for i in n.inputs)
    assert sorted(saved) == sorted(o for n in default.nodes for o in n.outputs)
    assert [e for e, _, _ in events].count("before_pipeline_run") == 1
    pids = {pid for event, _, pid in events if event == "before_node_run"}
    if runner_name == "ParallelRunner":  # hooks fired in the worker processes
        assert os.getpid() not in pids and len(pids) >= 1
    else:
        assert pids == {os.getpid()}


def test_the_worker_count_from_arguments_class_paths_and_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kedro.utils import load_obj

    assert ra_kedro.ParallelRunner().max_workers is None
    assert ra_kedro.ParallelRunner(max_workers=3).max_workers == 3
    sized = load_obj("runadvisor.kedro.ParallelRunner4", "kedro.runner")
    assert sized.__name__ == "ParallelRunner4" and issubclass(sized, ra_kedro.ParallelRunner)
    assert sized().max_workers == 4
    assert sized(max_workers=2).max_workers == 2  # an explicit argument wins
    assert load_obj("runadvisor.kedro.ThreadRunner8")().max_workers == 8
    monkeypatch.setenv("RUNADVISOR_WORKERS", "5")
    assert ra_kedro.ThreadRunner().max_workers == 5
    assert sized().max_workers == 4  # the class path is more specific than the environment
    assert ra_kedro.SequentialRunner().max_workers is None
    monkeypatch.setenv("RUNADVISOR_WORKERS", "many")
    with pytest.raises(KedroRunnerError, match="RUNADVISOR_WORKERS"):
        ra_kedro.ThreadRunner()
    with pytest.raises(AttributeError):
        ra_kedro.ParallelRunnerX  # noqa: B018
    with pytest.raises(AttributeError):
        ra_kedro.ParallelRunner0  # noqa: B018


def _break_node(root: Path) -> None:
    nodes = root / "src" / "bike_trips" / "pipelines" / "data_processing" / "nodes.py"
    text = nodes.read_text().replace(
        '    """Mean damped distance per start station."""\n',
        '    """Mean damped distance per start station."""\n'
        '    raise ValueError("the distance sensor is broken")\n',
    )
    nodes.write_text(text)


def test_a_failing_node_raises_its_error_and_logs_where_to_resume(
    project: Path, audit_log: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _break_node(project)
    kedro_logger = logging.getLogger("kedro")  # Kedro's logging config may stop propagation
    kedro_logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING, logger="kedro"):
            with pytest.raises(ValueError, match="the distance sensor is broken"):
                kedro_session_run(project, ra_kedro.ParallelRunner(max_workers=2))
    finally:
        kedro_logger.removeHandler(caplog.handler)
    events = audit(audit_log)
    assert ("on_node_error", "distance_feature") in [(e, n) for e, n, _ in events]
    assert "after_node_run" not in [e for e, n, _ in events if n == "distance_feature"]
    resume = [r.getMessage() for r in caplog.records if "--from-nodes" in r.getMessage()]
    assert resume, caplog.text
    # Kedro's rule: every node that did not finish, and the producers of the in-memory
    # data they read (which nodes had finished depends on the two workers' timing);
    # trips_clean is a file, so clean_trips never runs again.
    assert '--from-nodes "' in resume[0] and "clean_trips" not in resume[0]


def test_only_missing_outputs_asks_each_dataset_whether_it_exists(
    project: Path, audit_log: Path
) -> None:
    kedro_session_run(project, ra_kedro.ThreadRunner(max_workers=2))
    (project / "data" / "08_reporting" / "summary.csv").unlink()
    audit_log.unlink()
    kedro_session_run(project, ra_kedro.ParallelRunner(max_workers=2), only_missing_outputs=True)
    ran = {name for event, name, _ in audit(audit_log) if event == "before_node_run"}
    # summary is missing; of its inputs, station_ranking and the versioned hourly_trips
    # are files that exist, rider_mix lives in memory, so only its producer runs again.
    assert ran == {"summary", "rider_mix"}
    assert (project / "data" / "08_reporting" / "summary.csv").exists()


def test_kedro_run_command_line_with_our_parallel_runner(project: Path, audit_log: Path) -> None:
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
    command = [sys.executable, "-m", "kedro", "run", "--params", "features.rounds=1"]
    command += ["--runner", "runadvisor.kedro.ParallelRunner2"]
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ran = {name for event, name, _ in audit(audit_log) if event == "after_node_run"}
    assert ran == node_names(project)
    assert (project / "data" / "08_reporting" / "summary.csv").exists()
