"""Kedro's runners in the advice: their own engine costs, their worker counts, the command line."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from runadvisor.advisor import MachineCosts
from runadvisor.advisor.simulate import NodeCost, simulate
from runadvisor.console.kedro import kedro_command
from runadvisor.kedro import kinds
from runadvisor.kedro.project import KedroOptions
from runadvisor.runners import registry


def _fan(n: int = 8, wall: float = 0.05) -> list[NodeCost]:
    """``n`` independent nodes that each hold the GIL for ``wall`` seconds."""
    return [NodeCost(f"n{i}", wall=wall, cpu=wall, gil=wall) for i in range(n)]


def test_each_kind_is_simulated_with_its_own_engine_costs() -> None:
    costs = MachineCosts(cores=2, process_round_trip=1e-4, process_start=5e-3)
    nodes = _fan()
    ours = simulate(nodes, "parallel", 2, costs)
    assert simulate(nodes, "kedro-parallel", 2, costs) == pytest.approx(ours)  # no figures yet
    costs.kinds["kedro-parallel"] = {"process_round_trip": 0.1, "process_start": 0.2}
    theirs = simulate(nodes, "kedro-parallel", 2, costs)
    # 8 nodes on 2 workers: 4 round trips each, plus the start-up
    assert theirs - ours == pytest.approx(4 * (0.1 - 1e-4) + (0.2 - 5e-3), rel=0.05)
    assert simulate(nodes, "parallel", 2, costs) == pytest.approx(ours)  # ours untouched
    assert costs.for_kind("kedro-parallel").process_round_trip == 0.1
    assert costs.for_kind("parallel") is costs


def test_kedros_runners_are_kinds_with_recognisable_names() -> None:
    for name, cls in (
        ("kedro-sequential", "kedro.SequentialRunner"),
        ("kedro-thread", "kedro.ThreadRunner"),
        ("kedro-parallel", "kedro.ParallelRunner"),
    ):
        kind = registry.get(name)
        assert kind.class_name == cls and not kind.advised and kind.probe
        assert registry.find(cls) is kind
    # a tie between Kedro's runner and ours of the same model goes to Kedro's own
    assert registry.get("kedro-thread").rank < registry.get("thread").rank
    assert registry.get("sequential").rank < registry.get("kedro-thread").rank


def test_without_runner_params_kedros_runners_run_with_their_own_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from runadvisor.advisor.candidates import sweep

    monkeypatch.setattr(kinds, "_no_runner_params", lambda: True)
    parallel, thread = registry.get("kedro-parallel"), registry.get("kedro-thread")
    assert len(sweep(parallel, 6, 2, None)) == 1
    assert sweep(thread, 6, 2, None) == [6]
    monkeypatch.setattr(kinds, "_no_runner_params", lambda: False)
    assert sweep(thread, 6, 2, None) == [1, 2, 4, 6]


def _advice(kind: str, workers: int) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, max_workers=workers)


def test_the_command_line_for_each_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    from runadvisor.kedro import _kedro

    options = KedroOptions(
        pipelines=("data_processing",), env="prod", params_text="a=1", tags=("x", "y")
    )
    monkeypatch.setattr(_kedro, "run_options", lambda: frozenset({"runner_params", "pipelines"}))
    tail = " --pipelines data_processing --env prod --params a=1 --tags x,y"
    assert kedro_command(_advice("parallel", 4), options) == (
        "kedro run --runner runadvisor.kedro.ParallelRunner4" + tail
    )
    assert kedro_command(_advice("sequential", 1), None) == "kedro run"  # nothing to change
    assert kedro_command(_advice("kedro-sequential", 1), None) == "kedro run"
    assert kedro_command(_advice("kedro-thread", 3), None) == (
        "kedro run --runner ThreadRunner --runner-params max_workers=3"
    )
    monkeypatch.setattr(_kedro, "run_options", lambda: frozenset())  # an older Kedro
    assert kedro_command(_advice("kedro-parallel", 2), options) == (
        "kedro run --runner ParallelRunner --pipeline data_processing --env prod "
        "--params a=1 --tags x,y"
    )


def test_kedro_kinds_calibrate_once_and_cost_more_than_ours(calibration_cache: Path) -> None:
    from runadvisor.advisor import calibrate

    costs = calibrate(kinds=["kedro-parallel"])
    figures = costs.kinds["kedro-parallel"]
    assert {"process_round_trip", "process_start", "pipe_rate"} <= set(figures)
    cached = sorted(p.name for p in calibration_cache.glob("calibration-*-kedro-parallel.json"))
    assert len(cached) == 1
    again = calibrate(kinds=["kedro-parallel"])
    assert again.kinds["kedro-parallel"] == figures  # from the cache
    # Kedro builds a hook manager and pickles a task per node, and moves data through a
    # multiprocessing manager: more per node than runadvisor's pipe and shared memory.
    assert figures["process_round_trip"] > costs.process_round_trip


@pytest.mark.slow
def test_advice_from_a_profiled_kedro_run_names_the_kind_measured_advice_names(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example with I/O-bound feature nodes: every candidate measured (3 runs each)
    against advice predicted from the profile the hook records during ``kedro run``."""
    from kedro_helpers import kedro_session_run

    from runadvisor.advisor import advise, advise_from_profile
    from runadvisor.console.kedro import default_runners
    from runadvisor.kedro.project import load_project

    params = {"features": {"rounds": 1, "io_wait": 0.25}}
    options = KedroOptions(pipelines=("data_processing",), params=params)
    loaded = load_project(project, options, quiet=True)
    measured = advise(
        loaded.pipeline, loaded.catalog, runners=default_runners(), repeats=3, budget=None
    )
    monkeypatch.setenv("RUNADVISOR_PROFILE", "1")
    from kedro.runner import SequentialRunner

    kedro_session_run(project, SequentialRunner(), params, pipeline_names=["data_processing"])
    (profile,) = (project / "profiles").glob("*.json")
    predicted = advise_from_profile(profile, runners=default_runners())
    assert predicted.kind == measured.kind, (str(measured), str(predicted))
    assert registry.get(measured.kind).model == "threads"  # waiting: threads, not processes
