"""The scheduler loop on its own, driven by a scripted executor (as dask tests its
scheduler's state functions): order, counted readiness, release, failure, deadlines."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from runadvisor.runners.events import NodeEvent
from runadvisor.runners.scheduler import Completion, RunPlan, RunTimedOut, run_loop


@dataclass(frozen=True)
class N:
    """A node as the loop sees it: a name, inputs and outputs."""

    name: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()


@dataclass
class ScriptedExecutor:
    """Completes submitted tasks in submission order, ``per_wait`` at a time.

    ``fail``: node names that fail; ``hang``: node names that never complete.
    Records every submit and release, and the most tasks in flight at once.
    """

    capacity: int = 1
    per_wait: int = 1
    fail: set[str] = field(default_factory=set)
    hang: set[str] = field(default_factory=set)
    submitted: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    running: list[N] = field(default_factory=list)
    most_at_once: int = 0
    shut: bool = False

    def submit(self, node: N) -> None:
        self.submitted.append(node.name)
        self.running.append(node)
        self.most_at_once = max(self.most_at_once, len(self.running))

    def wait(self, timeout: float | None) -> list[Completion]:
        ready = [n for n in self.running if n.name not in self.hang][: self.per_wait]
        done = []
        for node in ready:
            self.running.remove(node)
            error = RuntimeError(node.name) if node.name in self.fail else None
            event = NodeEvent(node.name, 0.0, 0.0, 0.0, 1, 1)
            done.append(Completion(node, event, error))
        return done

    def release(self, dataset: str) -> None:
        self.released.append(dataset)

    def shutdown(self, cancel: bool = False) -> None:
        self.shut = True


def plan_of(nodes: list[N], keep: set[str] = frozenset(), workers: int = 1) -> RunPlan:
    producers = {out: n for n in nodes for out in n.outputs}
    parents = {n: {producers[i] for i in n.inputs if i in producers} for n in nodes}
    consumers: dict[str, int] = {}
    for n in nodes:
        for name in n.inputs:
            consumers[name] = consumers.get(name, 0) + 1
    return RunPlan(nodes, parents, consumers, frozenset(keep), catalog=None, workers=workers)


DIAMOND = [
    N("a", ("raw",), ("x",)),
    N("b", ("x",), ("y",)),
    N("c", ("x",), ("z",)),
    N("d", ("y", "z"), ("out",)),
]


def test_one_at_a_time_follows_the_given_topological_order():
    executor = ScriptedExecutor(capacity=1)
    state = run_loop(plan_of(DIAMOND, keep={"raw", "out"}), executor)
    assert executor.submitted == ["a", "b", "c", "d"]
    assert [n.name for n in state.done] == ["a", "b", "c", "d"]
    assert not state.failed and not state.running


def test_a_node_is_submitted_only_after_all_its_parents_are_done():
    executor = ScriptedExecutor(capacity=4, per_wait=1)
    run_loop(plan_of(DIAMOND, keep={"raw", "out"}), executor)
    order = executor.submitted
    assert order.index("d") > max(order.index("b"), order.index("c"))
    assert executor.most_at_once == 2  # b and c together, never more


def test_capacity_bounds_the_tasks_in_flight():
    wide = [N(f"n{i}", ("raw",), (f"o{i}",)) for i in range(10)]
    executor = ScriptedExecutor(capacity=3, per_wait=2)
    state = run_loop(plan_of(wide, keep={"raw"}), executor)
    assert executor.most_at_once == 3
    assert len(state.done) == 10


def test_a_dataset_is_released_once_after_its_last_reader_and_kept_ones_never():
    executor = ScriptedExecutor(capacity=1)
    run_loop(plan_of(DIAMOND, keep={"raw", "out"}), executor)
    # x is read by b and c: released once, after c; y and z after d; raw is kept.
    assert executor.released == ["x", "y", "z"]


def test_after_a_failure_nothing_new_starts_and_running_nodes_finish():
    fan = [N("first", ("raw",), ("x",))] + [N(f"w{i}", ("x",), (f"o{i}",)) for i in range(4)]
    executor = ScriptedExecutor(capacity=2, per_wait=1, fail={"w0"})
    state = run_loop(plan_of(fan, keep={"raw"}), executor)
    assert [n.name for n, _ in state.failed] == ["w0"]
    assert executor.submitted == ["first", "w0", "w1"]  # w1 was running: it finishes
    assert [n.name for n in state.done] == ["first", "w1"]


def test_observers_see_every_completion_in_order():
    seen: list[str] = []
    executor = ScriptedExecutor(capacity=1)
    run_loop(plan_of(DIAMOND, keep={"raw", "out"}), executor, [lambda e: seen.append(e.node)])
    assert seen == ["a", "b", "c", "d"]


def test_a_node_deadline_names_the_nodes_still_running():
    executor = ScriptedExecutor(capacity=2, hang={"b"})
    with pytest.raises(RunTimedOut) as info:
        run_loop(plan_of(DIAMOND, keep={"raw", "out"}), executor, node_timeout=0.05)
    assert info.value.kind == "node"
    assert [n.name for n in info.value.nodes] == ["b"]


def test_a_run_deadline_names_everything_still_running():
    executor = ScriptedExecutor(capacity=2, hang={"b", "c"})
    with pytest.raises(RunTimedOut) as info:
        run_loop(plan_of(DIAMOND, keep={"raw", "out"}), executor, timeout=0.05)
    assert info.value.kind == "run" and info.value.limit == 0.05
    assert sorted(n.name for n in info.value.nodes) == ["b", "c"]


def test_an_empty_plan_submits_nothing():
    executor = ScriptedExecutor()
    state = run_loop(plan_of([]), executor)
    assert executor.submitted == [] and state.done == []


def test_observers_with_node_started_hear_of_each_node_before_it_runs():
    heard: list[tuple[str, str]] = []

    class Watcher:
        def node_started(self, name: str) -> None:
            heard.append(("start", name))

        def __call__(self, event: NodeEvent) -> None:
            heard.append(("end", event.node))

    executor = ScriptedExecutor(capacity=1)
    run_loop(plan_of(DIAMOND[:2], keep={"raw", "y"}), executor, [Watcher()])
    assert heard == [("start", "a"), ("end", "a"), ("start", "b"), ("end", "b")]
