"""The machine probe and its cache."""

from __future__ import annotations

import json

import pytest

from runadvisor.advisor import MachineCosts, calibrate
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
    assert 0 < costs.probe_seconds < 5
    assert "GB/s" in costs.summary()


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
