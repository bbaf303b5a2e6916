"""compare.py's workloads past one executor and one machine (runadvisor alone: Kedro has
neither a per-node executor nor a Dask runner).

- ``mixed``: 8 x 0.25 s waiting nodes feeding 4 x 0.4 s pure-Python nodes (two each).
  SequentialRunner, ThreadRunner(8), ParallelRunner(cores), ParallelRunner(8) (a process
  per waiting node: the advisor sweeps processes past the cores) and HybridRunner (waiting
  nodes on 8 threads, Python nodes on ``cores`` processes) side by side in each repeat;
  the target: HybridRunner at most 0.8x the best single-executor runner's wall time.
  And once: what ``advise()`` recommends for it (target: HybridRunner).
- ``dask_chain``: DaskRunner's cost per node on a 1,000-node chain against the same chain
  given to ``client.submit`` one task at a time, on the same LocalCluster (``cores``
  single-threaded worker processes), back to back in each repeat; target <= 1.5x.
- ``dask_bigdata``: the 100 MB array workload (the array in the catalog, four nodes
  reducing it) under DaskRunner on that cluster; the client process's own peak memory
  rise over the run / 100 MB (its kernel high-water mark, reset before the run): a copy
  of the array through the client would make it >= 1; target <= 0.5.
- ``dask_projection``: the advice's projection for P = this machine's cores (from a
  profiled sequential run and Dask's calibrated costs) against DaskRunner() measured
  on the mixed pipeline (an embedded LocalCluster per run); target |ratio - 1| <= 0.25.

Dask runs last: a process that used Dask keeps a thread, and beside a foreign thread
runadvisor's process pools start by forkserver instead of fork.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import workloads as W

IO_SECONDS = 0.25
CPU_SECONDS = 0.4
MIXED_IO = 8
MIXED_CPU = 4
CHAIN = 1000
ONLY = {"reference": "runadvisor only"}  # Kedro has no such runner: its column shows '-'


def crunch(work: int, *parts: Any) -> int:
    """Pure-Python work (holds the GIL) after its inputs arrive."""
    return W.burn(work) + len(parts)


def mixed_pipeline(lib: W.Lib, work: int) -> Any:
    nodes = [lib.node(W.nap, "pause", f"raw_{i}", name=f"fetch_{i}") for i in range(MIXED_IO)]
    for j in range(MIXED_CPU):
        inputs = ["work", f"raw_{2 * j}", f"raw_{2 * j + 1}"]
        nodes.append(lib.node(crunch, inputs, f"out_{j}", name=f"crunch_{j}"))
    return lib.pipeline(nodes)


def mixed_assignment() -> dict[str, str]:
    assign = {f"fetch_{i}": "threads" for i in range(MIXED_IO)}
    assign.update({f"crunch_{j}": "processes" for j in range(MIXED_CPU)})
    return assign


def _median(values: list[float]) -> float:
    return statistics.median(values)


def mixed_cases(case_type: Any, libs: dict[str, Any], cores: int, cheap: int) -> list:
    """The four runners side by side, the hybrid's ratio to the best, and advise's pick."""
    lib = libs["runadvisor"]
    work = W.calibrate_burn(CPU_SECONDS)
    pipe = mixed_pipeline(lib, work)
    data = {"pause": IO_SECONDS, "work": work}
    walls: dict[str, list[float]] = {}

    def runner_for(kind: str) -> Any:
        from runadvisor.runners import HybridRunner

        if kind == "hybrid":
            return HybridRunner(mixed_assignment(), max_threads=MIXED_IO, max_processes=cores)
        if kind == "processes_past_cores":  # a process per waiting node: waits overlap too
            return lib.runner("processes", MIXED_IO)
        return lib.runner(kind, MIXED_IO if kind == "threads" else cores)

    def timed(kind: str) -> dict[str, float]:
        catalog = lib.catalog(kind, data)
        start = time.perf_counter()
        runner_for(kind).run(pipe, catalog)
        wall = time.perf_counter() - start
        walls.setdefault(kind, []).append(wall)
        return {"wall": wall}

    def ratio(samples: list[dict[str, float]]) -> float:
        singles = ("sequential", "threads", "processes", "processes_past_cores")
        best = min(_median(walls[k]) for k in singles)
        return _median([s["wall"] for s in samples]) / best

    def wall_s(samples: list[dict[str, float]]) -> float:
        return _median([s["wall"] for s in samples])

    cases = []
    for kind, label in (
        ("sequential", "sequential"),
        ("threads", f"threads({MIXED_IO})"),
        ("processes", f"processes({cores})"),
        ("processes_past_cores", f"processes({MIXED_IO})"),
        ("hybrid", f"hybrid({MIXED_IO} threads + {cores} processes)"),
    ):
        case = case_type(
            "mixed",
            label,
            "wall",
            lambda lib, kind=kind: timed(kind),
            wall_s,
            "s",
            None,
            {"kedro": 0},
            warmup=lambda lib, kind=kind: runner_for(kind).run(pipe, lib.catalog(kind, data)),
            note=ONLY,
        )
        if kind == "hybrid":
            case.specs = [
                ("wall", wall_s, "s", None),
                ("wall / best single executor", ratio, "x", ("<=", 0.8)),
            ]
        cases.append(case)

    def advise_pick(lib: W.Lib) -> dict[str, float]:
        from runadvisor.advisor import advise

        rec = advise(pipe, lib.catalog("sequential", data))
        print(f"  mixed: advise recommends {rec.runner_call}", flush=True)
        return {"wall": 0.0, "hybrid": float(rec.kind == "hybrid")}

    cases.append(
        case_type(
            "mixed",
            "advise()",
            "recommends HybridRunner",
            advise_pick,
            lambda samples: min(s["hybrid"] for s in samples),
            "",
            (">=", 1.0),
            {"runadvisor": 1, "kedro": 0},
            note=ONLY,
        )
    )
    return cases


class Cluster:
    """One LocalCluster for the Dask workloads, started on first use."""

    def __init__(self, cores: int) -> None:
        self.cores = cores
        self.cluster: Any = None
        self.client: Any = None

    def get(self) -> Any:
        if self.client is None:
            import logging

            import distributed

            self.cluster = distributed.LocalCluster(
                n_workers=self.cores,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = distributed.Client(self.cluster, set_as_default=False)
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.cluster.close()
            self.client = self.cluster = None


def _plain_chain(client: Any, n: int) -> float:
    start = time.perf_counter()
    future = client.submit(W.step, 0, pure=False)
    for _ in range(n - 1):
        future = client.submit(W.step, future, pure=False)
    assert future.result() == n
    return time.perf_counter() - start


def dask_cases(case_type: Any, libs: dict[str, Any], cores: int, cheap: int, selected: set) -> list:
    """DaskRunner against plain client.submit, the 100 MB array, and the projection."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("  dask workloads: skipped (they need dask: pip install -e '.[dask]')")
        return []
    from runadvisor.dask import DaskRunner

    lib = libs["runadvisor"]
    shared = Cluster(cores)
    cases = []

    if "dask_chain" in selected:
        chain = W.chain(lib, CHAIN)
        flip = [False]

        def measure_chain(lib: W.Lib) -> dict[str, float]:
            client = shared.get()
            flip[0] = not flip[0]  # alternate which goes first
            order = ("plain", "dask") if flip[0] else ("dask", "plain")
            out: dict[str, float] = {"nodes": CHAIN}
            for what in order:
                if what == "plain":
                    out["plain"] = _plain_chain(client, CHAIN)
                else:
                    start = time.perf_counter()
                    outputs = DaskRunner(client=client).run(chain.pipeline, chain.catalog(lib, "x"))
                    out["wall"] = time.perf_counter() - start
                    chain.check(outputs)
            return out

        def per_node(key: str) -> Callable[[list[dict[str, float]]], float]:
            return lambda samples: _median([s[key] / s["nodes"] for s in samples]) * 1e6

        def ratio(samples: list[dict[str, float]]) -> float:
            return _median([s["wall"] / s["plain"] for s in samples])

        case = case_type(
            "dask_chain",
            f"dask(LocalCluster {cores})",
            "per node",
            measure_chain,
            per_node("wall"),
            "us",
            None,
            {"runadvisor": 3, "kedro": 0},
            warmup=measure_chain,
            note=ONLY,
        )
        case.specs = [
            ("per node, DaskRunner", per_node("wall"), "us", None),
            ("per node, client.submit", per_node("plain"), "us", None),
            ("DaskRunner / client.submit", ratio, "x", ("<=", 1.5)),
        ]
        cases.append(case)

    if "dask_bigdata" in selected:
        built: dict[str, Any] = {}

        def measure_big(lib: W.Lib) -> dict[str, float]:
            if "wl" not in built:
                built["wl"] = W.bigdata(lib, "numpy", W.make_array())
            wl = built["wl"]
            client = shared.get()
            catalog = wl.catalog(lib, "x")
            before = _reset_peak()
            start = time.perf_counter()
            outputs = DaskRunner(client=client).run(wl.pipeline, catalog)
            wall = time.perf_counter() - start
            peak = _peak()
            wl.check(outputs)
            rise = max(0, peak - before) if peak is not None and before is not None else None
            return {"wall": wall, "client_rise": rise if rise is not None else float("nan")}

        case = case_type(
            "dask_bigdata",
            f"dask(LocalCluster {cores})",
            "wall",
            measure_big,
            lambda s: _median([x["wall"] for x in s]),
            "s",
            None,
            {"kedro": 0},
            warmup=measure_big,
            note=ONLY,
        )
        case.specs = [
            ("wall", lambda s: _median([x["wall"] for x in s]), "s", None),
            (
                "client peak rise / payload",
                lambda s: max(x["client_rise"] for x in s) / W.PAYLOAD_BYTES,
                "x",
                ("<=", 0.5),
            ),
        ]
        case.cleanup = built.clear
        cases.append(case)

    if "dask_projection" in selected:
        work = W.calibrate_burn(CPU_SECONDS)
        pipe = mixed_pipeline(lib, work)
        data = {"pause": IO_SECONDS, "work": work}
        predicted: dict[str, float] = {}

        def project() -> float:
            if "p" not in predicted:
                from runadvisor.advisor import projection
                from runadvisor.advisor.calibrate import calibrate
                from runadvisor.advisor.facts import build_facts, profile_facts

                costs = calibrate(kinds=("dask",))
                answer = profile_facts(pipe, lib.catalog("sequential", data), 120)
                _, nodes, profile = build_facts(answer)
                made = projection.for_advice(nodes, profile, answer.get("travels"), costs)
                predicted["p"] = made["this_machine"]["predicted"]
                print(f"  dask_projection: projected {predicted['p']:.2f} s on {cores} workers")
            return predicted["p"]

        def measure_local(lib: W.Lib) -> dict[str, float]:
            project()
            start = time.perf_counter()
            DaskRunner(max_workers=cores).run(pipe, lib.catalog("sequential", data))
            return {"wall": time.perf_counter() - start}

        def deviation(samples: list[dict[str, float]]) -> float:
            return abs(project() / _median([s["wall"] for s in samples]) - 1)

        case = case_type(
            "dask_projection",
            f"dask(LocalCluster {cores})",
            "wall",
            measure_local,
            lambda s: _median([x["wall"] for x in s]),
            "s",
            None,
            {"runadvisor": 3, "kedro": 0},
            note=ONLY,
        )
        case.specs = [
            ("wall, measured", lambda s: _median([x["wall"] for x in s]), "s", None),
            ("wall, projected", lambda s: project(), "s", None),
            ("|projected / measured - 1|", deviation, "", ("<=", 0.25)),
        ]
        cases.append(case)

    if cases:
        cases[-1].cleanup = _chain_cleanups(cases[-1].cleanup, shared.close)
    return cases


def _chain_cleanups(first: Callable[[], None] | None, then: Callable[[], None]) -> Callable:
    def both() -> None:
        if first is not None:
            first()
        then()

    return both


def _reset_peak() -> int | None:
    """Reset this process's kernel high-water mark of RSS (Linux); RSS now, in bytes."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return _status("VmRSS")
    except OSError:
        return None


def _peak() -> int | None:
    return _status("VmHWM")


def _status(key: str) -> int | None:
    try:
        with open(f"/proc/{os.getpid()}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
