"""A mixed ETL: generate CSV files, clean them, crunch numbers with numpy, aggregate to Parquet.

What each step costs is different, which is the point:

* ``generate_*`` write CSV files with pandas (seeded, so every run is the same);
* ``clean_*`` parse and tidy them (pandas, mostly holding the GIL) and keep the
  orders as a Parquet file;
* ``bootstrap_<region>`` resample each region's order values and sort them with
  numpy, which releases the GIL, so threads can run them side by side;
* ``aggregate`` joins and summarises to Parquet, ``kpis`` writes JSON.

Every file goes under this example's ``data/`` folder (or under
``$RUNADVISOR_EXAMPLE_DATA/mixed_etl`` when that variable is set). Try it:

    runadvisor advise examples/mixed_etl/pipeline.py
    runadvisor run examples/mixed_etl/pipeline.py --runner thread --workers 4

To use it with Kedro, change only the imports (kedro.pipeline, kedro.io,
kedro_datasets.pandas).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from runadvisor import (
    CSVDataset,
    DataCatalog,
    JSONDataset,
    MemoryDataset,
    ParquetDataset,
    Pipeline,
    node,
)

REGIONS = ["north", "south", "east", "west"]
ORDERS = 120_000
CUSTOMERS = 5_000
RESAMPLES = 600


def data_dir() -> Path:
    """Where this example keeps its files: its own data/ folder unless redirected."""
    root = os.environ.get("RUNADVISOR_EXAMPLE_DATA")
    return Path(root) / "mixed_etl" if root else Path(__file__).parent / "data"


def generate_orders(rows: int, seed: int) -> pd.DataFrame:
    """Fake orders, with a few missing and negative amounts to clean up."""
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(mean=3.0, sigma=0.8, size=rows).round(2)
    amount[rng.random(rows) < 0.01] = np.nan
    amount[rng.random(rows) < 0.005] *= -1
    return pd.DataFrame(
        {
            "order_id": np.arange(rows),
            "customer_id": rng.integers(0, CUSTOMERS, rows),
            "region": rng.choice(REGIONS, rows),
            "amount": amount,
            "quantity": rng.integers(1, 10, rows),
            "day": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, rows), unit="D"),
        }
    )


def generate_customers(count: int, seed: int) -> pd.DataFrame:
    """Fake customers with a segment each."""
    rng = np.random.default_rng(seed + 1)
    return pd.DataFrame(
        {
            "customer_id": np.arange(count),
            "segment": rng.choice(["retail", "business", "public"], count, p=[0.7, 0.25, 0.05]),
            "since": rng.integers(2010, 2025, count),
        }
    )


def clean_orders(raw: pd.DataFrame) -> pd.DataFrame:
    """Drop missing and negative amounts, parse dates, add the order value."""
    orders = raw.dropna(subset=["amount"])
    orders = orders[orders["amount"] > 0].copy()
    orders["day"] = pd.to_datetime(orders["day"])
    orders["region"] = orders["region"].astype("category")
    orders["value"] = orders["amount"] * orders["quantity"]
    return orders.reset_index(drop=True)


def clean_customers(raw: pd.DataFrame) -> pd.DataFrame:
    """Keep known segments and make the segment a category."""
    customers = raw[raw["segment"].notna()].copy()
    customers["segment"] = customers["segment"].astype("category")
    return customers


def bootstrap_region(orders: pd.DataFrame, region: str, resamples: int) -> dict[str, float]:
    """A bootstrap confidence interval of the region's median order value (numpy, no GIL)."""
    values = orders.loc[orders["region"] == region, "value"].to_numpy(dtype=np.float64)
    rng = np.random.default_rng([ord(c) for c in region])  # the same draws on every run
    medians = np.empty(resamples)
    for i in range(resamples):
        sample = np.sort(rng.choice(values, size=values.size, replace=True))
        medians[i] = sample[sample.size // 2]
    low, high = np.quantile(medians, [0.025, 0.975])
    return {"region": region, "median": float(np.median(values)), "low": low, "high": high}


def aggregate(orders: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Revenue, orders and mean order value per region and segment."""
    joined = orders.merge(customers, on="customer_id", how="left")
    summary = joined.groupby(["region", "segment"], observed=True).agg(
        revenue=("value", "sum"), orders=("order_id", "count"), mean_value=("value", "mean")
    )
    return summary.reset_index().astype({"region": str, "segment": str})


def kpis(summary: pd.DataFrame, *intervals: dict[str, float]) -> dict[str, object]:
    """The headline numbers, with each region's interval of the median order value."""
    return {
        "revenue": round(float(summary["revenue"].sum()), 2),
        "orders": int(summary["orders"].sum()),
        "median_value": {
            i["region"]: [round(float(i["low"]), 2), round(float(i["high"]), 2)] for i in intervals
        },
    }


def create_pipeline() -> Pipeline:
    """Generate -> clean -> (aggregate | bootstrap per region) -> kpis."""
    nodes = [
        node(
            generate_orders, ["params:orders", "params:seed"], "raw_orders", name="generate_orders"
        ),
        node(
            generate_customers,
            ["params:customers", "params:seed"],
            "raw_customers",
            name="generate_customers",
        ),
        node(clean_orders, "raw_orders", "orders", name="clean_orders"),
        node(clean_customers, "raw_customers", "customers", name="clean_customers"),
        node(aggregate, ["orders", "customers"], "summary", name="aggregate"),
    ]
    nodes += [
        node(
            bootstrap_region,
            ["orders", f"params:region_{region}", "params:resamples"],
            f"interval_{region}",
            name=f"bootstrap_{region}",
            tags=["numpy"],
        )
        for region in REGIONS
    ]
    nodes.append(node(kpis, ["summary", *(f"interval_{r}" for r in REGIONS)], "kpis", name="kpis"))
    return Pipeline(nodes)


def create_catalog() -> DataCatalog:
    """CSV for raw data, Parquet for clean orders and the summary, JSON for the KPIs."""
    data = data_dir()
    datasets = {
        "raw_orders": CSVDataset(data / "raw" / "orders.csv"),
        "raw_customers": CSVDataset(data / "raw" / "customers.csv"),
        "orders": ParquetDataset(data / "clean" / "orders.parquet"),
        "summary": ParquetDataset(data / "out" / "summary.parquet"),
        "kpis": JSONDataset(data / "out" / "kpis.json"),
        "params:orders": MemoryDataset(ORDERS),
        "params:customers": MemoryDataset(CUSTOMERS),
        "params:seed": MemoryDataset(42),
        "params:resamples": MemoryDataset(RESAMPLES),
    }
    datasets.update({f"params:region_{r}": MemoryDataset(r) for r in REGIONS})
    return DataCatalog(datasets)


if __name__ == "__main__":
    from runadvisor import ThreadRunner

    ThreadRunner(max_workers=4).run(create_pipeline(), create_catalog())
    print((data_dir() / "out" / "kpis.json").read_text())
