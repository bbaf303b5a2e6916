"""Project pipelines."""

from __future__ import annotations

from kedro.pipeline import Pipeline

from bike_trips.pipelines import data_processing, reporting


def register_pipelines() -> dict[str, Pipeline]:
    """The two pipelines, and both together as the default."""
    processing = data_processing.create_pipeline()
    reports = reporting.create_pipeline()
    return {
        "data_processing": processing,
        "reporting": reports,
        "__default__": processing + reports,
    }
