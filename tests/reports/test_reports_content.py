"""What the report says: lanes named by what they are, waits for a CPU split by cause,
output sizes wherever known, and sentences that follow the numbers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from reports_helpers import SPAN, small_pipeline

from runadvisor.io import DataCatalog
from runadvisor.profiles import RunProfile, profile_run
from runadvisor.reports.candidates import scaling_sentences, scaling_summary, tagline
from runadvisor.reports.content import from_recommendation
from runadvisor.reports.contention import split_cpu_wait, summarise_cpu_wait
from runadvisor.reports.lanes import lane_names
from runadvisor.reports.sections import cpu_wait_cause, cpu_wait_sentence
from runadvisor.runners import ParallelRunner, ThreadRunner


def rec(start, end, cpu, wait, name="n", pid=1, thread=1):
    return SimpleNamespace(
        name=name, start=start, end=end, cpu=cpu, cpu_wait=wait, pid=pid, thread=thread
    )


# --- lanes ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def one_worker_runs():
    pipe = small_pipeline()
    return {
        label: profile_run(pipe, DataCatalog({"span": SPAN}), runner)
        for label, runner in (
            ("ParallelRunner(1)", ParallelRunner(max_workers=1)),
            ("ThreadRunner(1)", ThreadRunner(max_workers=1)),
        )
    }


def test_lanes_are_named_by_what_they_are_under_every_runner(profiles, one_worker_runs):
    runs = {**profiles, **one_worker_runs}
    names = {
        label: sorted(set(lane_names(p.runner, p.nodes).values())) for label, p in runs.items()
    }
    assert names["SequentialRunner"] == ["main thread"]
    assert names["ThreadRunner(1)"] == ["main thread"]  # one worker runs nodes inline
    assert names["ParallelRunner(1)"] == ["process 1"]  # like ParallelRunner(2)'s lanes
    assert set(names["ParallelRunner(2)"]) <= {"process 1", "process 2"}
    assert names["ThreadRunner(4)"][0] == "thread 1"
    assert all(n.startswith("thread ") for n in names["ThreadRunner(4)"])


def test_lanes_are_numbered_by_first_use():
    records = [
        rec(0.2, 0.3, 0, 0, pid=7, thread=71),
        rec(0.0, 0.1, 0, 0, pid=7, thread=72),
        rec(0.0, 0.1, 0, 0, pid=9, thread=9),
    ]
    assert lane_names("ThreadRunner", records) == {
        (7, 72): "thread 1",
        (7, 71): "thread 2",
        (9, 9): "main thread",
    }
    assert lane_names("ParallelRunner", records) == {
        (7, 72): "process 1, thread 1",
        (9, 9): "process 2",
        (7, 71): "process 1, thread 2",
    }
    assert set(lane_names("SomeForeignRunner", records).values()) >= {"process 2"}


# --- waiting for a CPU -----------------------------------------------------------------------
def test_own_workers_outnumbering_the_cores_are_told_apart_from_other_processes():
    four = [rec(0.0, 1.0, 0.5, 0.5, name=f"n{i}") for i in range(4)]
    assert [s.own for s in split_cpu_wait(four, cores=2)] == pytest.approx([0.5] * 4)
    assert [s.other for s in split_cpu_wait(four, cores=2)] == pytest.approx([0.0] * 4)
    busier = [rec(0.0, 1.0, 0.3, 0.7, name=f"n{i}") for i in range(4)]  # and another process
    split = split_cpu_wait(busier, cores=2)
    assert [s.own for s in split] == pytest.approx([0.5] * 4)
    assert [s.other for s in split] == pytest.approx([0.2] * 4)


def test_a_sequential_run_that_waits_waits_for_other_processes():
    chain = [rec(i, i + 1.0, 0.6, 0.4, name=f"n{i}") for i in range(3)]
    split = split_cpu_wait(chain, cores=2)
    assert [s.own for s in split] == [0.0] * 3
    assert [s.other for s in split] == pytest.approx([0.4] * 3)


def test_threads_waiting_for_the_gil_do_not_count_as_wanting_a_cpu():
    gil_bound = [rec(0.0, 1.0, 0.25, 0.0, name=f"n{i}") for i in range(4)]
    summary = summarise_cpu_wait(gil_bound, cores=2)
    assert summary.own == 0 and summary.other == 0 and summary.most_running == 4


def test_partial_overlap_is_split_interval_by_interval():
    a = rec(0.0, 2.0, 1.0, 1.0, name="a")  # alone for a second, then shares one core with b
    b = rec(1.0, 2.0, 0.5, 0.5, name="b")
    split_a, split_b = split_cpu_wait([a, b], cores=1)
    assert (split_a.own, split_a.other) == pytest.approx((0.5, 0.5))
    assert (split_b.own, split_b.other) == pytest.approx((0.5, 0.0))


def test_unmeasured_waits_stay_unknown():
    assert split_cpu_wait([rec(0, 1, 0.5, None)], cores=2) == [None]
    assert summarise_cpu_wait([rec(0, 1, 0.5, None)], cores=2) is None


def test_captions_say_which_cause():
    own = summarise_cpu_wait([rec(0.0, 1.0, 0.5, 0.5, name=f"n{i}") for i in range(4)], 2)
    sentence = cpu_wait_sentence(own, "ThreadRunner(4)")
    assert "ThreadRunner(4) ran up to 4 nodes at once on 2 cores" in sentence
    assert "other processes" not in sentence
    assert cpu_wait_cause(own) == "the pipeline's own workers outnumbered the cores"
    other = summarise_cpu_wait([rec(i, i + 1.0, 0.6, 0.4) for i in range(3)], 2)
    assert "other processes on the machine" in cpu_wait_sentence(other, "SequentialRunner")
    assert "ran up to" not in cpu_wait_sentence(other, "SequentialRunner")
    quiet = summarise_cpu_wait([rec(0.0, 1.0, 0.99, 0.001)], 2)
    assert cpu_wait_sentence(quiet, "SequentialRunner") == ""


# --- the report's content --------------------------------------------------------------------
def test_output_sizes_are_shown_for_every_run_that_ran_the_nodes(stand_in):
    runs = {label: RunProfile.from_dict(p.to_dict()) for label, p in stand_in.profiles.items()}
    for label, profile in runs.items():
        if label != "SequentialRunner":  # only one run measured its output sizes
            for record in profile.nodes:
                record.out_bytes = None
    report = from_recommendation(SimpleNamespace(**{**vars(stand_in), "profiles": runs}))
    assert len(report.sections) == len(runs) >= 2
    for section in report.sections:
        assert "Output" in section.table.columns, section.title
        column = section.table.columns.index("Output")
        assert all(row[column] != "—" for row in section.table.rows), section.title


def test_one_run_filed_under_two_labels_gets_one_section(stand_in):
    runs = dict(stand_in.profiles)
    runs["facts"] = runs["SequentialRunner"]  # the advisor reuses its facts run
    report = from_recommendation(SimpleNamespace(**{**vars(stand_in), "profiles": runs}))
    assert len(report.sections) == len(runs) - 1


def candidate(runner, workers, speedup, *, measured=True, status="ok"):
    return SimpleNamespace(
        runner=runner,
        workers=workers,
        speedup=speedup,
        measured=[1.0, 1.1] if measured else [],
        status=status if measured or status != "ok" else "skipped",
        predicted=1.0,
    )


MIXED = [
    candidate("SequentialRunner", 1, 1.0),
    candidate("ThreadRunner", 1, 1.0, measured=False, status="skipped"),
    candidate("ThreadRunner", 2, 0.93),
    candidate("ThreadRunner", 4, 1.07),
    candidate("ThreadRunner", 5, 1.02),
    candidate("ParallelRunner", 1, 1.0, measured=False, status="skipped"),
    candidate("ParallelRunner", 2, 1.6, measured=False, status="skipped"),
]


def test_scaling_sentences_follow_the_measurements():
    thread, parallel = scaling_sentences(MIXED)
    assert thread.startswith("ThreadRunner measured 0.93\u00d7 with 2, 1.07\u00d7 with 4")
    assert "best at 4; more workers did not help" in thread
    assert thread.endswith("; not measured with 1 worker (skipped).")
    assert parallel == (
        "ParallelRunner was not measured with 1, 2 workers (skipped); predicted at most 1.60\u00d7."
    )
    stopped = [candidate("ParallelRunner", 2, 1.9, measured=False, status="stopped")]
    assert scaling_sentences(stopped) == [
        "ParallelRunner was not measured with 2 workers (stopped); predicted at most 1.90\u00d7."
    ]
    rising = [candidate("ParallelRunner", 2, 1.5), candidate("ParallelRunner", 4, 2.5)]
    assert "still rising" in scaling_sentences(rising)[0]


def test_summary_ends_with_the_recommendation_and_its_measured_speedup():
    advice = SimpleNamespace(runner="ThreadRunner", max_workers=2, speedup=0.93, candidates=MIXED)
    lines = scaling_summary(advice)
    assert lines[-1] == "Recommended: ThreadRunner(2), measured 0.93\u00d7 against sequential."


def test_tagline_never_calls_a_slowdown_faster():
    slower = candidate("ThreadRunner", 2, 0.93)
    advice = SimpleNamespace(runner="ThreadRunner", speedup=0.93)
    line = tagline(advice, slower)
    assert "faster than sequential" not in line.replace("no faster than sequential", "")
    assert "0.93\u00d7" in line
    faster = candidate("ThreadRunner", 4, 1.6)
    assert tagline(SimpleNamespace(runner="ThreadRunner", speedup=1.6), faster).startswith(
        "1.60\u00d7 faster than sequential, measured"
    )
