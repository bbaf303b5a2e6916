"""Profiles of ordinary ``kedro run``\\ s, recorded by the plugin hook, and advice from them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from kedro_helpers import kedro_session_run, node_names

import runadvisor.kedro as ra_kedro
from runadvisor.kedro.recorder import runner_from_run_params
from runadvisor.profiles import RunProfile


def _profiles(root: Path) -> list[RunProfile]:
    return [RunProfile.load(path) for path in sorted((root / "profiles").glob("*.json"))]


def test_off_unless_asked(project: Path) -> None:
    from kedro.runner import SequentialRunner

    kedro_session_run(project, SequentialRunner())
    assert not (project / "profiles").exists()


@pytest.mark.parametrize(
    ("runner", "name", "in_workers"),
    [
        ("kedro.SequentialRunner", "kedro.SequentialRunner", False),
        ("kedro.ParallelRunner", "kedro.ParallelRunner", True),
        ("runadvisor.ParallelRunner", "ParallelRunner", True),
    ],
)
def test_a_profile_of_any_kedro_run_under_any_runner(
    project: Path, monkeypatch: pytest.MonkeyPatch, runner: str, name: str, in_workers: bool
) -> None:
    import kedro.runner

    monkeypatch.setenv("RUNADVISOR_PROFILE", "1")
    if runner.startswith("kedro."):
        instance = getattr(kedro.runner, runner.split(".")[1])()
        if in_workers:
            instance = kedro.runner.ParallelRunner(max_workers=2)
    else:
        instance = ra_kedro.ParallelRunner(max_workers=2)
    kedro_session_run(project, instance)
    (profile,) = _profiles(project)
    assert profile.runner == name
    assert {r.name for r in profile.nodes} == node_names(project)
    assert profile.error is None
    assert profile.settings["recorder"] == "kedro-hooks"
    # what it measured, as data: each field is in every record, or named as missing
    measured = profile.settings["measurements"]
    for field in ("gil_held", "cpu_wait", "peak_rss"):
        values = [getattr(r, field) for r in profile.nodes]
        assert (field in measured) == all(v is not None for v in values)
    assert "out_bytes" not in measured
    pids = {r.pid for r in profile.nodes}
    if in_workers:
        assert os.getpid() not in pids  # measured in the workers, gathered here
    else:
        assert pids == {os.getpid()}
    for record in profile.nodes:
        assert 0 <= record.start <= record.end <= profile.wall + 0.5
    edges = set(profile.edges)
    assert ("join_trips", "duration_feature") in edges
    assert ("station_ranking", "summary") in edges


def test_a_failed_run_leaves_a_profile_that_says_so(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kedro.runner import SequentialRunner

    nodes = project / "src" / "bike_trips" / "pipelines" / "reporting" / "nodes.py"
    nodes.write_text(
        nodes.read_text().replace(
            '    """Trips per kind of rider."""\n',
            '    """Trips per kind of rider."""\n    raise RuntimeError("no riders")\n',
        )
    )
    monkeypatch.setenv("RUNADVISOR_PROFILE", "1")
    monkeypatch.setenv("RUNADVISOR_PROFILE_DIR", str(project / "elsewhere"))
    with pytest.raises(RuntimeError, match="no riders"):
        kedro_session_run(project, SequentialRunner())
    (path,) = (project / "elsewhere").glob("*.json")
    profile = RunProfile.load(path)
    assert "no riders" in (profile.error or "")
    failed = [r for r in profile.nodes if r.error]
    assert [r.name for r in failed] == ["rider_mix"]


def test_advice_from_a_recorded_profile_runs_nothing_and_says_what_it_lacks(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kedro.runner import ParallelRunner

    from runadvisor.advisor import advise_from_profile
    from runadvisor.kedro import kinds

    monkeypatch.setenv("RUNADVISOR_PROFILE", "1")
    kedro_session_run(project, ParallelRunner(max_workers=2))
    (path,) = (project / "profiles").glob("*.json")
    before = sorted(p.name for p in (project / "data").rglob("*"))
    runners = ("sequential", "thread", "parallel", *kinds.KEDRO_KINDS)
    advice = advise_from_profile(path, runners=runners)
    assert sorted(p.name for p in (project / "data").rglob("*")) == before  # no run
    assert advice.predict_only and advice.source == str(path)
    assert {c.kind for c in advice.candidates} >= set(kinds.KEDRO_KINDS)
    # a profile of Kedro's ParallelRunner was not a sequential run, and sized no outputs
    assert any("sequential run" in gap for gap in advice.lacks)
    assert any("output sizes" in gap for gap in advice.lacks)
    assert not any(gap.startswith("GIL holding") for gap in advice.lacks)  # the hook measured it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "<kedro.runner.parallel_runner.ParallelRunner object at 0x7f>",
            ("kedro.ParallelRunner", None),
        ),
        (
            "<kedro.runner.sequential_runner.SequentialRunner object at 0x1>",
            ("kedro.SequentialRunner", None),
        ),
        ("runadvisor.kedro.ParallelRunner(max_workers=4)", ("ParallelRunner", 4)),
        ("runadvisor.kedro.ThreadRunner()", ("ThreadRunner", None)),
        ("runadvisor.kedro.ParallelRunner4()", ("ParallelRunner", 4)),
        ("<my_project.runners.FastRunner object at 0x2>", ("FastRunner", None)),
    ],
)
def test_the_runner_is_read_from_kedros_run_params(text: str, expected: tuple) -> None:
    assert runner_from_run_params(text) == expected


@pytest.mark.slow
def test_spawned_workers_fire_the_hooks_and_send_their_measurements(
    project: Path, monkeypatch: pytest.MonkeyPatch, audit_log: Path
) -> None:
    """Under spawn a worker rebuilds the project's hooks (as Kedro's workers do) and finds
    the recorder's spool through the environment."""
    from kedro_helpers import audit

    monkeypatch.setenv("RUNADVISOR_PROFILE", "1")
    monkeypatch.setenv("RUNADVISOR_MP_CONTEXT", "spawn")
    kedro_session_run(project, ra_kedro.ParallelRunner(max_workers=2))
    ran = {name for event, name, pid in audit(audit_log) if event == "after_node_run"}
    assert ran == node_names(project)
    (profile,) = _profiles(project)
    assert {r.name for r in profile.nodes} == node_names(project)
    assert os.getpid() not in {r.pid for r in profile.nodes}
