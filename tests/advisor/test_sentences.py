"""Every sentence of the advice is true to the numbers it quotes (constructed cases)."""

from __future__ import annotations

from sentences import contradictions

from runadvisor.advisor import Candidate, PipelineFacts, Recommendation, explain
from runadvisor.advisor.choice import choose


def measured(kind, workers, walls, predicted):
    return Candidate(kind, workers, predicted=predicted, status="ok", measured=tuple(walls))


FACTS = PipelineFacts(4, 1.0, 0.25, 4.0, 4, 0.9, 0.0, 0.98, 0, None)


def advice(candidates, chosen, pick):
    sentence = explain.measured_sentence(candidates, chosen, pick)
    rec = Recommendation(
        chosen.runner,
        chosen.workers,
        chosen.speedup,
        "medium",
        [sentence],
        [],
        FACTS,
        list(candidates),
        kind=chosen.kind,
    )
    return sentence, rec


def test_a_tie_is_called_a_tie_with_the_spread_that_made_it():
    seq = measured("sequential", 1, [1.60, 2.10], 1.0)  # noisy: spread 0.50 s
    thread = measured("thread", 2, [1.62, 1.70], 0.9)  # faster, but within the spread
    chosen = choose([seq, thread], measured=True)
    assert chosen is seq
    sentence, rec = advice([seq, thread], chosen, thread)
    assert "within noise of each other" in sentence and "the spread of SequentialRunner" in sentence
    assert "beat" not in sentence
    assert contradictions([sentence, str(rec)]) == []


def test_a_clear_win_over_the_trees_pick_is_a_win():
    seq = measured("sequential", 1, [1.0, 1.02], 1.0)
    thread = measured("thread", 2, [0.90, 0.92], 0.5)
    par = measured("parallel", 2, [0.50, 0.51], 0.6)
    sentence, rec = advice([seq, thread, par], par, thread)
    assert "beat the tree's pick ThreadRunner(2)" in sentence
    assert contradictions([sentence, str(rec)]) == []


def test_a_pick_that_was_not_measured_is_said_so():
    seq = measured("sequential", 1, [1.0], 1.0)
    thread = measured("thread", 4, [0.3], 0.3)
    par = Candidate(
        "parallel", 2, predicted=0.4, status="skipped", reason="not measured: the budget ran out"
    )
    sentence, _ = advice([seq, thread, par], thread, par)
    assert "the tree's pick ParallelRunner(2) has no measured time (not measured: the budget" in (
        sentence
    )


def test_partial_runs_say_which_times_are_measured_and_which_predicted():
    base = Candidate("sequential", 1, predicted=1.0)  # interrupted before it ran
    thread = measured("thread", 4, [0.30, 0.32], 0.28)
    rec = Recommendation("ThreadRunner", 4, None, "low", [], [], FACTS, [base, thread])
    headline = str(rec).splitlines()[0]
    assert "(measured 0.31 s vs predicted 1.00 s)" in headline
    assert contradictions([headline]) == []


def test_predict_only_warnings_speak_of_no_measured_runs():
    busy = explain.machine_load_warning(cores=0, measuring=False)
    if busy is not None:  # a load average exists here
        assert "measured runs" not in busy and "profiled run" in busy


def test_the_checker_catches_a_contradiction():
    lie = "ThreadRunner(2) 1.84 s beat the tree's pick ParallelRunner(2) 1.66 s, so ..."
    assert contradictions([lie])
    wrong_speedup = "Use X: 3.0x faster than sequential (measured 0.50 s vs measured 1.00 s)."
    assert contradictions([wrong_speedup])
    far = (
        "ThreadRunner(2) 1.00 s and the fastest, ParallelRunner(2) 0.50 s, are within noise "
        "of each other (up to 50.0 ms apart: 5% of the faster time)"
    )
    assert contradictions([far])
