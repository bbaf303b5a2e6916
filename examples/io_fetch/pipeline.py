"""An I/O-bound pipeline: fetch eight "remote" sources, then merge them.

Each fetch waits 0.2 s (standing in for a network call, which releases the GIL)
and returns deterministic fake readings, so threads overlap the waits and
finish about eight times sooner than one after another. Try it:

    runadvisor advise examples/io_fetch/pipeline.py
    runadvisor run examples/io_fetch/pipeline.py --runner thread --workers 8

To use it with Kedro, change only the imports (kedro.pipeline, kedro.io).
"""

from __future__ import annotations

import time
import zlib

from runadvisor import DataCatalog, MemoryDataset, Pipeline, node

CITIES = ["amsterdam", "berlin", "cairo", "delhi", "lima", "oslo", "quito", "tokyo"]
LATENCY = 0.2  # seconds per simulated request


def fetch(city: str, hours: int) -> list[dict[str, object]]:
    """Pretend to call a weather API for ``city``: wait, then return hourly readings."""
    time.sleep(LATENCY)
    base = zlib.crc32(city.encode()) % 25
    return [
        {"city": city, "hour": hour, "temperature": base + (hour * 7 + base) % 11 - 5}
        for hour in range(hours)
    ]


def merge(*readings: list[dict[str, object]]) -> dict[str, dict[str, float]]:
    """Per city: the minimum, mean and maximum temperature."""
    summary: dict[str, dict[str, float]] = {}
    for rows in readings:
        temps = [float(row["temperature"]) for row in rows]  # type: ignore[arg-type]
        summary[str(rows[0]["city"])] = {
            "min": min(temps),
            "mean": sum(temps) / len(temps),
            "max": max(temps),
        }
    return dict(sorted(summary.items()))


def create_pipeline() -> Pipeline:
    """One fetch node per city feeding one merge node."""
    fetches = [
        node(
            fetch,
            inputs=[f"params:city_{city}", "params:hours"],
            outputs=f"readings_{city}",
            name=f"fetch_{city}",
            tags=["fetch"],
        )
        for city in CITIES
    ]
    combine = node(
        merge,
        inputs=[f"readings_{city}" for city in CITIES],
        outputs="summary",
        name="merge",
    )
    return Pipeline([*fetches, combine])


def create_catalog() -> DataCatalog:
    """The parameters; readings and summary stay in memory."""
    params = {f"params:city_{city}": MemoryDataset(city) for city in CITIES}
    params["params:hours"] = MemoryDataset(24)
    return DataCatalog(params)


if __name__ == "__main__":
    from runadvisor import ThreadRunner

    outputs = ThreadRunner(max_workers=8).run(create_pipeline(), create_catalog())
    for city, stats in outputs["summary"].load().items():
        print(f"{city:>10}: {stats}")
