"""Choosing among candidates, without runs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from runadvisor.advisor import Candidate
from runadvisor.advisor.choice import choose


def measured(runner, workers, walls, predicted):
    return Candidate(runner, workers, predicted=predicted, status="ok", measured=tuple(walls))


def test_the_fastest_wins_when_clearly_faster():
    seq = measured("SequentialRunner", 1, [1.0, 1.02], 1.0)
    par = measured("ParallelRunner", 2, [0.5, 0.52], 0.5)
    assert choose([seq, par], measured=True) is par


def test_a_genuine_tie_goes_to_the_simpler_runner_and_fewer_workers():
    seq = measured("SequentialRunner", 1, [1.00, 1.01], 1.0)
    thread = measured("ThreadRunner", 1, [0.97, 0.98], 1.0)
    assert choose([seq, thread], measured=True) is seq
    two = measured("ThreadRunner", 2, [0.50, 0.51], 0.5)
    four = measured("ThreadRunner", 4, [0.49, 0.50], 0.48)
    assert choose([four, two], measured=True) is two


def test_the_spread_widens_the_tie():
    seq = measured("SequentialRunner", 1, [0.8, 1.2], 1.0)  # spread 0.4
    par = measured("ParallelRunner", 2, [0.75, 0.76], 0.95)
    assert choose([seq, par], measured=True) is seq


def test_noise_is_not_a_tie_when_the_simulation_separates_them():
    seq = measured("SequentialRunner", 1, [0.6, 1.1], 0.7)  # noisy machine
    par = measured("ParallelRunner", 2, [0.5, 0.9], 0.4)
    assert choose([seq, par], measured=True) is par


def test_failed_and_skipped_candidates_are_not_chosen():
    seq = measured("SequentialRunner", 1, [1.0], 1.0)
    broken = Candidate("ThreadRunner", 2, predicted=0.1, status="failed", reason="boom")
    skipped = Candidate("ParallelRunner", 2, predicted=0.2, status="skipped")
    assert choose([seq, broken, skipped], measured=True) is seq
    assert choose([broken], measured=True) is None


def test_predictions_tie_within_ten_percent():
    seq = Candidate("SequentialRunner", 1, predicted=1.0)
    thread = Candidate("ThreadRunner", 2, predicted=0.92)
    par = Candidate("ParallelRunner", 2, predicted=0.5)
    assert choose([seq, thread], measured=False) is seq
    assert choose([seq, thread, par], measured=False) is par


def test_candidate_labels_and_speedup_fields():
    c = measured("ThreadRunner", 4, [0.3, 0.1, 0.2], 0.2)
    assert c.label == "ThreadRunner(4)" and c.kind == "thread"
    assert c.median == pytest.approx(0.2) and c.spread == pytest.approx(0.2)
    assert Candidate("SequentialRunner", 1).label == "SequentialRunner"
    assert Candidate.from_dict(c.to_dict()) == c


def test_summary_when_noise_hides_the_predicted_gain():
    from runadvisor.advisor import PipelineFacts, Recommendation

    seq = measured("SequentialRunner", 1, [0.50, 0.55], 0.53)
    par = measured("ParallelRunner", 2, [0.52, 0.56], 0.28)
    par = replace(par, speedup=seq.median / par.median)
    facts = PipelineFacts(4, 0.53, 0.14, 3.9, 4, 0.9, 0.0, 0.98, 0, None)
    rec = Recommendation("ParallelRunner", 2, par.speedup, "medium", [], [], facts, [seq, par])
    assert choose([seq, par], measured=True) is par
    assert str(rec).startswith(
        "Use ParallelRunner(max_workers=2): predicted 1.9x faster than sequential "
        "(0.28 s vs 0.53 s); measured 0.54 s vs measured 0.53 s, too noisy here to tell them "
        "apart."
    )
