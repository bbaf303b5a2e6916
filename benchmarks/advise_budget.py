"""What advice costs: `advise` with its default budget against one sequential run.

    python benchmarks/advise_budget.py                 # the three examples + the advisor cases
    python benchmarks/advise_budget.py --examples-only  # ~1-2 minutes on 2 cores

For each example, in one run and side by side: the median of three plain
SequentialRunner runs (in-process, a fresh catalog each), then `advise()` with
the default budget (about three sequential runs for all of advise), then
`advise(budget=None)` (every selected candidate measured ``repeats`` times).
The table shows advise's time as a multiple of one sequential run and whether
the budgeted pick is the unbudgeted one. The advisor tests' pipelines
(tests/advisor/pipelines.py) are compared on picks alone.

Targets (issue "Advice people can afford and trust"): the budgeted advise
takes at most 3x one sequential run on each example, and picks what the
unbudgeted campaign picks everywhere. Exit 1 when missed (``--no-fail``: 0).
The calibration cache is warmed first, as a user's second advise finds it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLES = ("cpu_transform", "io_fetch", "mixed_etl")
BUDGET_RUNS = 3.0


def sequential_seconds(target: str, repeats: int = 3) -> float:
    from runadvisor.loading import load_target
    from runadvisor.runners import SequentialRunner

    walls = []
    for _ in range(repeats):
        pipe, catalog, _ = load_target(target)
        began = time.perf_counter()
        SequentialRunner().run(pipe, catalog)
        walls.append(time.perf_counter() - began)
    return statistics.median(walls)


def timed_advice(pipe, catalog, **options):
    from runadvisor import advise

    began = time.perf_counter()
    rec = advise(pipe, catalog, **options)
    return rec, time.perf_counter() - began


def label(rec) -> str:
    return rec.chosen.label if rec.chosen is not None else rec.runner_call


def same_pick(a, b) -> bool:
    """Same kind and worker count, or both SequentialRunner."""
    return (a.kind, a.max_workers if a.kind != "sequential" else 1) == (
        b.kind,
        b.max_workers if b.kind != "sequential" else 1,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples-only", action="store_true")
    parser.add_argument("--no-fail", action="store_true")
    args = parser.parse_args()

    from runadvisor.advisor import calibrate
    from runadvisor.loading import load_target

    calibrate()  # warm the per-machine cache, as any second use of advise finds it
    missed = []
    print(f"{'pipeline':<22}{'seq run':>9}{'advise':>9}{'ratio':>7}  {'budgeted':<20}unbudgeted")
    for name in EXAMPLES:
        target = str(ROOT / "examples" / name / "pipeline.py")
        seq = sequential_seconds(target)
        pipe, catalog, _ = load_target(target)
        budgeted, seconds = timed_advice(pipe, catalog)
        pipe, catalog, _ = load_target(target)
        full, _ = timed_advice(pipe, catalog, budget=None)
        ratio = seconds / seq
        agree = same_pick(budgeted, full)
        print(
            f"{name:<22}{seq:>8.2f}s{seconds:>8.2f}s{ratio:>6.1f}x  {label(budgeted):<20}"
            f"{label(full)}{'' if agree else '   <- differs'}"
        )
        if ratio > BUDGET_RUNS:
            missed.append(f"{name}: advise took {ratio:.1f}x one sequential run")
        if not agree:
            missed.append(f"{name}: budgeted {label(budgeted)}, unbudgeted {label(full)}")
    if not args.examples_only:
        sys.path.insert(0, str(ROOT / "tests" / "advisor"))
        import pipelines as P

        for build in (
            P.sleep_fanout,
            P.python_fanout,
            P.gil_free_fanout,
            P.chain,
            P.tiny_nodes,
            P.big_payloads,
            P.unpicklable_outputs,
        ):
            pipe, catalog = build()
            budgeted, seconds = timed_advice(pipe, catalog)
            pipe, catalog = build()
            full, full_seconds = timed_advice(pipe, catalog, budget=None)
            agree = same_pick(budgeted, full)
            print(
                f"{build.__name__:<22}{'':>9}{seconds:>8.2f}s{'':>7}  {label(budgeted):<20}"
                f"{label(full)} ({full_seconds:.2f} s){'' if agree else '   <- differs'}"
            )
            if not agree:
                missed.append(
                    f"{build.__name__}: budgeted {label(budgeted)}, unbudgeted {label(full)}"
                )
    for line in missed:
        print("MISSED:", line)
    return 1 if missed and not args.no_fail else 0


if __name__ == "__main__":
    sys.exit(main())
