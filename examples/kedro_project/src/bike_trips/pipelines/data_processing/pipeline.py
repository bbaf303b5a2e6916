"""data_processing: raw CSV and Parquet in, a Parquet table of station features out."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    assemble_features,
    clean_stations,
    clean_trips,
    distance_feature,
    duration_feature,
    hour_feature,
    join_trips,
    member_feature,
)

FEATURES = {
    "duration": duration_feature,
    "distance": distance_feature,
    "member": member_feature,
    "hour": hour_feature,
}


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(clean_trips, "trips_raw", "trips_clean", name="clean_trips"),
            Node(clean_stations, "stations_raw", "stations_clean", name="clean_stations"),
            Node(join_trips, ["trips_clean", "stations_clean"], "trips_joined", name="join_trips"),
            *(
                Node(
                    func,
                    ["trips_joined", "params:features"],
                    f"{key}_feature",
                    name=f"{key}_feature",
                    tags=["features"],
                )
                for key, func in FEATURES.items()
            ),
            Node(
                assemble_features,
                ["stations_clean", *(f"{key}_feature" for key in FEATURES)],
                "station_features",
                name="assemble_features",
            ),
        ]
    )
