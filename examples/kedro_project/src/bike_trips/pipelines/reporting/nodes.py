"""Summaries of the station features and the trips, for people to read."""

from __future__ import annotations

import pandas as pd


def station_ranking(features: pd.DataFrame, report: dict) -> pd.DataFrame:
    """The stations with the longest trips first, top ``report.top`` of them."""
    column = "duration_s__square"
    ranked = features.sort_values(column, ascending=False).head(report["top"])
    return ranked[["start_station", "name", "capacity", column]].reset_index(drop=True)


def hourly_trips(trips: pd.DataFrame) -> pd.DataFrame:
    """Trips and mean duration per hour of the day."""
    hours = trips.assign(hour=pd.to_datetime(trips["started_at"]).dt.hour)
    table = hours.groupby("hour").agg(trips=("trip_id", "count"), mean_s=("duration_s", "mean"))
    return table.reset_index()


def rider_mix(trips: pd.DataFrame) -> pd.DataFrame:
    """Trips per kind of rider."""
    return trips.groupby("rider").size().rename("trips").reset_index()


def summary(ranking: pd.DataFrame, hourly: pd.DataFrame, riders: pd.DataFrame) -> pd.DataFrame:
    """A one-table summary: the busiest hour, the top station, trips per rider kind."""
    busiest = hourly.sort_values("trips", ascending=False).iloc[0]
    rows = [
        ("busiest_hour", str(int(busiest["hour"]))),
        ("top_station", str(ranking.iloc[0]["name"]) if len(ranking) else ""),
    ]
    rows += [(f"trips_{r.rider}", str(int(r.trips))) for r in riders.itertuples()]
    return pd.DataFrame(rows, columns=["metric", "value"])
