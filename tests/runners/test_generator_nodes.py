"""Generator nodes: a function that yields chunks runs under every runner, and each
chunk is saved as it comes (in the parent, in order, for datasets that live there)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from runadvisor import DataCatalog, node, pipeline
from runadvisor.pipeline import NodeOutputError
from runadvisor.runners import ParallelRunner


class LineFile:
    """Appends each saved value as a JSON line; loads every line. Lives in any process."""

    _EPHEMERAL = False

    def __init__(self, path: Path, tag: str | None = None) -> None:
        self.path = path
        self.tag = tag

    def save(self, data):
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(data if self.tag is None else [self.tag, data]) + "\n")

    def load(self):
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines()]

    def exists(self):
        return self.path.exists()


class ParentList:
    """A dataset that cannot leave this process (it holds a lock): saves are recorded here."""

    _EPHEMERAL = False

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.saved: list = []

    def save(self, data):
        with self.lock:
            self.saved.append(data)

    def load(self):
        return list(self.saved)

    def exists(self):
        return bool(self.saved)


def count_up(n):
    yield from range(n)


def checked_count(n, path):
    """Yields 0..n-1; after each yield, the chunk must already be in the file."""
    for i in range(n):
        yield i
        saved = [json.loads(line) for line in Path(path).read_text().splitlines()]
        if saved != list(range(i + 1)):
            raise AssertionError(f"chunk {i} not saved before the next was asked: {saved}")


def pairs(n):
    for i in range(n):
        yield i, -i


def keyed(n):
    for i in range(n):
        yield {"up": i, "down": -i}


def timed_chunks(n):
    for _ in range(n):
        time.sleep(0.01)
        yield time.perf_counter()


def add_one(x):
    return x + 1


def test_chunks_are_saved_as_they_come(runner, tmp_path):
    path = tmp_path / "chunks.jsonl"
    catalog = DataCatalog({"n": 4, "path": str(path), "chunks": LineFile(path)})
    runner.run(pipeline([node(checked_count, ["n", "path"], "chunks", name="gen")]), catalog)
    assert LineFile(path).load() == [0, 1, 2, 3]


def test_memory_output_holds_the_last_chunk_for_the_next_node(runner):
    catalog = DataCatalog({"n": 5})
    p = pipeline(
        [
            node(count_up, "n", "last", name="gen"),
            node(add_one, "last", "after", name="next"),
        ]
    )
    outputs = runner.run(p, catalog)
    assert outputs["after"].load() == 5  # the last chunk was 4


@pytest.mark.parametrize(
    ("func", "outputs"),
    [(pairs, ["up", "down"]), (keyed, {"up": "up", "down": "down"})],
    ids=["tuples", "dicts"],
)
def test_multi_output_chunks_interleave_in_yield_order(runner, tmp_path, func, outputs):
    log = tmp_path / "log.jsonl"
    catalog = DataCatalog({"n": 3, "up": LineFile(log, "up"), "down": LineFile(log, "down")})
    runner.run(pipeline([node(func, "n", outputs, name="gen")]), catalog)
    assert LineFile(log).load() == [
        ["up", 0],
        ["down", 0],
        ["up", 1],
        ["down", -1],
        ["up", 2],
        ["down", -2],
    ]


def test_parent_side_dataset_gets_every_chunk_in_order(runner):
    """Under ParallelRunner this dataset stays in the parent: the chunks travel back."""
    target = ParentList()
    catalog = DataCatalog({"n": 4, "chunks": target, "marks": ParentList()})
    p = pipeline(
        [
            node(pairs, "n", ["chunks", "mem"], name="gen"),
            node(add_one, "mem", "after", name="next"),
        ]
    )
    outputs = runner.run(p, catalog)
    assert target.saved == [0, 1, 2, 3]
    assert outputs["after"].load() == -3 + 1


def test_event_covers_the_whole_node(runner, tmp_path):
    path = tmp_path / "times.jsonl"
    events = []
    catalog = DataCatalog({"n": 3, "times": LineFile(path)})
    runner.run(
        pipeline([node(timed_chunks, "n", "times", name="gen")]),
        catalog,
        observers=[events.append],
    )
    times = LineFile(path).load()
    assert len(times) == 3
    assert [e.node for e in events] == ["gen"]
    assert events[0].error is None
    assert events[0].start < times[0] and times[-1] < events[0].end
    assert events[0].wall >= 0.03


def test_failure_mid_stream_keeps_the_chunks_already_saved(runner, tmp_path):
    def two_then_fail(n):
        yield 1
        yield 2
        raise ValueError("third chunk is bad")

    path = tmp_path / "chunks.jsonl"
    catalog = DataCatalog({"n": 3, "chunks": LineFile(path)})
    with pytest.raises(ValueError, match="third chunk is bad"), pytest.warns(RuntimeWarning):
        runner.run(pipeline([node(two_then_fail, "n", "chunks", name="gen")]), catalog)
    assert LineFile(path).load() == [1, 2]


def test_chunk_of_the_wrong_shape_fails_the_node(runner):
    def ragged(n):
        yield 1, 2
        yield (3,)

    catalog = DataCatalog({"n": 1})
    with (
        pytest.raises(NodeOutputError, match="yielded 1 values but declares 2 outputs"),
        pytest.warns(RuntimeWarning, match="resume"),
    ):
        runner.run(pipeline([node(ragged, "n", ["a", "b"], name="gen")]), catalog)


class Countdown:
    """An iterator that is not a generator: saved whole, never iterated by the runner."""

    def __init__(self, start: int) -> None:
        self.left = start

    def __iter__(self):
        return self

    def __next__(self):
        if self.left == 0:
            raise StopIteration
        self.left -= 1
        return self.left


def make_countdown(n):
    return Countdown(n)


def test_iterators_returned_by_plain_functions_are_saved_whole(runner):
    catalog = DataCatalog({"n": 3, "it": ParentList()})
    runner.run(pipeline([node(make_countdown, "n", "it", name="make")]), catalog)
    (saved,) = catalog["it"].saved
    assert isinstance(saved, Countdown)
    assert saved.left == 3  # not consumed


def test_generator_without_outputs_still_runs(runner, tmp_path):
    path = tmp_path / "side.txt"

    def side_effects(target):
        for i in range(3):
            Path(target).write_text(str(i))
            yield i

    catalog = DataCatalog({"target": str(path)})
    runner.run(pipeline([node(side_effects, "target", None, name="gen")]), catalog)
    assert path.read_text() == "2"


def test_generator_output_sent_back_from_spawned_workers(tmp_path):
    """Under spawn nothing is inherited: functions, chunks and datasets all travel."""
    target = ParentList()
    path = tmp_path / "chunks.jsonl"
    catalog = DataCatalog({"n": 3, "back": target, "file": LineFile(path)})
    p = pipeline([node(pairs, "n", ["back", "file"], name="gen")])
    ParallelRunner(max_workers=1, mp_context="spawn").run(p, catalog)
    assert target.saved == [0, 1, 2]
    assert LineFile(path).load() == [0, -1, -2]
