"""`runadvisor advise` and `runadvisor report` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Four 50 ms waits and a merge: quick to measure, and threads clearly win.
SLEEPY = """
import time
from runadvisor import DataCatalog, MemoryDataset, Pipeline, node

def wait(x):
    time.sleep(0.05)
    return x

def merge(*xs):
    return sum(xs)

pipeline = Pipeline(
    [node(wait, f"in_{i}", f"out_{i}", name=f"wait_{i}") for i in range(4)]
    + [node(merge, [f"out_{i}" for i in range(4)], "total", name="merge")]
)
catalog = DataCatalog({f"in_{i}": MemoryDataset(i) for i in range(4)})
"""


@pytest.fixture
def sleepy(write_py) -> Path:
    return write_py("sleepy.py", SLEEPY)


@pytest.fixture(scope="module")
def advice_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One measured advise run, shared by the tests that only read its output."""
    from click.testing import CliRunner

    from runadvisor.cli import cli

    folder = tmp_path_factory.mktemp("advice")
    (folder / "sleepy.py").write_text(SLEEPY)
    args = ["advise", str(folder / "sleepy.py"), "--repeats", "1", "--runners"]
    args += ["sequential,thread", "--workers", "4", "--out", str(folder / "out")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (folder / "stdout.txt").write_text(result.stdout)
    return folder / "out" / "report.json"


def test_advise_measures_and_recommends(advice_json: Path) -> None:
    stdout = (advice_json.parent.parent / "stdout.txt").read_text()
    assert "Candidates" in stdout
    assert "Recommendation: ThreadRunner(max_workers=4)" in stdout
    assert "  • " in stdout  # the reasons, one per line
    for kind in ("html", "md", "json"):
        assert f"Report ({kind}): " in stdout
        assert (advice_json.parent / f"report.{kind}").is_file()
    data = json.loads(advice_json.read_text())
    assert data["runner"] == "ThreadRunner" and data["max_workers"] == 4


def test_predict_only_with_one_format(invoke, sleepy) -> None:
    result = invoke("advise", "sleepy.py", "--predict-only", "--format", "md", "--out", "o")
    assert result.exit_code == 0, result.output
    assert "(predicted, confidence" in result.stdout
    assert sorted(p.name for p in (Path.cwd() / "o").glob("report.*")) == ["report.md"]


def test_json_prints_only_json_and_writes_no_reports(invoke, sleepy) -> None:
    result = invoke("advise", "sleepy.py", "--predict-only", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["runner"] == "ThreadRunner" and data["predict_only"] is True
    assert not (Path.cwd() / "reports").exists()
    result = invoke("advise", "sleepy.py", "--predict-only", "--json", "--out", "kept")
    assert json.loads(result.stdout)["runner"] == "ThreadRunner"
    assert (Path.cwd() / "kept" / "report.json").is_file()


def test_quiet_writes_to_the_default_folder(invoke, sleepy) -> None:
    result = invoke("advise", "sleepy.py", "--predict-only", "--quiet")
    assert result.exit_code == 0 and result.stdout == ""
    (folder,) = (Path.cwd() / "reports").iterdir()
    assert folder.name.startswith("sleepy-") and len(folder.name) == len("sleepy-20250101-120000")
    assert (folder / "report.html").is_file()


def test_progress_callback_is_given(invoke, sleepy, monkeypatch) -> None:
    import runadvisor.advisor as advisor

    seen: list[tuple[int, int, str]] = []
    real = advisor.advise

    def spy(*args, **kwargs):
        progress = kwargs["progress"]

        def record(done, total, label=""):
            seen.append((done, total, label))
            progress(done, total, label)

        return real(*args, **{**kwargs, "progress": record})

    monkeypatch.setattr(advisor, "advise", spy)
    assert invoke("advise", "sleepy.py", "--predict-only", "-q").exit_code == 0
    assert seen and seen[0][:2] == (0, 1) and "profiling" in seen[0][2]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--workers", "1,x"], "--workers: 'x' is not a positive integer; give a comma-separated"),
        (["--runners", "thread,gpu"], "--runners: 'gpu' is not one of sequential, thread"),
        (["--memory-limit", "lots"], "--memory-limit: 'lots' is not a memory size"),
        (["--format", "html,pdf"], "--format: 'pdf' is not one of html, md, json"),
        (["--repeats", "0"], "--repeats: '0' is not a positive integer"),
        (["--timeout", "0"], "--timeout: 0 is not a positive number of seconds"),
    ],
)
def test_bad_option_values(invoke, sleepy, args: list[str], expected: str) -> None:
    result = invoke("advise", "sleepy.py", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[0].startswith(f"Error: {expected}")


def test_missing_target_and_missing_inputs(invoke, write_py) -> None:
    result = invoke("advise", "gone.py")
    assert result.exit_code == 2 and result.stderr.startswith("Error: No such file: 'gone.py'")
    write_py(
        "noinput.py",
        "from runadvisor import Pipeline, node\n"
        "pipeline = Pipeline([node(lambda x: x, 'x', 'y', name='n')])\n",
    )
    result = invoke("advise", "noinput.py", "--predict-only")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Pipeline input(s) ['x'] not found in the catalog" in result.stderr


def test_failing_pipeline(invoke, write_py) -> None:
    write_py(
        "fails.py",
        "from runadvisor import DataCatalog, Pipeline, node\n"
        "def bad(x):\n    raise ValueError('no good')\n"
        "pipeline = Pipeline([node(bad, 'x', 'y', name='bad')])\n"
        "catalog = DataCatalog({'x': 1})\n",
    )
    result = invoke("advise", "fails.py", "--predict-only")
    assert result.exit_code == 1, result.output
    assert "Error: node 'bad' failed under SequentialRunner: ValueError: no good" in result.stderr
    assert "Traceback" not in result.output


# -- report -----------------------------------------------------------------------------


def test_report_from_saved_advice(invoke, advice_json: Path) -> None:
    result = invoke("report", str(advice_json), "--out", "again", "--format", "html,json")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (Path.cwd() / "again").glob("report.*")) == [
        "report.html",
        "report.json",
    ]
    assert "Report (html): again/report.html" in result.stdout


def test_report_from_profiles_and_advice(invoke, write_py, advice_json: Path) -> None:
    write_py("sleepy.py", SLEEPY)
    for runner in ("sequential", "thread"):
        out = f"p/{runner}.json"
        assert invoke("profile", "sleepy.py", "-r", runner, "-q", "--out", out).exit_code == 0
    result = invoke("report", "p/sequential.json", "p/thread.json", "--out", "profiles-only")
    assert result.exit_code == 0, result.output
    assert (Path.cwd() / "profiles-only" / "report.html").is_file()
    result = invoke("report", str(advice_json), "p/thread.json", "--out", "both", "-q")
    assert result.exit_code == 0 and result.stdout == ""
    assert (Path.cwd() / "both" / "report.html").is_file()
    assert (Path.cwd() / "both" / "profiles" / "report.html").is_file()


def test_report_mistakes(invoke, write_py) -> None:
    result = invoke("report", "nothing.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: No such file: 'nothing.json'")
    write_py("bad.json", "{not json")
    result = invoke("report", "bad.json")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("Error: bad.json: ")
    result = invoke("report")
    assert result.exit_code == 2 and "Missing argument" in result.output


def test_advise_from_a_saved_profile_runs_nothing(invoke, sleepy) -> None:
    profiled = invoke("profile", "sleepy.py", "--out", "run.json", "--quiet")
    assert profiled.exit_code == 0, profiled.output
    sleepy.unlink()  # the pipeline is gone: only the profile is left to advise on
    result = invoke("advise", "--from-profile", "run.json", "--json")
    assert result.exit_code == 0, result.output
    advice = json.loads(result.stdout)
    assert advice["kind"] == "thread" and advice["predict_only"]
    assert advice["source"] == "run.json" and advice["lacks"]


def test_advise_needs_a_target_or_a_profile_but_not_both(invoke, sleepy) -> None:
    neither = invoke("advise")
    assert neither.exit_code == 2 and "--from-profile" in neither.stderr
    both = invoke("advise", "sleepy.py", "--from-profile", "run.json")
    assert both.exit_code == 2 and "not both" in both.stderr
    missing = invoke("advise", "--from-profile", "nothing.json")
    assert missing.exit_code == 2 and "Traceback" not in missing.output
