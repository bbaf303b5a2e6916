"""`runadvisor run` and `runadvisor profile` through click's runner, with their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import CHAIN

from runadvisor.console import execution, options, output
from runadvisor.profiles import RunProfile


def _one_error_line(result, code: int = 2) -> str:
    """The single 'Error: ...' line of a failed command; no traceback anywhere."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_version_and_help(invoke) -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and "runadvisor" in result.stdout
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("advise", "run", "profile", "report"):
        assert command in result.stdout
    assert "--from-nodes" in invoke("run", "--help").stdout


@pytest.mark.parametrize("runner", ["sequential", "thread", "parallel", "ThreadRunner"])
def test_run_each_runner(invoke, write_py, runner: str) -> None:
    write_py("chain.py", CHAIN)
    result = invoke("run", "chain.py", "--runner", runner, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "Ran 4 of 4 node(s) of chain" in result.stdout
    assert "Outputs: result" in result.stdout


def test_run_quiet_prints_nothing(invoke, write_py) -> None:
    write_py("chain.py", CHAIN)
    result = invoke("run", "chain.py", "--quiet")
    assert result.exit_code == 0 and result.output == ""


def test_sequential_ignores_workers_with_a_note(invoke, write_py) -> None:
    write_py("chain.py", CHAIN)
    result = invoke("run", "chain.py", "--workers", "3")
    assert result.exit_code == 0
    assert "--workers 3 is ignored" in result.stderr


def test_filters(invoke, write_py) -> None:
    write_py("chain.py", CHAIN)
    assert "Ran 2 of 2" in invoke("run", "chain.py", "--to-nodes", "b").stdout
    assert "Ran 1 of 1" in invoke("run", "chain.py", "--tags", "first").stdout
    assert "Ran 2 of 2" in invoke("run", "chain.py", "-t", "first", "-t", "branch").stdout
    assert "Ran 2 of 2" in invoke("run", "chain.py", "--nodes", "a,sq").stdout
    assert "Ran 3 of 3" in invoke("run", "chain.py", "--to-outputs", "z,s").stdout


def test_default_node_names(invoke, write_py) -> None:
    """Kedro's default names (``pair__1a2b3c4d``, ``partial(neg)__...``) select nodes."""
    write_py(
        "defaults.py",
        """
        import functools
        from runadvisor import DataCatalog, Pipeline, node

        def pair(a, b):
            return a + b

        def neg(c, scale):
            return -c * scale

        pipeline = Pipeline(
            [node(pair, ["a", "b"], "c"), node(functools.partial(neg, scale=2), "c", "d")]
        )
        catalog = DataCatalog({"a": 1, "b": 2})
        """,
    )
    from runadvisor.loading import load_target

    names = [n.name for n in load_target("defaults.py")[0].nodes]
    assert names[0].startswith("pair__") and names[1].startswith("partial(neg)__")
    result = invoke("run", "defaults.py", "--nodes", ",".join(names))
    assert result.exit_code == 0, result.output
    assert "Ran 2 of 2" in result.stdout
    # Names with commas inside brackets (Kedro 0.19's default form) stay whole too.
    assert options.split_names("f([a,b]) -> [c], g") == ["f([a,b]) -> [c]", "g"]


def test_only_missing_outputs_skips_what_exists(invoke, write_py) -> None:
    write_py(
        "files.py",
        """
        from pathlib import Path
        from runadvisor import DataCatalog, JSONDataset, MemoryDataset, Pipeline, node

        def make(n):
            return {"n": n}

        def bump(d):
            return {"n": d["n"] + 1}

        pipeline = Pipeline([node(make, "n", "first", name="make"),
                             node(bump, "first", "second", name="bump")])
        catalog = DataCatalog({"n": MemoryDataset(1),
                               "first": JSONDataset(Path.cwd() / "out" / "first.json"),
                               "second": JSONDataset(Path.cwd() / "out" / "second.json")})
        """,
    )
    assert "Ran 2 of 2" in invoke("run", "files.py").stdout
    (Path.cwd() / "out" / "second.json").unlink()
    result = invoke("run", "files.py", "--only-missing-outputs")
    assert result.exit_code == 0 and "Ran 1 of 2" in result.stdout
    assert json.loads((Path.cwd() / "out" / "second.json").read_text()) == {"n": 2}


# -- user mistakes: one line, exit 2 ------------------------------------------------


def test_missing_file(invoke) -> None:
    line = _one_error_line(invoke("run", "nope/pipeline.py"))
    assert "No such file: 'nope/pipeline.py'" in line and str(Path.cwd()) in line


def test_no_pipeline_in_file(invoke, write_py) -> None:
    write_py("empty.py", "x = 1\n")
    assert "No pipeline found in empty.py" in _one_error_line(invoke("run", "empty.py"))


def test_import_error_in_file_and_debug_traceback(invoke, write_py) -> None:
    write_py("boom.py", "raise ValueError('bad setting')\n")
    line = _one_error_line(invoke("run", "boom.py"))
    assert line == (
        "Error: importing boom.py raised ValueError: bad setting "
        "(run with --debug for the traceback)"
    )
    result = invoke("--debug", "run", "boom.py")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "ValueError: bad setting" in result.stderr
    assert result.stderr.rstrip().endswith(
        "\nError: importing boom.py raised ValueError: bad setting"
    )  # the hint to use --debug is dropped when it is on
    result = invoke("run", "boom.py", env={"RUNADVISOR_DEBUG": "1"})
    assert "Traceback" in result.stderr
    result = invoke("run", "boom.py", "--debug")  # where users type it, after the command
    assert result.exit_code == 2 and "Traceback" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--workers", "x"], "--workers: 'x' is not a positive integer"),
        (["--workers", "0"], "--workers: '0' is not a positive integer"),
        (["--runner", "turbo"], "--runner: 'turbo' is not a runner; use one of"),
        (["--runner", "nosuch.mod.Runner"], "--runner: cannot import 'nosuch.mod.Runner'"),
        (["--timeout", "-1"], "--timeout: -1 is not a positive number of seconds"),
        # As in Kedro, an unknown tag selects nothing; only an empty selection is an error.
        (["--tags", "nope"], "--tags=['nope'] selected no nodes (no node has them: 'nope'"),
        (["--from-nodes", "zz"], "--from-nodes: unknown node name(s) 'zz'"),
        (["--nodes", "a", "--tags", "branch"], "no node is selected by all of them"),
    ],
)
def test_bad_option_values(invoke, write_py, args: list[str], expected: str) -> None:
    write_py("chain.py", CHAIN)
    assert expected in _one_error_line(invoke("run", "chain.py", *args))


def test_click_usage_errors_exit_2(invoke) -> None:
    result = invoke("run")
    assert result.exit_code == 2 and "Missing argument 'TARGET'" in result.output
    result = invoke("run", "x.py", "--timeout", "soon")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_missing_pipeline_input(invoke, write_py) -> None:
    write_py(
        "noinput.py",
        "from runadvisor import Pipeline, node\n"
        "pipeline = Pipeline([node(lambda x: x, 'x', 'y', name='n')])\n",
    )
    line = _one_error_line(invoke("run", "noinput.py"))
    assert "Pipeline input(s) ['x'] not found in the catalog" in line


def test_filter_leaving_out_a_memory_producer(invoke, write_py) -> None:
    write_py("chain.py", CHAIN)
    line = _one_error_line(invoke("run", "chain.py", "--from-nodes", "b"))
    assert "leave out node(s) 'sq' (produces 's'), 'a' (produces 'y')" in line
    assert '--from-nodes "sq,a"' in line
    line = _one_error_line(invoke("run", "chain.py", "--nodes", "sq"))
    assert "'a' (produces 'y'), and 'y' live in memory only during a run" in line


def test_timeout(invoke, write_py) -> None:
    write_py(
        "slow.py",
        "import time\nfrom runadvisor import DataCatalog, Pipeline, node\n"
        "pipeline = Pipeline([node(lambda x: time.sleep(x), 'x', 'y', name='nap')])\n"
        "catalog = DataCatalog({'x': 2.0})\n",
    )
    line = _one_error_line(invoke("run", "slow.py", "--runner", "parallel", "--timeout", "0.3"))
    assert "timeout of 0.3 s" in line and "'nap'" in line


# -- the user's node fails: exit 1 with the node, the error and how to resume -------


FAILS = """
from runadvisor import DataCatalog, Pipeline, node

def a(x):
    return x + 1

def b(y):
    raise ValueError(f"cannot handle {y}")

def c(z):
    return z

pipeline = Pipeline([node(a, "x", "y", name="a"), node(b, "y", "z", name="b"),
                     node(c, "z", "w", name="c")])
catalog = DataCatalog({"x": 1})
"""


@pytest.mark.parametrize("runner", ["sequential", "thread", "parallel"])
def test_node_failure(invoke, write_py, runner: str) -> None:
    write_py("fails.py", FAILS)
    result = invoke("run", "fails.py", "--runner", runner)
    line = _one_error_line(result, code=1)
    assert line.startswith("Error: node 'b' failed under ")
    assert line.endswith(": ValueError: cannot handle 2")
    assert f'runadvisor run fails.py --runner {runner} --from-nodes "a"' in result.stderr
    assert "run with --debug for the traceback" in result.stderr
    assert "resume from" not in result.stderr  # the engine's warning is not repeated


def test_node_failure_with_debug_shows_the_traceback(invoke, write_py) -> None:
    write_py("fails.py", FAILS)
    result = invoke("--debug", "run", "fails.py")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and 'raise ValueError(f"cannot handle {y}")' in (
        result.stderr
    )
    assert "Error: node 'b' failed" in result.stderr


def test_keyboard_interrupt_exits_130(invoke, write_py) -> None:
    write_py(
        "interrupt.py",
        "from runadvisor import DataCatalog, Pipeline, node\n"
        "def stop(x):\n    raise KeyboardInterrupt\n"
        "pipeline = Pipeline([node(stop, 'x', 'y', name='stop')])\n"
        "catalog = DataCatalog({'x': 1})\n",
    )
    result = invoke("run", "interrupt.py")
    assert result.exit_code == 130 and "Interrupted" in result.stderr


def test_unexpected_error_says_bug(invoke, write_py, monkeypatch) -> None:
    write_py("chain.py", CHAIN)

    def broken(*args, **kwargs):
        raise RuntimeError("oops")

    monkeypatch.setattr(execution, "make_runner", broken)
    line = _one_error_line(invoke("run", "chain.py"), code=1)
    assert "unexpected RuntimeError: oops" in line and "bug" in line


# -- profile ---------------------------------------------------------------------------


def test_profile_saves_a_loadable_profile(invoke, write_py) -> None:
    write_py("chain.py", CHAIN)
    result = invoke("profile", "chain.py", "--runner", "thread", "--out", "p/run.json")
    assert result.exit_code == 0, result.output
    profile = RunProfile.load(Path.cwd() / "p" / "run.json")
    assert profile.runner == "ThreadRunner" and len(profile.nodes) == 4
    assert "4 node(s), slowest first" in result.stdout and "saved p/run.json" in result.stdout


def test_profile_default_and_folder_paths(invoke, write_py) -> None:
    write_py("chain.py", CHAIN)
    assert invoke("profile", "chain.py", "-q").exit_code == 0
    saved = list((Path.cwd() / "profiles").glob("chain-*-SequentialRunner.json"))
    assert len(saved) == 1
    assert invoke("profile", "chain.py", "-q", "--out", "folder", "--output-bytes").exit_code == 0
    (saved,) = (Path.cwd() / "folder").glob("chain-*.json")
    assert any(r.out_bytes is not None for r in RunProfile.load(saved).nodes)


def test_profile_of_a_failing_run_keeps_the_partial_profile(invoke, write_py) -> None:
    write_py("fails.py", FAILS)
    result = invoke("profile", "fails.py", "--out", "partial.json")
    assert result.exit_code == 1
    assert "partial profile of the failed run is in partial.json" in result.stderr
    profile = RunProfile.load(Path.cwd() / "partial.json")
    assert profile.error and "cannot handle 2" in profile.error


def test_node_progress_counts_events() -> None:
    from types import SimpleNamespace

    progress = output.progress_bar(quiet=True)
    observer = output.NodeProgress(progress, total=3, label="x")
    observer(SimpleNamespace(node="a", error=None))
    observer(SimpleNamespace(node="b", error="ValueError: no"))
    assert observer.done == 2 and observer.failed == ["b"]
    observer.finish()
    assert progress.tasks[0].completed == 3


# -- option parsing -------------------------------------------------------------------


def test_parse_memory() -> None:
    assert options.parse_memory("4GB") == 4 * 1000**3
    assert options.parse_memory("512MiB") == 512 * 1024**2
    assert options.parse_memory("1.5G") == int(1.5 * 1024**3)
    assert options.parse_memory("1000") == 1000
    assert options.parse_memory(None) is None
    for bad in ("lots", "4XB", "0", "-1GB"):
        with pytest.raises(options.OptionError, match=r"--memory-limit: .* is not a memory size"):
            options.parse_memory(bad)


def test_parse_workers_and_choices() -> None:
    assert options.parse_workers("4,1,2,2") == [1, 2, 4]
    with pytest.raises(options.OptionError, match="give a comma-separated list like 1,2,4"):
        options.parse_workers("1,x")
    with pytest.raises(options.OptionError, match="empty list"):
        options.parse_workers(",")
    runners = ("sequential", "thread", "parallel")
    chosen = options.parse_choices("Thread, parallel,thread", "--runners", runners)
    assert chosen == ["thread", "parallel"]
    with pytest.raises(options.OptionError, match="--format: 'pdf' is not one of html, md"):
        options.parse_choices("html,pdf", "--format", ("html", "md", "json"))
