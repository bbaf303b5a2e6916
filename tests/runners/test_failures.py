"""Failures as typed data: the record a run attaches, and how the CLI renders it."""

from __future__ import annotations

import pickle

import cloudpickle
import pytest

from runadvisor import DataCatalog, SequentialRunner, ThreadRunner, node, pipeline
from runadvisor.console.errors import EXIT_NODE_FAILED, report_exception
from runadvisor.exceptions import add_note, free_notes
from runadvisor.runners import NodeFailure, RunTimeoutError, WorkerDiedError, failure_of
from runadvisor.runners.errors import OtherFailure, attach_failure


def ok(x):
    return x


def bad(x):
    raise KeyError(f"no key {x}")


def test_the_record_names_the_node_runner_and_resume_nodes():
    pipe = pipeline([node(ok, "raw", "mid", name="first"), node(bad, "mid", "out", name="second")])
    with pytest.raises(KeyError) as info, pytest.warns(RuntimeWarning):
        ThreadRunner(max_workers=2).run(pipe, DataCatalog(raw_data={"raw": 1}))
    failure = failure_of(info.value)
    assert failure == NodeFailure("second", "ThreadRunner", ("first",), ())
    assert failure.python_hint() == "pipeline.from_nodes('first')"


def test_the_record_travels_with_the_exception_between_processes():
    error = ValueError("boom")
    attach_failure(
        error, NodeFailure("n", "ParallelRunner", ("a", "b"), (OtherFailure("m", "E", "x"),))
    )
    for dumps in (pickle.dumps, cloudpickle.dumps):
        again = pickle.loads(dumps(error))
        assert failure_of(again) == failure_of(error)


def test_own_notes_are_structured_and_the_users_notes_are_free():
    error = ValueError("boom")
    add_note(error, "while loading catalog['x']")
    attach_failure(error, NodeFailure("n", "SequentialRunner", ("n",)))
    assert free_notes(error) == ["while loading catalog['x']"]
    assert len(error.__notes__) == 3


def test_the_cli_renders_from_the_record_not_the_notes(capsys):
    error = ValueError("boom")
    attach_failure(
        error, NodeFailure("n", "SequentialRunner", ("a", "b"), (OtherFailure("m", "E", "x"),))
    )
    error.__notes__ = []  # even with every note gone, the record says it all
    code = report_exception(error, debug=False, command=["p.py", "--runner", "thread"])
    err = capsys.readouterr().err
    assert code == EXIT_NODE_FAILED
    assert "node 'n' failed under SequentialRunner: ValueError: boom" in err
    assert "Node 'm' also failed: E: x" in err
    assert 'runadvisor run p.py --runner thread --from-nodes "a,b"' in err
    assert "pipeline.from_nodes('a', 'b')" in err


def test_an_exception_without_a_record_is_reported_as_a_possible_bug(capsys):
    error = RuntimeError("Node 'x' failed under SequentialRunner.")  # words alone decide nothing
    assert report_exception(error, debug=False, command=None) == EXIT_NODE_FAILED
    assert "may be a bug in runadvisor" in capsys.readouterr().err


def test_typed_errors_keep_their_fields_through_pickling():
    died = pickle.loads(pickle.dumps(WorkerDiedError("n", 123, -9)))
    assert (died.node, died.pid, died.exitcode) == ("n", 123, -9)
    assert "SIGKILL" in str(died)
    late = pickle.loads(pickle.dumps(RunTimeoutError("node", 0.5, ["a"], stopped=True)))
    assert (late.scope, late.limit, late.running, late.stopped) == ("node", 0.5, ["a"], True)


def test_a_sequential_failure_resumes_from_lost_memory_producers():
    pipe = pipeline([node(ok, "raw", "mid", name="make"), node(bad, "mid", "out", name="use")])
    with pytest.raises(KeyError) as info, pytest.warns(RuntimeWarning):
        SequentialRunner().run(pipe, DataCatalog(raw_data={"raw": 1}))
    assert failure_of(info.value).resume_from == ("make",)


def test_resume_walks_back_through_transcoded_data(tmp_path):
    from runadvisor import MemoryDataset, PickleDataset

    pipe = pipeline(
        [
            node(ok, "raw", "mid@pandas", name="make"),
            node(ok, "mid@spark", "late", name="middle"),
            node(bad, "late", "out", name="use"),
        ]
    )
    saved = str(tmp_path / "mid.pkl")
    persisted = DataCatalog(
        {
            "raw": MemoryDataset(1),
            "mid@pandas": PickleDataset(filepath=saved),
            "mid@spark": PickleDataset(filepath=saved),
        }
    )
    with pytest.raises(KeyError) as info, pytest.warns(RuntimeWarning):
        SequentialRunner().run(pipe, persisted)
    # 'late' lived in memory: rerun 'middle', which reads the saved 'mid' (not 'make')
    assert failure_of(info.value).resume_from == ("middle",)
