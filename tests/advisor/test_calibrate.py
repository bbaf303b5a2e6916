"""The machine probe and its cache."""

from __future__ import annotations

import json

import pytest

from runadvisor.advisor import MachineCosts, NodeCost, calibrate, simulate
from runadvisor.advisor.calibrate import CACHE_ENV, _read_cache, cache_path, machine_key


def test_calibration_is_measured_once_then_cached(calibration_cache):
    costs = calibrate()
    assert costs.source in ("probe", "cache")
    path = cache_path()
    assert path.parent == calibration_cache
    assert path.name.startswith("calibration-") and path.name.endswith(f"-{costs.cores}.json")
    assert calibrate().source == "cache"
    assert costs.key == machine_key()
    # plausible figures
    assert 0 < costs.seq_per_node < 1e-3
    assert 0 < costs.thread_handoff < 5e-3
    assert 0 < costs.process_round_trip < 0.05
    assert 0 < costs.process_start < 1.0
    assert 1e7 <= costs.pipe_rate <= 1e11 and 1e7 <= costs.shm_rate <= 1e11
    assert costs.memory_rate > 0 and 1.0 <= costs.memory_scaling <= costs.cores
    assert 0.05 <= costs.probe_share <= 1.0
    assert 0 < costs.probe_seconds < 5
    assert "GB/s" in costs.summary()
    # every start method here, measured: a fresh interpreter costs more than a fork
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    # the probe's child has no other thread: its own method (fork where there is one)
    # always runs; a method that cannot run there is left out, never guessed
    own = "fork" if "fork" in methods else methods[0]
    assert own in costs.start_costs and set(costs.start_costs) <= set(methods)
    assert all(v > 0 for v in costs.start_costs.values())
    if {"fork", "spawn"} <= set(costs.start_costs):
        assert costs.start_costs["spawn"] > costs.start_costs["fork"]


def test_a_cache_from_another_machine_is_ignored(calibration_cache):
    calibrate()
    path = cache_path()
    data = json.loads(path.read_text())
    assert _read_cache(path, machine_key()) is not None
    data["key"] = {**data["key"], "host": "elsewhere"}
    path.write_text(json.dumps(data))
    assert _read_cache(path, machine_key()) is None
    path.write_text("{ truncated")
    assert _read_cache(path, machine_key()) is None
    assert calibrate().source == "probe"  # and the cache is rewritten
    assert _read_cache(path, machine_key()) is not None


def test_the_cache_can_be_turned_off_or_moved(monkeypatch, tmp_path_factory):
    monkeypatch.setenv(CACHE_ENV, "")
    assert cache_path() is None
    folder = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.setenv(CACHE_ENV, str(folder))
    assert cache_path().parent == folder
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    assert cache_path().parent == folder / "runadvisor"


def test_costs_round_trip_and_transfer_time():
    costs = MachineCosts(pipe_rate=1e9, shm_rate=2e9)
    assert costs.transfer_time(1e9, 2e9) == pytest.approx(2.0)
    assert MachineCosts.from_dict({**costs.to_dict(), "unknown": 1}) == costs


def test_figures_from_a_busy_machine_are_scaled_to_a_quiet_ones():
    from runadvisor.advisor.cost_probe import quiet_equivalent

    measured = {
        "seq_per_node": 40e-6,
        "run_overhead": 2e-3,
        "thread_handoff": 60e-6,
        "process_start": 10e-3,
        "process_per_worker": 4e-3,
        "process_round_trip": 400e-6,
        "pipe_rate": 5e8,
        "shm_rate": 1e9,
        "cores": 2,
    }
    quiet = quiet_equivalent(measured, 0.5)  # the probe got half a core: all took twice as long
    assert quiet["seq_per_node"] == pytest.approx(20e-6)
    assert quiet["process_start"] == pytest.approx(5e-3)
    assert quiet["pipe_rate"] == pytest.approx(5e8)  # moving buffers is not one thread's CPU
    assert quiet["cores"] == 2 and quiet["probe_share"] == 0.5
    assert quiet_equivalent(measured, 1.0)["thread_handoff"] == pytest.approx(60e-6)
    # floors hold: a hand-off is never free
    assert quiet_equivalent({**measured, "thread_handoff": 1e-6}, 0.5)["thread_handoff"] >= 5e-6


def test_the_cache_file_names_its_version(monkeypatch, tmp_path_factory):
    from runadvisor.advisor.calibrate import CACHE_VERSION

    monkeypatch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("cache")))
    assert f"-v{CACHE_VERSION}-" in cache_path().name


def test_start_costs_follow_the_start_method_the_workers_use():
    costs = MachineCosts(
        process_start=0.010,
        process_per_worker=0.008,
        start_method="fork",
        start_costs={"fork": 0.008, "forkserver": 0.030, "spawn": 0.300},
    )
    assert costs.for_start_method("fork") is costs
    assert costs.for_start_method(None) is costs
    assert costs.for_start_method("unknown") is costs  # not measured: kept
    spawn = costs.for_start_method("spawn")
    assert spawn.start_method == "spawn"
    assert spawn.process_start == pytest.approx(0.302)
    assert spawn.process_per_worker == costs.process_per_worker  # they boot alongside
    assert spawn.process_round_trip == costs.process_round_trip
    nodes = [NodeCost(f"n{i}", 0.1, cpu=0.1, gil=0.1) for i in range(4)]
    by_method = {
        m: simulate(nodes, "parallel", 2, costs.for_start_method(m)) for m in costs.start_costs
    }
    assert by_method["fork"] < by_method["forkserver"] < by_method["spawn"]
    assert by_method["spawn"] - by_method["fork"] == pytest.approx(0.300 - 0.008)
