"""What each start method costs a ParallelRunner run, side by side in one run.

    python benchmarks/start_methods.py             # ~1 minute on 2 cores
    python benchmarks/start_methods.py --rounds 9 --workers 4

For each round, one run per start method (fork, forkserver, spawn), in turn, of
two pipelines: ``noop`` (2 trivial nodes: what starting and stopping the pool
costs) and ``inputs`` (4 nodes reading a 20 MB in-memory free input: under fork
the workers inherit it, under the others it is pickled to them). The table
shows the median over rounds and the ratio to fork. The advisor's predictions
use the method the run will really use (``runadvisor.machine``: fork when no
other thread runs, else forkserver), and its calibration measures that one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from runadvisor import DataCatalog, ParallelRunner, node, pipeline
from runadvisor.machine import start_methods


def noop(x):
    return x


def total(data, i):
    return len(data) + i


def noop_pipeline():
    pipe = pipeline([node(noop, "x", f"y{i}", name=f"n{i}") for i in range(2)])
    return pipe, lambda: DataCatalog(raw_data={"x": 1})


def inputs_pipeline():
    blob = bytes(20 * 2**20)
    nodes = [node(total, ["blob", f"params:i{i}"], f"out{i}", name=f"read{i}") for i in range(4)]
    raw = {"blob": blob, **{f"params:i{i}": i for i in range(4)}}
    return pipeline(nodes), lambda: DataCatalog(raw_data=dict(raw))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    methods = [m for m in ("fork", "forkserver", "spawn") if m in start_methods()]
    cases = {"noop": noop_pipeline(), "inputs": inputs_pipeline()}
    walls: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for case, (pipe, catalog) in cases.items():
            for method in methods:
                runner = ParallelRunner(max_workers=args.workers, mp_context=method)
                began = time.perf_counter()
                runner.run(pipe, catalog())
                walls.setdefault((case, method), []).append(time.perf_counter() - began)
    print(f"ParallelRunner({args.workers}), median of {args.rounds} rounds")
    print(f"{'pipeline':<10}{'method':<12}{'wall':>10}{'vs fork':>9}")
    for case in cases:
        base = statistics.median(walls[(case, "fork")]) if "fork" in methods else None
        for method in methods:
            wall = statistics.median(walls[(case, method)])
            ratio = f"{wall / base:.2f}x" if base else "-"
            print(f"{case:<10}{method:<12}{wall * 1e3:>8.1f}ms{ratio:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
