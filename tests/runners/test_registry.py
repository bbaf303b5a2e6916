"""The registry of runner kinds, and a new kind added with one entry and one executor."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from runadvisor import DataCatalog, node, pipeline
from runadvisor.cli import cli
from runadvisor.runners import AbstractRunner, ParallelRunner, ThreadRunner, registry
from runadvisor.runners.scheduler import Completion, RunPlan
from runadvisor.runners.task import execute_node


def test_the_built_in_kinds_simplest_first():
    assert registry.names()[:3] == ["sequential", "thread", "parallel"]
    assert registry.get("parallel").runner_class() is ParallelRunner
    assert registry.get("ThreadRunner").name == "thread"  # class names work
    assert registry.get("processes").name == "parallel"  # and aliases
    assert registry.get("parallel").pickles and not registry.get("thread").pickles


def test_an_unknown_name_lists_the_kinds_and_suggests_the_closest():
    with pytest.raises(registry.UnknownRunnerError) as info:
        registry.get("paralel")
    assert info.value.name == "paralel"
    assert "sequential" in info.value.choices
    assert "Did you mean 'parallel'?" in str(info.value)


def test_build_label_and_call():
    kind = registry.get("thread")
    runner = kind.build(3)
    assert isinstance(runner, ThreadRunner) and runner.max_workers == 3
    assert kind.label(3) == "ThreadRunner(3)" and kind.call(3) == "ThreadRunner(max_workers=3)"
    sequential = registry.get("sequential")
    assert sequential.label(4) == "SequentialRunner" and sequential.call(4) == "SequentialRunner()"
    assert registry.call_for("SomeRunner", 2) == "SomeRunner(max_workers=2)"


def test_a_kind_needs_a_known_model_and_a_unique_name():
    with pytest.raises(ValueError, match="model"):
        registry.register(registry.RunnerKind("x", "X", object, model="quantum"))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.get("thread"))


# -- a fake kind: one executor, one runner, one registry entry --------------------------


class EveryOtherExecutor:
    """Runs tasks in the calling thread, two at a time, completing them in reverse."""

    def __init__(self, plan: RunPlan) -> None:
        self.capacity = 2
        self._catalog = plan.catalog
        self._probes = plan.probes
        self._queued: list = []

    def submit(self, node) -> None:
        self._queued.append(node)

    def wait(self, timeout):
        done = []
        while self._queued:
            node = self._queued.pop()
            datasets = {n: self._catalog[n] for n in (*node.inputs, *node.outputs)}
            _, event, error = execute_node(node, {}, datasets, self._probes)
            done.append(Completion(node, event, error))
        return done

    def release(self, dataset: str) -> None:
        self._catalog.release(dataset)

    def shutdown(self, cancel: bool = False) -> None:
        self._queued.clear()


class FakeRunner(AbstractRunner):
    """A runner of the fake kind: its executor is all it adds."""

    def _default_workers(self) -> int:
        return 2

    def _make_executor(self, plan: RunPlan) -> EveryOtherExecutor:
        return EveryOtherExecutor(plan)


@pytest.fixture
def fake_kind():
    kind = registry.register(
        registry.RunnerKind(
            name="fake",
            class_name="FakeRunner",
            runner=FakeRunner,
            model="threads",
            rank=5,
            colour="#123456",
            summary="a test kind",
        )
    )
    yield kind
    registry.unregister("fake")


def double(x):
    return 2 * x


def add(a, b):
    return a + b


def fan():
    pipe = pipeline(
        [
            node(double, "x", "a", name="left"),
            node(double, "x", "b", name="right"),
            node(add, ["a", "b"], "c", name="join"),
        ]
    )
    return pipe, DataCatalog(raw_data={"x": 3})


def test_a_fake_kind_runs_like_any_runner(fake_kind):
    pipe, catalog = fan()
    outputs = fake_kind.build(2).run(pipe, catalog)
    assert outputs["c"].load() == 12


def test_a_fake_kind_is_advised_reported_and_accepted_by_the_cli(fake_kind, tmp_path):
    from runadvisor import advise, write_report

    pipe, catalog = fan()
    rec = advise(pipe, catalog, runners=["sequential", "fake"], repeats=1, timeout=30, budget=None)
    fakes = [c for c in rec.candidates if c.kind == "fake"]
    assert fakes and fakes[0].runner == "FakeRunner"
    assert any(c.status == "ok" for c in fakes)  # measured, in a forked child
    paths = write_report(rec, tmp_path / "report", formats=("html", "md"))
    assert "FakeRunner" in paths["md"].read_text()
    assert "FakeRunner" in paths["html"].read_text()

    script = tmp_path / "pipe.py"
    script.write_text(
        "from runadvisor import DataCatalog, node, pipeline\n"
        "pipeline = pipeline([node(lambda x: x + 1, 'x', 'y', name='inc')])\n"
        "catalog = DataCatalog(raw_data={'x': 1})\n"
    )
    result = CliRunner().invoke(cli, ["run", str(script), "--runner", "fake", "--quiet"])
    assert result.exit_code == 0, result.output
    bad = CliRunner().invoke(cli, ["run", str(script), "--runner", "fak", "--quiet"])
    assert bad.exit_code == 2 and "Did you mean 'fake'?" in bad.output
