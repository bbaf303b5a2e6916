"""Progress as people see it: a total that never goes down, a time left, and plain lines
in logs and pipes."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from runadvisor.console import output
from runadvisor.console.output import NodeProgress, ProgressDisplay, ProgressTask

ROOT = Path(__file__).resolve().parents[2]
COUNT = re.compile(r"\[(\d+)/(\d+)\]")


def lines_display(interval: float = 1.0) -> tuple[ProgressDisplay, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    return ProgressDisplay("lines", console, interval=interval), buffer


def test_a_total_that_shrinks_is_shown_as_work_done():
    """The advisor once reported 19, then 17, then 23: the bar must not jump down."""
    task = ProgressTask("advise")
    shown = []
    for done, total in [(0, 1), (1, 1), (1, 19), (3, 19), (4, 17), (6, 17), (7, 23), (23, 23)]:
        task.report(done, total)
        shown.append((task.completed, task.total))
    totals = [t for _, t in shown]
    assert totals == sorted(totals)  # never down
    assert [c for c, _ in shown] == sorted(c for c, _ in shown)
    assert shown[-1][0] == shown[-1][1]  # and it ends full
    assert shown[4] == (6, 19)  # the two runs cut count as done


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(-5, 10)),  # (more done, change of total)
        min_size=1,
        max_size=30,
    )
)
def test_shown_progress_is_monotonic_whatever_the_producer_says(steps):
    task = ProgressTask("x")
    done, total = 0, 1
    last = (0, 0)
    for more, change in steps:
        done += more
        total = max(done, total + change)
        task.report(done, total)
        assert task.completed <= task.total
        assert task.completed >= last[0] and task.total >= last[1]
        last = (task.completed, task.total)


def test_time_left_is_the_pace_so_far_times_the_work_left():
    task = ProgressTask("x", started=100.0)
    task.report(0, 6)
    assert task.left(now=101.0) is None  # nothing done: no guess
    task.report(2, 6)
    assert task.left(now=110.0) == pytest.approx(20.0)
    line = task.line(now=110.0)
    assert "[2/6]" in line and "10.0 s elapsed" in line and "about 20.0 s left" in line


def test_lines_say_when_the_plan_grows():
    display, buffer = lines_display()
    task = display.add_task("mixed_etl: advise")
    display.update(task, 0, 1, "profiling one sequential run")
    display.update(task, 1, 19, "profiled")
    display.update(task, 2, 19, "ThreadRunner(2) run 1/3: 1.20 s")
    display.finish(task)
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 4
    assert (
        lines[1].startswith("mixed_etl: advise [1/19] profiled")
        and "19 planned now (+18)" in lines[1]
    )
    assert "ThreadRunner(2) run 1/3: 1.20 s" in lines[2] and "left" in lines[2]
    assert COUNT.search(lines[-1]).groups() == ("19", "19")


def test_long_tasks_print_at_most_one_line_per_interval_but_always_the_last():
    display, buffer = lines_display(interval=3600.0)
    observer = NodeProgress(display, total=500, label="big: SequentialRunner")
    for i in range(500):
        observer(SimpleNamespace(node=f"n{i}", error=None))
    observer.finish()
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 2  # the first and the last
    assert "[500/500] n499 done" in lines[-1]


def test_short_tasks_print_every_step():
    display, buffer = lines_display(interval=3600.0)
    observer = NodeProgress(display, total=3, label="small: ThreadRunner")
    for name, error in (("a", None), ("b", "ValueError: no"), ("c", None)):
        observer(SimpleNamespace(node=name, error=error))
    observer.finish()
    lines = buffer.getvalue().splitlines()
    assert [COUNT.search(line).group(1) for line in lines] == ["1", "2", "3"]
    assert "b failed" in lines[1] and observer.failed == ["b"]


def test_quiet_prints_nothing_but_still_counts():
    display = output.progress_bar(quiet=True)
    assert display.mode == "off"
    observer = NodeProgress(display, total=3, label="x")
    observer(SimpleNamespace(node="a", error=None))
    observer.finish()
    assert display.tasks[0].completed == 3


def test_progress_is_lines_unless_both_streams_are_terminals(monkeypatch):
    assert output.progress_mode(quiet=True) == "off"
    assert output.progress_mode(quiet=False) == "lines"  # pytest captures both streams
    monkeypatch.setattr(output, "err_console", lambda: SimpleNamespace(is_terminal=True))
    monkeypatch.setattr(output, "out_console", lambda: SimpleNamespace(is_terminal=False))
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert output.progress_mode(quiet=False) == "lines"  # `runadvisor ... | cat`
    monkeypatch.setattr(output, "out_console", lambda: SimpleNamespace(is_terminal=True))
    assert output.progress_mode(quiet=False) == "bar"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUNADVISOR_EXAMPLE_DATA": str(cwd / "data")}
    env.pop("RUNADVISOR_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "runadvisor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,  # stdout and stderr are pipes, as in CI or `| cat`
        text=True,
        timeout=300,
    )


def test_run_in_a_pipe_prints_progress_lines(tmp_path):
    result = _cli(
        "run", str(ROOT / "examples/io_fetch/pipeline.py"), "--runner", "thread", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    counts = [tuple(map(int, COUNT.search(line).groups())) for line in result.stderr.splitlines()]
    assert counts[-1] == (9, 9) and len(counts) == 9
    assert "Ran 9 of 9 node(s)" in result.stdout  # results stay on stdout


@pytest.mark.slow
def test_advise_in_a_pipe_prints_progress_whose_total_never_goes_down(tmp_path):
    result = _cli(
        "advise",
        str(ROOT / "examples/io_fetch/pipeline.py"),
        "--repeats",
        "2",
        "--out",
        str(tmp_path / "advice"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    counts = [tuple(map(int, m.groups())) for m in COUNT.finditer(result.stderr)]
    assert len(counts) >= 3
    totals = [total for _, total in counts]
    assert totals == sorted(totals)
    assert counts[-1][0] == counts[-1][1]
    assert "elapsed" in result.stderr and "left" in result.stderr
