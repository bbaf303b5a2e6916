"""reporting: reads what data_processing saved, writes CSV reports (one of them versioned)."""

from kedro.pipeline import Node, Pipeline

from .nodes import hourly_trips, rider_mix, station_ranking, summary


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                station_ranking,
                ["station_features", "params:report"],
                "station_ranking",
                name="station_ranking",
            ),
            Node(hourly_trips, "trips_joined", "hourly_trips", name="hourly_trips"),
            Node(rider_mix, "trips_joined", "rider_mix", name="rider_mix"),
            Node(
                summary,
                ["station_ranking", "hourly_trips", "rider_mix"],
                "summary",
                name="summary",
            ),
        ]
    )
