"""Cleaning and joining raw trips, then per-station features.

The four ``*_feature`` nodes are independent and do pure-Python work (they
hold the GIL): the part of the pipeline a runner can run in parallel.
``params:features.rounds`` sets how much work each does, and
``params:features.io_wait`` how many seconds each first waits for a (simulated)
remote lookup, which turns them from CPU-bound into I/O-bound nodes.
"""

from __future__ import annotations

import time

import pandas as pd


def clean_trips(trips: pd.DataFrame) -> pd.DataFrame:
    """Drop trips with no end station or a non-positive duration; parse times."""
    trips = trips.dropna(subset=["end_station"]).copy()
    trips = trips[trips["duration_s"] > 0]
    trips["started_at"] = pd.to_datetime(trips["started_at"])
    trips["end_station"] = trips["end_station"].astype("int64")
    return trips


def clean_stations(stations: pd.DataFrame) -> pd.DataFrame:
    """Keep open stations, one row per id."""
    stations = stations[stations["open"]].drop_duplicates("station_id")
    return stations[["station_id", "name", "capacity"]]


def join_trips(trips: pd.DataFrame, stations: pd.DataFrame) -> pd.DataFrame:
    """Trips with their start station's name and capacity."""
    joined = trips.merge(
        stations.rename(columns={"station_id": "start_station"}), on="start_station", how="inner"
    )
    return joined.sort_values("started_at").reset_index(drop=True)


def _per_station(trips: pd.DataFrame, value: str, features: dict, score) -> pd.DataFrame:
    time.sleep(float(features.get("io_wait", 0.0)))  # a lookup elsewhere: no CPU, no GIL
    rounds = int(features["rounds"])
    groups = trips.groupby("start_station")[value].apply(list)
    rows = []
    for station, values in groups.items():
        total = 0.0
        for _ in range(rounds):
            for v in values:
                total += score(float(v))
        rows.append((station, total / max(1, rounds * len(values))))
    return pd.DataFrame(rows, columns=["start_station", value + "_" + score.__name__])


def _square(v: float) -> float:
    return v * v


def _damped(v: float) -> float:
    return v / (1.0 + abs(v))


def duration_feature(trips: pd.DataFrame, features: dict) -> pd.DataFrame:
    """Mean squared trip duration per start station."""
    return _per_station(trips, "duration_s", features, _square)


def distance_feature(trips: pd.DataFrame, features: dict) -> pd.DataFrame:
    """Mean damped distance per start station."""
    return _per_station(trips, "distance_km", features, _damped)


def member_feature(trips: pd.DataFrame, features: dict) -> pd.DataFrame:
    """Share of member trips per start station."""
    trips = trips.assign(member=(trips["rider"] == "member").astype(float))
    return _per_station(trips, "member", features, _damped)


def hour_feature(trips: pd.DataFrame, features: dict) -> pd.DataFrame:
    """Mean squared start hour per start station."""
    trips = trips.assign(hour=trips["started_at"].dt.hour.astype(float))
    return _per_station(trips, "hour", features, _square)


def assemble_features(stations: pd.DataFrame, *features: pd.DataFrame) -> pd.DataFrame:
    """One row per station with every feature."""
    table = stations.rename(columns={"station_id": "start_station"})
    for frame in features:
        table = table.merge(frame, on="start_station", how="left")
    return table.fillna(0.0).sort_values("start_station").reset_index(drop=True)
