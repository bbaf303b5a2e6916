"""How well the advisor predicts: predicted against measured wall time, per pipeline kind.

    python benchmarks/prediction_accuracy.py                  # every kind, ~10 min on 2 cores
    python benchmarks/prediction_accuracy.py --quick          # 2 repeats
    python benchmarks/prediction_accuracy.py --kinds matmul,groupby --json out.json
    python benchmarks/prediction_accuracy.py --baseline /tmp/main/src   # before and after

Each pipeline runs ``--repeats`` rounds. A round makes the predictions exactly
as ``advise`` makes them: one profiled SequentialRunner run in a fresh child
(``facts.profile_facts`` and ``facts.build_facts``), this machine's calibrated
costs (``calibrate``), and ``candidates.predict`` for every (runner, workers)
candidate of the grid (counts capped at the pipeline's width, as advise caps
them); then it measures each candidate once as the campaign measures it
(``measure.measure_run``: a profiled run in a fresh child), in an order that
rotates from round to round, each run after ``quiet.wait_quiet``. A
candidate's predicted time is the median of its rounds' predictions, its
measured time the median of its runs (both are single runs of a noisy
machine; the JSON keeps every one).

Two predictions per candidate: ``advise``, what advise's candidates carry (for
the machine's own cores), and ``at load``, ``predict(..., present_load=True)``:
the same simulation with the cores the facts run measured this process tree
gets while other processes keep the machine busy. On a quiet machine they are
the same; on a busy one only the second can match what is measured then. The
error is ``(at load - measured) / measured`` (``advise err`` the same for the
first); the table gives each kind's rows, the median and the worst absolute
error per kind, and the median over all rows. ``others`` is the CPU load of
other processes during the runs (cores), as ``compare.py`` reports it.

``--baseline SRC`` adds the predictions of another runadvisor (a ``src``
folder, e.g. ``git archive main src | tar -x -C /tmp/main``) to every round,
each from its own facts run in a child process that imports that code, so the
code before and after a change are judged against the same measured runs.

numpy and pandas kinds are skipped where those are not installed. Targets
(issue 11): median error at most 10%, no kind above 25%. Exit 1 when missed
(``--no-fail``: 0).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from quiet import Outside, wait_quiet  # noqa: E402

# Imported here, as a pipeline module imports them, so that forked workers inherit them
# (a module first imported inside a node is imported again by every worker process).
try:
    import numpy as np
except ImportError:  # the numpy kinds are skipped
    np = None
try:
    import pandas as pd
except ImportError:  # the pandas kinds are skipped
    pd = None

TARGET_MEDIAN = 0.10
TARGET_KIND = 0.25
GRID = (("sequential", 1), ("thread", 2), ("thread", 4), ("thread", 8), ("parallel", 2))
GRID_PAST_CORES = (("parallel", 4),)

# ----------------------------------------------------------------------------
# Node functions (module level)
# ----------------------------------------------------------------------------


def burn(n: int) -> int:
    """Pure-Python work that holds the GIL."""
    acc = 0
    for i in range(n):
        acc += i * i % 7
    return acc


def burn_after(_: Any, n: int) -> int:
    return burn(n)


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def total(*parts: Any) -> int:
    return len(parts)


def make_blob(megabytes: int) -> bytes:
    """Compressible bytes: a few distinct values, at random."""
    import random

    rng = random.Random(7)
    alphabet = bytes(range(32, 48))
    return bytes(rng.choices(alphabet, k=1 << 16)) * (megabytes * 16)


def pack(blob: bytes, level: int) -> int:
    """zlib and sha256 over a big buffer: both release the GIL."""
    digest = hashlib.sha256(blob).digest()
    return len(zlib.compress(blob, level)) + digest[0]


def make_matrices(n: int) -> tuple[Any, Any]:
    rng = np.random.default_rng(3)
    return rng.random((n, n)), rng.random((n, n))


def multiply(pair: tuple[Any, Any], times: int) -> float:
    a, b = pair
    c = a
    for _ in range(times):
        c = (a @ b) / a.shape[0]
    return float(c.sum())


def make_orders(rows: int) -> Any:
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "store": rng.integers(0, 2_000, rows),
            "item": rng.integers(0, 20_000, rows),
            "day": rng.integers(0, 365, rows),
            "amount": rng.random(rows) * 100,
            "units": rng.integers(1, 10, rows),
        }
    )


def group_by(frame: Any, key: str) -> Any:
    return frame.groupby(key).agg(
        amount=("amount", "sum"), mean=("amount", "mean"), units=("units", "max")
    )


def make_frame(rows: int) -> Any:
    rng = np.random.default_rng(11)
    return pd.DataFrame(rng.random((rows, 4)), columns=["a", "b", "c", "d"])


def scale(frame: Any, factor: float) -> Any:
    """Light element-wise work over a large frame, a large frame out."""
    return frame * factor + 1.0


def frame_sums(*frames: Any) -> float:
    return float(sum(float(f["a"].iloc[0]) for f in frames))


CHILD_WORK = "acc = 0\nfor i in range({n}):\n    acc += i * i % 7\n"


def in_child(n: int) -> int:
    """CPU work in a child process."""
    subprocess.run([sys.executable, "-S", "-c", CHILD_WORK.format(n=n)], check=True)
    return n


def make_db(folder: str, rows: int) -> str:
    path = os.path.join(folder, "sales.db")
    if os.path.exists(path):
        os.remove(path)
    with sqlite3.connect(path) as db:
        db.execute("create table sales (store int, item int, amount real)")
        db.executemany(
            "insert into sales values (?, ?, ?)",
            ((i % 997, (i * 7919) % 5003, (i % 101) * 1.5) for i in range(rows)),
        )
    db.close()
    return path


def query(path: str, modulo: int) -> int:
    """An aggregate over the whole table (sqlite releases the GIL while it steps)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "select store % ?, count(*), sum(amount * item), avg(length(item || store)) "
            "from sales group by store % ? order by 3 desc",
            (modulo, modulo),
        ).fetchall()
    finally:
        db.close()
    return len(rows)


# ----------------------------------------------------------------------------
# The pipelines
# ----------------------------------------------------------------------------


@dataclass
class Case:
    """One pipeline kind: a name, what it is, and how to build it (None: cannot here)."""

    name: str
    what: str
    build: Callable[[str], tuple[Any, Any]]
    needs: tuple[str, ...] = ()


def _fan(make: Any, branch: Callable[[int], Any], count: int, extra: dict[str, Any]) -> Any:
    from runadvisor import node, pipeline

    nodes = [make] if make is not None else []
    nodes += [branch(i) for i in range(count)]
    nodes.append(node(total, [f"part_{i}" for i in range(count)], "result", name="combine"))
    return pipeline(nodes)


def python_fanout(_: str) -> tuple[Any, Any]:
    from runadvisor import DataCatalog, node

    pipe = _fan(
        None,
        lambda i: node(burn, "params:n", f"part_{i}", name=f"burn_{i}"),
        8,
        {},
    )
    return pipe, DataCatalog(raw_data={"params:n": 600_000})


def sleep_fanout(_: str) -> tuple[Any, Any]:
    from runadvisor import DataCatalog, node

    pipe = _fan(None, lambda i: node(nap, "params:s", f"part_{i}", name=f"nap_{i}"), 16, {})
    return pipe, DataCatalog(raw_data={"params:s": 0.03})


def compress(_: str) -> tuple[Any, Any]:
    from runadvisor import DataCatalog, node

    make = node(make_blob, "params:mb", "blob", name="make_blob")
    pipe = _fan(
        make, lambda i: node(pack, ["blob", "params:level"], f"part_{i}", name=f"pack_{i}"), 6, {}
    )
    return pipe, DataCatalog(raw_data={"params:mb": 4, "params:level": 1})


def matmul(_: str) -> tuple[Any, Any]:
    from runadvisor import DataCatalog, node

    make = node(make_matrices, "params:n", "pair", name="make_matrices")
    pipe = _fan(
        make,
        lambda i: node(multiply, ["pair", "params:times"], f"part_{i}", name=f"matmul_{i}"),
        6,
        {},
    )
    return pipe, DataCatalog(raw_data={"params:n": 700, "params:times": 2})


def groupby(_: str) -> tuple[Any, Any]:
    from runadvisor import DataCatalog, node

    keys = ["store", "item", "day", "units", "store", "item"]
    make = node(make_orders, "params:rows", "orders", name="make_orders")
    pipe = _fan(
        make,
        lambda i: node(group_by, ["orders", f"params:key_{i}"], f"part_{i}", name=f"group_{i}"),
        6,
        {},
    )
    raw = {"params:rows": 500_000, **{f"params:key_{i}": k for i, k in enumerate(keys)}}
    return pipe, DataCatalog(raw_data=raw)


def elementwise(_: str) -> tuple[Any, Any]:
    from runadvisor import DataCatalog, node, pipeline

    count = 6
    nodes = [node(make_frame, "params:rows", "frame", name="make_frame")]
    nodes += [
        node(scale, ["frame", f"params:f_{i}"], f"part_{i}", name=f"scale_{i}")
        for i in range(count)
    ]
    nodes.append(node(frame_sums, [f"part_{i}" for i in range(count)], "result", name="combine"))
    raw = {"params:rows": 1_000_000, **{f"params:f_{i}": 1.0 + i / 10 for i in range(count)}}
    return pipeline(nodes), DataCatalog(raw_data=raw)


def child_processes(_: str) -> tuple[Any, Any]:
    from runadvisor import DataCatalog, node

    pipe = _fan(None, lambda i: node(in_child, "params:n", f"part_{i}", name=f"child_{i}"), 6, {})
    return pipe, DataCatalog(raw_data={"params:n": 150_000})


def tiny_nodes(_: str) -> tuple[Any, Any]:
    from runadvisor import DataCatalog, node, pipeline

    chains, length = 8, 50
    nodes = []
    for c in range(chains):
        for k in range(length):
            source = "params:seed" if k == 0 else f"c{c}_{k - 1}"
            nodes.append(
                node(burn_after, [source, "params:n"], f"c{c}_{k}", name=f"tiny_{c}_{k:02d}")
            )
    nodes.append(
        node(total, [f"c{c}_{length - 1}" for c in range(chains)], "result", name="combine")
    )
    return pipeline(nodes), DataCatalog(raw_data={"params:seed": 0, "params:n": 4_000})


def chain(_: str) -> tuple[Any, Any]:
    from runadvisor import DataCatalog, node, pipeline

    nodes = [
        node(
            burn_after,
            ["params:seed" if k == 0 else f"s{k - 1}", "params:n"],
            f"s{k}",
            name=f"step_{k:02d}",
        )
        for k in range(16)
    ]
    return pipeline(nodes), DataCatalog(raw_data={"params:seed": 0, "params:n": 250_000})


def mixed_etl(folder: str) -> tuple[Any, Any]:
    os.environ["RUNADVISOR_EXAMPLE_DATA"] = folder
    from runadvisor.loading import load_target

    pipe, catalog, _ = load_target(str(ROOT / "examples" / "mixed_etl" / "pipeline.py"))
    # A third of the example's data and resamples: the same shape, a shorter run.

    catalog.get("params:orders").save(40_000)
    catalog.get("params:resamples").save(200)
    return pipe, catalog


def sqlite_queries(folder: str) -> tuple[Any, Any]:
    from runadvisor import DataCatalog, node

    path = make_db(folder, 60_000)  # built once, outside the runs
    pipe = _fan(
        None,
        lambda i: node(query, ["params:db", f"params:m_{i}"], f"part_{i}", name=f"query_{i}"),
        6,
        {},
    )
    raw = {"params:db": path, **{f"params:m_{i}": 7 + i for i in range(6)}}
    return pipe, DataCatalog(raw_data=raw)


CASES = [
    Case("python", "8 branches of pure-Python work (holds the GIL)", python_fanout),
    Case("sleep", "16 branches sleeping 30 ms", sleep_fanout),
    Case("compress", "sha256 + zlib over one 4 MB buffer, 6 branches", compress),
    Case("matmul", "700x700 float64 products, 6 branches", matmul, ("numpy",)),
    Case("groupby", "pandas group-bys of 500k rows, 6 branches", groupby, ("pandas",)),
    Case("elementwise", "frame * f + 1 over a 32 MB frame, 6 branches", elementwise, ("pandas",)),
    Case("subprocess", "CPU work in a child process, 6 branches", child_processes),
    Case("tiny", "400 nodes of ~0.3 ms in 8 chains", tiny_nodes),
    Case("chain", "16 pure-Python nodes in a line", chain),
    Case("mixed_etl", "examples/mixed_etl (CSV, pandas, numpy, Parquet)", mixed_etl, ("pandas",)),
    Case("sqlite", "sqlite aggregate queries, 6 branches", sqlite_queries),
]


# ----------------------------------------------------------------------------
# Predicting and measuring
# ----------------------------------------------------------------------------


def installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def predictions(pipe: Any, catalog: Any, grid: tuple[tuple[str, int], ...], costs: Any):
    """For each (kind, workers) of ``grid`` (counts capped at the pipeline's width, as advise
    caps them), from one profiled sequential run in a child: (the prediction advise's
    candidates carry, the prediction for the load the facts run saw). Both are the same
    on a quiet machine, and with a runadvisor that predates the load model."""
    from runadvisor.advisor.candidates import predict
    from runadvisor.advisor.facts import build_facts, profile_facts
    from runadvisor.advisor.options import check_options
    from runadvisor.advisor.simulate import width

    answer = profile_facts(pipe, catalog, 120.0)
    facts, nodes, _ = build_facts(answer)
    wide = width(nodes)
    wanted = {(kind, min(workers, wide)) for kind, workers in grid}
    kinds = sorted({kind for kind, _ in grid})
    options = check_options(kinds, sorted({w for _, w in grid}), 1, True, None, None)
    advised = {c.key: c.predicted for c in predict(nodes, facts, costs, options)}
    try:
        loaded = predict(nodes, facts, costs, options, present_load=True)
        present = {c.key: c.predicted for c in loaded}
    except TypeError:  # an older runadvisor: no load model
        present = advised
    return facts, {key: (advised[key], present[key]) for key in advised if key in wanted}


def baseline_predictions(source: str, case: Case, grid) -> dict[tuple[str, int], float]:
    """The predictions of the runadvisor under ``source`` (a ``src`` folder: the code before
    a change) for ``case``, from its own facts run, in a child process: (kind, workers) ->
    the prediction its advise's candidates carry."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
    spec = json.dumps([list(g) for g in grid])
    with tempfile.TemporaryDirectory(prefix="prediction-baseline-") as folder:
        done = subprocess.run(
            [sys.executable, __file__, "--emit", case.name, "--grid", spec, "--folder", folder],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
            check=True,
        )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(answer["runadvisor"]).resolve().is_relative_to(Path(source).resolve()):
        raise RuntimeError(f"the baseline child imported {answer['runadvisor']}, not {source}")
    return {tuple(json.loads(k)): v for k, v in answer["predictions"].items()}


def emit(name: str, grid, folder: str) -> None:
    """Print one JSON line: this runadvisor's predictions for case ``name`` (``--baseline``)."""
    import runadvisor
    from runadvisor.advisor import calibrate

    case = next(c for c in CASES if c.name == name)
    pipe, catalog = case.build(folder)
    _, predicted = predictions(pipe, catalog, grid, calibrate())
    print(
        json.dumps(
            {
                "runadvisor": str(Path(runadvisor.__file__).parent),
                "predictions": {json.dumps(list(k)): v[0] for k, v in predicted.items()},
            }
        )
    )


FACT_FIELDS = (
    "t1",
    "parallelism",
    "cpu_share",
    "gil_share",
    "noncpu_share",
    "n_nodes",
    "cores_used",
    "pool_cpu",
    "child_cpu",
    "others_load",
    "thread_share",
    "cpu_capacity",
    "wakeup_latency",
    "engine_overhead",
)


def measure_case(
    case: Case,
    folder: str,
    grid,
    repeats: int,
    costs: Any,
    wait: float,
    baseline: str | None = None,
) -> dict:
    """``repeats`` rounds, each: one facts run and its predictions (as advise makes them),
    the ``baseline`` code's predictions from its own facts run (if given), then one
    measured run of every candidate, in an order that rotates between rounds."""
    from runadvisor.advisor.measure import measure_run
    from runadvisor.advisor.status import OK

    pipe, catalog = case.build(folder)
    outside = Outside()
    rounds: list[dict[str, Any]] = []
    predicted: dict[tuple[str, int], list[tuple[float, float]]] = {}
    walls: dict[tuple[str, int], list[float]] = {}
    loads: list[float] = []
    before: dict[tuple[str, int], list[float]] = {}
    for r in range(repeats):
        if baseline is not None:
            wait_quiet(outside, limit=wait)
            for key, value in baseline_predictions(baseline, case, grid).items():
                before.setdefault(key, []).append(value)
        wait_quiet(outside, limit=wait)
        outside.start()
        facts, round_predictions = predictions(pipe, catalog, grid, costs)
        load = outside.stop()
        rounds.append(
            {
                "facts": {name: getattr(facts, name, None) for name in FACT_FIELDS},
                "others": load,
                "predicted": {f"{k}:{w}": p for (k, w), p in round_predictions.items()},
            }
        )
        for key, value in round_predictions.items():
            predicted.setdefault(key, []).append(value)
            walls.setdefault(key, [])
        keys = list(round_predictions)
        for key in keys[r % len(keys) :] + keys[: r % len(keys)]:
            wait_quiet(outside, limit=wait)
            outside.start()
            outcome = measure_run(pipe, catalog, key[0], key[1], 120.0)
            load = outside.stop()
            if load is not None:
                loads.append(load)
            if outcome.status == OK:
                walls[key].append(float(outcome.value["wall"]))
    rows = []
    for (kind, workers), pairs in predicted.items():
        advised = statistics.median(p[0] for p in pairs)
        present = statistics.median(p[1] for p in pairs)
        runs = walls[(kind, workers)]
        measured = statistics.median(runs) if runs else None
        old = statistics.median(before[(kind, workers)]) if before.get((kind, workers)) else None
        rows.append(
            {
                "runner": kind,
                "workers": workers,
                "predicted": present,
                "advised": advised,
                "predictions": pairs,
                "measured": measured,
                "walls": runs,
                "error": None if measured is None else (present - measured) / measured,
                "error_advised": None if measured is None else (advised - measured) / measured,
                "before": old,
                "error_before": None if None in (old, measured) else (old - measured) / measured,
            }
        )
    errors = [abs(r["error"]) for r in rows if r["error"] is not None]
    advised = [abs(r["error_advised"]) for r in rows if r["error_advised"] is not None]
    old_errors = [abs(r["error_before"]) for r in rows if r["error_before"] is not None]
    return {
        "kind": case.name,
        "what": case.what,
        "rounds": rounds,
        "rows": rows,
        "median_error": statistics.median(errors) if errors else None,
        "worst_error": max(errors) if errors else None,
        "median_error_advised": statistics.median(advised) if advised else None,
        "median_error_before": statistics.median(old_errors) if old_errors else None,
        "worst_error_before": max(old_errors) if old_errors else None,
        "others": statistics.median(loads) if loads else None,
    }


def label(kind: str, workers: int) -> str:
    from runadvisor.runners import registry

    return (
        registry.get(kind).label(workers)
        if registry.get(kind).takes_workers
        else (registry.get(kind).class_name)
    )


def _pct(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "-"
    return f"{value:+.0%}" if signed else f"{value:.1%}"


def print_case(result: dict) -> None:
    others = result["others"]
    load = f"  (others {others:.2f} cores)" if others is not None else ""
    print(f"\n{result['kind']}: {result['what']}{load}")
    print(
        f"  {'candidate':<20}{'measured':>10}{'advise':>9}{'at load':>9}{'before':>9}"
        f"{'error':>8}{'advise':>8}{'before':>8}"
    )
    for row in result["rows"]:
        measured = "-" if row["measured"] is None else f"{row['measured']:.3f} s"
        before = "-" if row["before"] is None else f"{row['before']:.3f} s"
        name = label(row["runner"], row["workers"])
        print(
            f"  {name:<20}{measured:>10}{row['advised']:>7.3f} s{row['predicted']:>7.3f} s"
            f"{before:>9}{_pct(row['error']):>8}{_pct(row['error_advised']):>8}"
            f"{_pct(row['error_before']):>8}"
        )
    if result["median_error"] is not None:
        print(
            f"  median |error| {result['median_error']:.1%}, worst {result['worst_error']:.1%}"
            f" (advise's: {_pct(result['median_error_advised'], False)}; "
            f"before: {_pct(result['median_error_before'], False)})"
        )


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summary(results: list[dict]) -> dict[str, float | None]:
    """Median and worst absolute error over every row, for each kind of prediction."""
    out: dict[str, float | None] = {}
    for key in ("error", "error_advised", "error_before"):
        values = [abs(r[key]) for res in results for r in res["rows"] if r[key] is not None]
        out[f"median_{key}"] = _median(values)
        out[f"worst_{key}"] = max(values) if values else None
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", help="comma-separated kinds (default: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2 repeats")
    parser.add_argument("--json", help="write the results as JSON to this file")
    parser.add_argument("--max-wait", type=float, default=2.0, help="seconds per quiet wait")
    parser.add_argument("--no-past-cores", action="store_true", help="leave out parallel(4)")
    parser.add_argument("--no-fail", action="store_true")
    parser.add_argument(
        "--baseline",
        metavar="SRC",
        help="also predict with the runadvisor in this src folder (the code before a change), "
        "from its own facts run in each round",
    )
    parser.add_argument("--emit", help=argparse.SUPPRESS)  # a --baseline child: one case
    parser.add_argument("--grid", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emit:
        emit(args.emit, tuple(tuple(g) for g in json.loads(args.grid)), args.folder)
        return 0

    import runadvisor
    from runadvisor.advisor import calibrate
    from runadvisor.machine import usable_cores

    repeats = 2 if args.quick else args.repeats
    grid = GRID if args.no_past_cores else GRID + GRID_PAST_CORES
    wanted = set(args.kinds.split(",")) if args.kinds else None
    costs = calibrate()
    print(
        f"runadvisor {runadvisor.__version__} from {Path(runadvisor.__file__).parent}; "
        f"{usable_cores()} cores; calibration: {costs.source}; {repeats} repeats"
    )
    results = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="prediction-") as folder:
        for case in CASES:
            if wanted is not None and case.name not in wanted:
                continue
            missing = [m for m in case.needs if not installed(m)]
            if missing:
                print(f"\n{case.name}: skipped ({', '.join(missing)} not installed)")
                continue
            result = measure_case(case, folder, grid, repeats, costs, args.max_wait, args.baseline)
            print_case(result)
            results.append(result)
    totals = summary(results)
    overall = totals["median_error"]
    loads = [res["others"] for res in results if res["others"] is not None]
    print(
        f"\n{'kind':<13}{'median':>9}{'worst':>9}{'advise':>9}{'before':>9}"
        f"{'bef.worst':>11}{'others':>8}"
    )
    for res in results:
        print(
            f"{res['kind']:<13}{_pct(res['median_error'], False):>9}"
            f"{_pct(res['worst_error'], False):>9}{_pct(res['median_error_advised'], False):>9}"
            f"{_pct(res['median_error_before'], False):>9}"
            f"{_pct(res['worst_error_before'], False):>11}{res['others'] or 0:>8.2f}"
        )
    missed = []
    if overall is not None:
        print(
            f"{'all rows':<13}{_pct(overall, False):>9}{_pct(totals['worst_error'], False):>9}"
            f"{_pct(totals['median_error_advised'], False):>9}"
            f"{_pct(totals['median_error_before'], False):>9}"
            f"{_pct(totals['worst_error_before'], False):>11}"
        )
        if overall > TARGET_MEDIAN:
            missed.append(f"median error {overall:.1%} > {TARGET_MEDIAN:.0%}")
    missed += [
        f"{res['kind']} median error {res['median_error']:.1%} > {TARGET_KIND:.0%}"
        for res in results
        if res["median_error"] is not None and res["median_error"] > TARGET_KIND
    ]
    print(
        f"\n{time.perf_counter() - began:.0f} s; load of others (median) "
        f"{statistics.median(loads) if loads else float('nan'):.2f} cores"
    )
    print("targets met" if not missed else "missed: " + "; ".join(missed))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "cases": results,
                    **totals,
                    "baseline": args.baseline,
                    "calibration": costs.to_dict(),
                },
                indent=1,
            )
        )
    return 1 if missed and not args.no_fail else 0


if __name__ == "__main__":
    sys.exit(main())
