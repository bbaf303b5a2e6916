"""Advice from a saved profile: no run, and it says what the profile lacks."""

from __future__ import annotations

import json

import pipelines as P
import pytest

from runadvisor import advise, advise_from_profile
from runadvisor.advisor import AdviceError, profile_gaps
from runadvisor.profiles import Profiler, profile_run
from runadvisor.runners import SequentialRunner, ThreadRunner


def saved_profile(tmp_path, build, runner=None, **options):
    pipe, catalog = build()
    runner = runner or SequentialRunner()
    profiler = Profiler(pipe, runner=runner, **options)
    with profiler:
        runner.run(pipe, catalog, observers=[profiler])
    return profiler.profile.save(tmp_path / "run.json"), pipe, catalog


@pytest.mark.parametrize("build", [P.sleep_fanout, P.python_fanout, P.chain])
def test_advice_from_a_sequential_profile_matches_predict_only_advice(tmp_path, build):
    path, pipe, catalog = saved_profile(tmp_path, build, measure_output_bytes=True)
    from_file = advise_from_profile(path)
    predicted = advise(pipe, catalog, predict_only=True)
    assert from_file.kind == predicted.kind, (str(from_file), str(predicted))
    assert from_file.predict_only and from_file.confidence == "low"
    assert from_file.source == str(path)
    assert all(c.status in ("predicted", "skipped", "unpicklable") for c in from_file.candidates)
    path.unlink()


def test_what_the_profile_lacks_is_said_and_saved(tmp_path):
    path, _, _ = saved_profile(tmp_path, P.sleep_fanout, runner=ThreadRunner(4), gil=False)
    rec = advise_from_profile(path)
    lacks = " | ".join(rec.lacks)
    assert "GIL holding" in lacks and "output sizes" in lacks and "a sequential run" in lacks
    assert any("lacks" in w for w in rec.warnings)
    again = type(rec).from_dict(json.loads(json.dumps(rec.to_dict())))
    assert again.lacks == rec.lacks and again.source == rec.source
    path.unlink()


def test_a_complete_sequential_profile_lacks_only_the_pickle_check():
    pipe, catalog = P.python_fanout()
    profile = profile_run(pipe, catalog, SequentialRunner())
    gaps = profile_gaps(profile)
    assert [g for g in gaps if "output sizes" not in g] == [
        "whether the data pickles (ParallelRunner may not be able to run it)"
    ]


def test_files_that_are_not_profiles_or_failed_runs_are_advice_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(AdviceError, match=r"bad\.json"):
        advise_from_profile(bad)
    bad.unlink()

    def explode(x):
        raise ValueError("no")

    from runadvisor import DataCatalog, node, pipeline

    pipe = pipeline([node(explode, "x", "y", name="explode")])
    with pytest.raises(ValueError) as info, pytest.warns(RuntimeWarning, match="resume"):
        profile_run(pipe, DataCatalog(raw_data={"x": 1}), SequentialRunner())
    with pytest.raises(AdviceError, match="failed"):
        advise_from_profile(info.value.profile)


def test_a_free_threaded_interpreter_runs_python_work_in_threads():
    """With a GIL-free interpreter's facts, pure-Python CPU work goes to threads (no
    pickling); the same profile from an interpreter with a GIL goes to processes."""
    from dataclasses import replace

    pipe, catalog = P.python_fanout()
    profile = profile_run(pipe, catalog, SequentialRunner(), measure_output_bytes=True)
    with_gil = advise_from_profile(replace(profile, machine=replace(profile.machine, cores=4)))
    free = replace(profile, machine=replace(profile.machine, cores=4, gil_enabled=False))
    without = advise_from_profile(free)
    assert with_gil.kind == "parallel", str(with_gil)
    assert without.kind == "thread", str(without)
    assert any("without a GIL" in step for step in without.path)


def test_predictions_pay_the_start_method_the_profiled_process_used():
    """A profile from a process whose workers start by spawn predicts process runs
    slower than the same profile under fork, by what this machine measured spawn to
    cost over fork (threads and sequential unchanged)."""
    import multiprocessing
    from dataclasses import replace

    from runadvisor.advisor import calibrate

    methods = calibrate().start_costs
    if (
        not {"fork", "spawn"} <= set(methods)
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        pytest.skip("needs fork and spawn measured here")
    pipe, catalog = P.python_fanout()
    profile = profile_run(pipe, catalog, SequentialRunner(), measure_output_bytes=True)

    def predicted(method):
        run = replace(profile, machine=replace(profile.machine, cores=2, start_method=method))
        rec = advise_from_profile(run)
        return {c.label: c.predicted for c in rec.candidates if c.predicted}, rec

    fork, _ = predicted("fork")
    spawn, rec = predicted("spawn")
    extra = methods["spawn"] - methods["fork"]
    assert spawn["ParallelRunner(2)"] - fork["ParallelRunner(2)"] == pytest.approx(extra, rel=0.01)
    assert spawn["ThreadRunner(2)"] == pytest.approx(fork["ThreadRunner(2)"])
    assert rec.facts.start_method == "spawn"
    if rec.kind == "parallel":  # spawn may cost more than processes save on a short run
        assert any("start by spawn" in step for step in rec.path), rec.path
