"""RunProfile as data: JSON round trip, clear errors, DataFrame, DAG, Chrome trace."""

from __future__ import annotations

import json
import sys

import pytest

from runadvisor.exceptions import RunAdvisorError
from runadvisor.profiles import (
    FRAME_COLUMNS,
    SCHEMA_VERSION,
    Machine,
    NodeRecord,
    ProfileError,
    RunProfile,
    Samples,
    collect_machine,
)


def make_profile() -> RunProfile:
    nodes = [
        NodeRecord(
            "a",
            0.0,
            0.5,
            0.1,
            10,
            11,
            tags=["io"],
            outputs=["x"],
            gil_held=0.05,
            rss_start=100,
            peak_rss=300,
            peak_rss_delta=200,
            peak_source="hwm",
            out_bytes=42,
            out_bytes_by_output={"x": 42},
        ),
        NodeRecord("b", 0.5, 1.0, 0.5, 10, 11, inputs=["x"], outputs=["y"]),
        NodeRecord("c", 0.5, 0.7, 0.0, 12, 13, inputs=["x"], error="ValueError: boom"),
    ]
    return RunProfile(
        runner="ThreadRunner",
        max_workers=2,
        wall=1.1,
        nodes=nodes,
        machine=collect_machine(),
        edges=[("a", "b"), ("a", "c"), ("b", "d")],
        samples=Samples([0.0, 0.5], [1000, 2000], [None, 900], [0.0, 150.0], [1, 3]),
        started_at="2024-05-01T12:00:00.000001+00:00",
        settings={"measure_output_bytes": True},
    )


def test_node_record_derived_times():
    r = NodeRecord("n", 1.0, 1.5, 0.6, 1, 1)
    assert r.wall == pytest.approx(0.5)
    assert r.noncpu == 0.0  # cpu can exceed wall by clock granularity; never negative
    assert NodeRecord("n", 0.0, 1.0, 0.25, 1, 1).noncpu == pytest.approx(0.75)


def test_json_round_trip(tmp_path):
    profile = make_profile()
    path = profile.save(tmp_path / "run.json")
    loaded = RunProfile.load(path)
    assert loaded == profile
    data = json.loads(path.read_text())
    assert data["schema"] == "runadvisor.profile" and data["version"] == SCHEMA_VERSION


def test_save_defaults_to_profiles_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = make_profile().save()
    assert path.parent.name == "profiles"
    assert path.name == "20240501T120000.000001Z-ThreadRunner.json"
    folder_path = make_profile().save(tmp_path)  # an existing folder
    assert folder_path.parent == tmp_path
    assert RunProfile.load(folder_path).runner == "ThreadRunner"


@pytest.mark.parametrize(
    "text, match",
    [
        (
            '{"schema": "runadvisor.profile", "version": 1, "runn',
            r"truncated JSON.*line 1 column",
        ),
        ("not json at all", r"not valid JSON.*line 1 column 1"),
        ('{"some": "other json"}', "not a runadvisor profile"),
        ("[1, 2]", "not a runadvisor profile"),
        ('{"schema": "runadvisor.profile", "version": 1}', "malformed profile: missing field"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path, text, match):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ProfileError, match=match) as info:
        RunProfile.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, RunAdvisorError)


def test_truncated_real_profile(tmp_path):
    path = make_profile().save(tmp_path / "run.json")
    path.write_text(path.read_text()[:200])
    with pytest.raises(ProfileError, match=r"truncated JSON|not valid JSON"):
        RunProfile.load(path)


def test_other_version_names_found_and_expected(tmp_path):
    data = make_profile().to_dict()
    data["version"] = 99
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileError, match=r"version 99.*reads version 1") as info:
        RunProfile.load(path)
    assert "future.json" in str(info.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(ProfileError, match="no such file"):
        RunProfile.load(tmp_path / "nope.json")
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ProfileError, match="not UTF-8"):
        RunProfile.load(binary)


def test_to_frame():
    frame = make_profile().to_frame()
    assert list(frame.columns) == FRAME_COLUMNS
    assert len(frame) == 3
    a = frame.set_index("name").loc["a"]
    assert a["tags"] == ("io",)
    assert a["wall"] == pytest.approx(0.5) and a["noncpu"] == pytest.approx(0.4)
    assert a["peak_rss_delta"] == 200 and a["out_bytes"] == 42
    assert frame.set_index("name").loc["c", "error"] == "ValueError: boom"
    assert frame["gil_held"].isna().sum() == 2


def test_empty_profile_frame_has_columns():
    profile = RunProfile("SequentialRunner", None, 0.0, [], collect_machine())
    frame = profile.to_frame()
    assert list(frame.columns) == FRAME_COLUMNS and frame.empty


def test_pandas_only_loaded_by_to_frame():
    import subprocess

    code = (
        "import sys, runadvisor.profiles as p; "
        "assert 'pandas' not in sys.modules, 'pandas imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_dependencies_only_among_recorded_nodes():
    deps = make_profile().dependencies()
    assert deps == {"a": [], "b": ["a"], "c": ["a"]}  # "d" never ran


def test_node_lookup():
    profile = make_profile()
    assert profile.node("b").inputs == ["x"]
    with pytest.raises(KeyError):
        profile.node("zzz")
    assert profile.total_cpu == pytest.approx(0.6)


def test_chrome_trace(tmp_path):
    path = make_profile().to_chrome_trace(tmp_path / "trace.json")
    trace = json.loads(path.read_text())
    spans = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert {e["name"] for e in spans} == {"a", "b", "c"}
    a = next(e for e in spans if e["name"] == "a")
    assert a["ts"] == 0 and a["dur"] == pytest.approx(500_000)
    assert a["args"]["gil_held_s"] == 0.05 and a["pid"] == 10 and a["tid"] == 11
    lanes = {(e["pid"], e.get("tid")) for e in trace["traceEvents"] if e["name"] == "thread_name"}
    assert lanes == {(10, 11), (12, 13)}
    assert any(e["ph"] == "C" for e in trace["traceEvents"])


def test_machine_facts():
    machine = collect_machine()
    assert machine.cores >= 1 and machine.total_memory > machine.available_memory > 0
    assert machine.python_version.count(".") == 2
    assert isinstance(machine.gil_enabled, bool)
    assert Machine.from_dict({**machine.to_dict(), "future_field": 1}) == machine
