"""The measurement campaign's decisions, with scripted runs instead of real ones."""

from __future__ import annotations

import time

import pytest

from runadvisor.advisor import campaign as C
from runadvisor.advisor import progress as P
from runadvisor.advisor.candidates import Slate
from runadvisor.advisor.measure import MeasuredRun, Outcome
from runadvisor.advisor.options import AdviceOptions
from runadvisor.advisor.recommend import Candidate


def slate_of(*candidates: Candidate) -> Slate:
    return Slate(tuple(candidates), tuple(candidates), 10**12, "test")


SEQ = Candidate("sequential", 1, predicted=1.0)
T2 = Candidate("thread", 2, predicted=0.55)
T4 = Candidate("thread", 4, predicted=0.30)
P2 = Candidate("parallel", 2, predicted=0.50)


class Script:
    """Stands in for measure_run: each (kind, workers) takes the given seconds (a list to
    give successive runs different times); a run over its timeout is a timeout. Time is
    simulated: each run advances a clock the budget reads."""

    def __init__(self, monkeypatch, walls: dict[tuple[str, int], object]) -> None:
        self.walls = walls
        self.calls: list[tuple[str, int, float | None]] = []
        self.now = 1000.0
        monkeypatch.setattr(C, "measure_run", self)
        monkeypatch.setattr(P.time, "monotonic", lambda: self.now)

    def __call__(self, pipeline, catalog, kind, workers, timeout, start_method=None, options=None):
        self.calls.append((kind, workers, timeout))
        wall = self.walls[(kind, workers)]
        if isinstance(wall, list):
            wall = wall.pop(0) if len(wall) > 1 else wall[0]
        if timeout is not None and wall > timeout:
            self.now += timeout
            return Outcome("timeout", reason="still running", elapsed=timeout)
        self.now += wall + 0.01
        value = {"wall": wall, "peak_rss": None, "profile": {}}
        return Outcome("ok", value=value, elapsed=wall + 0.01)

    def runs_of(self, kind, workers):
        return sum(1 for k, w, _ in self.calls if (k, w) == (kind, workers))


def campaign(script, slate, budget, *, repeats=3, pick=None, baseline=None, calls=None):
    tracker = C.Tracker(None if calls is None else lambda d, t, label: calls.append((d, t, label)))
    options = AdviceOptions(kinds=("sequential", "thread", "parallel"), repeats=repeats)
    limit = C.Budget(budget, script.now)
    return C.run_campaign(None, None, slate, pick, options, tracker, limit, baseline)


def test_without_a_budget_every_selected_candidate_gets_its_repeats(monkeypatch):
    close = Candidate("thread", 2, predicted=0.35)
    script = Script(monkeypatch, {("sequential", 1): 0.4, ("thread", 4): 0.3, ("thread", 2): 0.35})
    result = campaign(script, slate_of(SEQ, close, T4), None, repeats=3)
    assert script.runs_of("sequential", 1) == 3 and script.runs_of("thread", 4) == 3
    assert script.runs_of("thread", 2) == 3
    assert not result.out_of_budget


def test_the_profiled_run_counts_as_the_baselines_first_run(monkeypatch):
    script = Script(monkeypatch, {("sequential", 1): 1.0, ("thread", 4): 0.3, ("thread", 2): 0.55})
    run = MeasuredRun(1.0, None, {"the": "facts profile"})
    result = campaign(script, slate_of(SEQ, T2, T4), 3.0, baseline=run)
    assert result.runs[("sequential", 1)].profiles[0] == {"the": "facts profile"}
    assert script.runs_of("sequential", 1) == 0  # never run again: clearly slowest
    assert any("profiled run the facts came from" in note for note in result.notes)


def test_repeats_stop_once_the_decision_is_settled(monkeypatch):
    script = Script(monkeypatch, {("sequential", 1): 1.0, ("thread", 4): 0.3, ("thread", 2): 0.55})
    result = campaign(script, slate_of(SEQ, T2, T4), 100.0, baseline=MeasuredRun(1.0, None, {}))
    assert script.runs_of("thread", 4) == 1  # far ahead of everyone after one run each
    assert len(result.runs[("thread", 4)].walls) == 1


def test_a_close_contest_is_measured_again(monkeypatch):
    script = Script(
        monkeypatch,
        {("sequential", 1): 1.0, ("thread", 2): [0.50, 0.49, 0.50], ("parallel", 2): [0.52, 0.5]},
    )
    campaign(script, slate_of(SEQ, T2, P2), 100.0, baseline=MeasuredRun(1.0, None, {}))
    assert script.runs_of("thread", 2) >= 2 and script.runs_of("parallel", 2) >= 2


def test_a_run_clearly_slower_than_the_best_is_cut_short(monkeypatch):
    slow = Candidate("parallel", 2, predicted=0.35)  # predicted close to the best, is slow
    script = Script(monkeypatch, {("sequential", 1): 1.0, ("thread", 4): 0.3, ("parallel", 2): 5.0})
    result = campaign(script, slate_of(SEQ, T4, slow), 100.0, baseline=MeasuredRun(1.0, None, {}))
    record = result.runs[("parallel", 2)]
    assert record.status == "stopped" and "1.5x the best" in record.reason
    cap = [t for k, w, t in script.calls if (k, w) == ("parallel", 2)][0]
    assert cap == pytest.approx(1.5 * 0.3 + 0.01, abs=0.02)


def test_what_the_budget_leaves_out_is_said(monkeypatch):
    script = Script(monkeypatch, {("sequential", 1): 1.0, ("thread", 4): 0.3, ("thread", 2): 0.55})
    result = campaign(script, slate_of(SEQ, T2, T4), 0.2, baseline=MeasuredRun(1.0, None, {}))
    assert result.out_of_budget  # 0.2 s left: no run fits
    assert all("budget" in result.not_measured[key] for key in result.out_of_budget)


def test_progress_never_goes_backwards(monkeypatch):
    calls: list[tuple[int, int, str]] = []
    script = Script(monkeypatch, {("sequential", 1): 1.0, ("thread", 4): 0.3, ("thread", 2): 0.55})
    campaign(script, slate_of(SEQ, T2, T4), 2.5, baseline=MeasuredRun(1.0, None, {}), calls=calls)
    totals = [t for _, t, _ in calls]
    done = [d for d, _, _ in calls]
    assert totals == sorted(totals) and done == sorted(done)
    assert done[-1] == totals[-1]  # every planned run ran or was accounted for
    assert any("budget" in label for _, _, label in calls)


def test_budget_seconds_come_from_the_sequential_run():
    assert AdviceOptions(kinds=("sequential",)).budget_seconds(2.0) == pytest.approx(6.0)
    assert AdviceOptions(kinds=("sequential",), budget=None).budget_seconds(2.0) is None
    assert AdviceOptions(kinds=("sequential",), budget=10.0).budget_seconds(2.0) == 10.0
    assert time.monotonic() > 0


def test_the_trees_pick_is_measured_and_measured_again_when_close(monkeypatch):
    far = Candidate("parallel", 2, predicted=2.0)  # predicted too slow to be selected
    script = Script(
        monkeypatch, {("sequential", 1): 1.0, ("thread", 4): 0.30, ("parallel", 2): [0.33, 0.34]}
    )
    campaign(script, slate_of(SEQ, T4, far), 100.0, pick=far, baseline=MeasuredRun(1.0, None, {}))
    assert script.runs_of("parallel", 2) >= 2  # within 20% of the best: a contest
