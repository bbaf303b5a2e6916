"""One side of differential.py: run random pipelines through Kedro's or runadvisor's rules.

Run as ``python differential_child.py kedro|runadvisor SEED CASES OUT.json``. Both
sides draw the same pipelines and catalogs from SEED and write, for each case,
the nodes ``only_missing_outputs`` would run and the resume hint for random sets
of unfinished nodes. Kedro's side calls its private helpers on purpose: this
compares behaviour, it maps nothing.
"""

from __future__ import annotations

import json
import logging
import random
import sys
import warnings

logging.disable(logging.CRITICAL)
warnings.simplefilter("ignore")

SIDE = sys.argv[1]
if SIDE == "kedro":
    from kedro.io import AbstractDataset, DataCatalog, MemoryDataset
    from kedro.pipeline import node, pipeline
    from kedro.runner import SequentialRunner
    from kedro.runner.runner import _find_nodes_to_resume_from

    def select(pipe, catalog):
        chosen = SequentialRunner()._filter_pipeline_for_missing_outputs(pipe, catalog)
        return sorted(n.name for n in chosen.nodes)

    def resume(pipe, remaining, catalog):
        return sorted(_find_nodes_to_resume_from(pipe, remaining, catalog))

else:
    from runadvisor.io import AbstractDataset, DataCatalog, MemoryDataset
    from runadvisor.pipeline import node, pipeline
    from runadvisor.runners.base import _missing_outputs_pipeline, resume_nodes

    def select(pipe, catalog):
        return sorted(n.name for n in _missing_outputs_pipeline(pipe, catalog).nodes)

    def resume(pipe, remaining, catalog):
        done = set(pipe.nodes) - set(remaining)
        return sorted(n.name for n in resume_nodes(pipe, catalog, done))


class Saved(AbstractDataset):
    """Persisted; ``exists`` None: it does not implement ``_exists``."""

    def __init__(self, exists=None):
        if exists is not None:
            self._exists = lambda: exists

    def _load(self):
        return 0

    def _save(self, data):
        pass

    def _describe(self):
        return {}


def func(*args):
    return None


KINDS = {
    "saved": lambda: Saved(True),
    "missing": lambda: Saved(False),
    "no_exists": lambda: Saved(),
    "memory": lambda: MemoryDataset(1),
    "empty_memory": MemoryDataset,
}


def draw(rng: random.Random):
    """Nodes ``(name, inputs, outputs)`` and a kind per dataset (or 'unregistered')."""
    nodes, readable, free = [], [], ["in0", "in1"]
    for i in range(rng.randint(1, 7)):
        pool = readable + free + ["params:p"]
        inputs = sorted(set(rng.sample(pool, min(rng.randint(0, 3), len(pool)))))
        count = rng.choice([0, 1, 1, 2]) if inputs else rng.choice([1, 2])
        outputs = []
        for j in range(count):
            if rng.random() < 0.2:  # transcoded: written as @a, read as @a or @b
                outputs.append(f"d{i}_{j}@a")
                readable += [f"d{i}_{j}@a", f"d{i}_{j}@b"]
            else:
                outputs.append(f"d{i}_{j}")
                readable.append(f"d{i}_{j}")
        nodes.append((f"n{i}", inputs, outputs))
    names = sorted({name for _, ins, outs in nodes for name in ins + outs})
    kinds = {name: rng.choice([*KINDS, "unregistered"]) for name in names}
    return nodes, kinds


def build(nodes, kinds):
    pipe = pipeline([node(func, ins or None, outs or None, name=n) for n, ins, outs in nodes])
    catalog = DataCatalog({k: KINDS[v]() for k, v in kinds.items() if v != "unregistered"})
    return pipe, catalog


def attempt(call, *args):
    try:
        return call(*args)
    except Exception as exc:  # both sides must fail alike
        return f"error {type(exc).__name__}"


def main() -> None:
    seed, cases, out = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    results = []
    for _ in range(cases):
        nodes, kinds = draw(rng)
        pipe, catalog = build(nodes, kinds)
        case = {"nodes": nodes, "kinds": kinds, "select": attempt(select, pipe, catalog)}
        hints = []
        for _ in range(4):
            unfinished = [n for n, _, _ in nodes if rng.random() < 0.5]
            pipe, catalog = build(nodes, kinds)
            remaining = pipe.only_nodes(*unfinished).nodes if unfinished else []
            hints.append(attempt(resume, pipe, remaining, catalog))
        case["resume"] = hints
        results.append(case)
    with open(out, "w", encoding="utf-8") as file:
        json.dump(results, file)


if __name__ == "__main__":
    main()
