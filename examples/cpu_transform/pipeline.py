"""A CPU-bound pipeline: eight pure-Python Monte Carlo estimates of pi, then a combine.

Each branch loops in Python, so it holds the GIL the whole time: threads cannot
run two branches at once, processes can. Try it:

    runadvisor advise examples/cpu_transform/pipeline.py
    runadvisor run examples/cpu_transform/pipeline.py --runner parallel --workers 2

To use it with Kedro, change only the imports (kedro.pipeline, kedro.io).
"""

from __future__ import annotations

import random

from runadvisor import DataCatalog, MemoryDataset, Pipeline, node

BRANCHES = 8
SAMPLES = 1_500_000  # per branch: about 0.1-0.2 s of pure-Python work on a recent CPU


def estimate_pi(seed: int, samples: int) -> dict[str, float]:
    """Throw ``samples`` darts at the unit square; count those inside the quarter circle."""
    rng = random.Random(seed)
    inside = 0
    for _ in range(samples):
        x = rng.random()
        y = rng.random()
        if x * x + y * y <= 1.0:
            inside += 1
    return {"seed": seed, "samples": samples, "inside": inside}


def combine(*estimates: dict[str, float]) -> dict[str, float]:
    """Pool the branches' counts into one estimate of pi."""
    inside = sum(e["inside"] for e in estimates)
    samples = sum(e["samples"] for e in estimates)
    return {"pi": 4.0 * inside / samples, "samples": samples, "branches": len(estimates)}


def create_pipeline() -> Pipeline:
    """BRANCHES independent estimates feeding one combine node."""
    branches = [
        node(
            estimate_pi,
            inputs=[f"params:seed_{i}", "params:samples"],
            outputs=f"estimate_{i}",
            name=f"estimate_{i}",
            tags=["estimate"],
        )
        for i in range(BRANCHES)
    ]
    merge = node(
        combine,
        inputs=[f"estimate_{i}" for i in range(BRANCHES)],
        outputs="pi",
        name="combine",
    )
    return Pipeline([*branches, merge])


def create_catalog() -> DataCatalog:
    """The parameters; the estimates and the result stay in memory."""
    params = {f"params:seed_{i}": MemoryDataset(1000 + i) for i in range(BRANCHES)}
    params["params:samples"] = MemoryDataset(SAMPLES)
    return DataCatalog(params)


if __name__ == "__main__":
    from runadvisor import SequentialRunner

    outputs = SequentialRunner().run(create_pipeline(), create_catalog())
    print(outputs["pi"].load())
