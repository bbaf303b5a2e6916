"""Run the benchmark workloads on runadvisor and on Kedro, side by side, and check the targets.

    python benchmarks/compare.py                    # everything, ~4 minutes on 2 cores
    python benchmarks/compare.py --quick            # fewer repeats, ~2 minutes
    python benchmarks/compare.py --workloads chain1000,noop1 --json out.json
    python benchmarks/compare.py --cores 1          # cap workers and CPU affinity at 1 core
    python benchmarks/compare.py --workloads kedro_project   # the example Kedro project
    python benchmarks/compare.py --workloads mixed,dask_chain,dask_bigdata,dask_projection

Both libraries run in this one process, interleaved: for each repeat, each case
runs on runadvisor and then on Kedro, so drift on a shared machine hits both.
The table shows medians over the repeats and the ratio runadvisor / Kedro (for
times lower is better, for efficiency higher is better). A run's time covers
building the runner, ``run()`` and dropping the runner (Kedro's ParallelRunner
starts a multiprocessing manager in its constructor and stops it when dropped);
the catalog is built before the clock starts. Kedro's loggers are at WARNING.

Exit status 1 when a target is missed (``--no-fail``: always 0). See README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import workloads as W  # noqa: E402
from memsampler import MemorySampler  # noqa: E402
from quiet import Outside, wait_quiet  # noqa: E402

LIBS = ("runadvisor", "kedro")
ALL_WORKLOADS = (
    "chain1000",
    "wide1000",
    "noop1",
    "cpu8",
    "io16",
    "bigdata",
    "import",
    "kedro_project",
    "mixed",
    "dask_chain",
    "dask_bigdata",
    "dask_projection",  # Dask last: it leaves a thread, and then pools start by forkserver
)
MB = 1e6


# ----------------------------------------------------------------------------
# One measured run
# ----------------------------------------------------------------------------


def run_once(
    lib: W.Lib,
    wl: W.Workload,
    kind: str,
    workers: int | None,
    sampler: MemorySampler | None = None,
) -> dict[str, float]:
    """Build the catalog, then time runner construction + run + drop; check the outputs."""
    catalog = wl.catalog(lib, kind)
    gc.collect()
    if sampler is not None:
        sampler.start()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        runner = lib.runner(kind, workers)
        outputs = runner.run(wl.pipeline, catalog)
        ran = time.perf_counter() - start
        wl.check(outputs)  # not timed; Kedro's process outputs need its manager alive
        start = time.perf_counter()
        del runner, outputs
        dropped = time.perf_counter() - start
    result = {"wall": ran + dropped}
    if sampler is not None:
        mem = sampler.stop()
        result.update(pss=mem["pss"], rss=mem["rss"], samples=mem["samples"])
    for warning in caught:
        if not issubclass(warning.category, DeprecationWarning):
            print(f"  warning from {lib.name} {kind}: {warning.message}", file=sys.stderr)
    del catalog
    return result


# ----------------------------------------------------------------------------
# Cases: one table row each (bigdata gives two rows per runner)
# ----------------------------------------------------------------------------


@dataclass
class Case:
    """A workload under one runner: how to measure it on a library, and its target."""

    workload: str
    runner: str
    metric: str
    measure: Callable[[W.Lib], dict[str, float]]
    value: Callable[[list[dict[str, float]]], float]  # samples -> the figure in the table
    unit: str
    target: tuple[str, float] | None = None  # ("<=" | ">=", bound)
    repeats: dict[str, int] = field(default_factory=dict)  # per library, else the default
    warmup: Callable[[W.Lib], Any] | None = None
    note: dict[str, str] = field(default_factory=dict)  # per library, shown in the table
    shared: Callable[[], dict[str, float]] | None = None  # measured once per repeat
    cleanup: Callable[[], None] | None = None  # after the workload's last repeat
    # Several table rows from one case: (metric, value, unit, target) each.
    specs: list[tuple[str, Callable[..., float], str, Any]] = field(default_factory=list)


@dataclass
class Row:
    workload: str
    runner: str
    metric: str
    unit: str
    values: dict[str, float | None]
    target: tuple[str, float] | None
    note: dict[str, str]
    others: float | None = None  # median CPU load of other processes during the runs, cores

    def met(self) -> bool | None:
        value = self.values.get("runadvisor")
        if self.target is None or value is None:
            return None
        op, bound = self.target
        return value <= bound if op == "<=" else value >= bound


def median(values: list[float]) -> float:
    return statistics.median(values)


def build_cases(args: argparse.Namespace, libs: dict[str, W.Lib | None]) -> list[Case]:
    cores = args.cores
    quick = args.quick
    cases: list[Case] = []
    selected = set(args.workloads)
    kedro_proc_chain = 30 if quick else 100
    slow = 1 if quick else max(1, math.ceil(args.repeats / 2))
    # runadvisor's runs of the small graphs take milliseconds: three times the repeats
    # cost little and steady the medians against a neighbour's bursts.
    cheap = 3 * args.repeats

    def per_node(key: str = "wall") -> Callable[[list[dict[str, float]]], float]:
        return lambda samples: median([s[key] / s["nodes"] for s in samples]) * 1e6

    def whole_ms(samples: list[dict[str, float]]) -> float:
        return median([s["wall"] for s in samples]) * 1e3

    def graph_case(
        name: str, builder: Callable[..., W.Workload], kind: str, workers: int | None, label: str
    ) -> Case:
        built: dict[tuple[str, int], W.Workload] = {}

        def workload_for(lib: W.Lib, n: int) -> W.Workload:
            key = (lib.name, n)
            if key not in built:
                built[key] = builder(lib, n)
            return built[key]

        def size(lib: W.Lib) -> int:
            if lib.name == "kedro" and kind == "processes":
                return kedro_proc_chain
            return 1000

        def measure(lib: W.Lib) -> dict[str, float]:
            wl = workload_for(lib, size(lib))
            out = run_once(lib, wl, kind, workers)
            out["nodes"] = wl.n_nodes
            return out

        def warm(lib: W.Lib) -> None:
            run_once(lib, workload_for(lib, 10), kind, workers)

        note = {}
        repeats = {"runadvisor": cheap}
        if kind == "processes":
            note["kedro"] = f"{name[:-4]}{kedro_proc_chain}"
            repeats["kedro"] = slow
        target = None
        if name == "chain1000":
            target = {"sequential": ("<=", 20.0), "threads": ("<=", 60.0)}.get(kind)
            if kind == "processes":
                target = ("<=", 1000.0)
        return Case(name, label, "per node", measure, per_node(), "us", target, repeats, warm, note)

    for name, builder in (("chain1000", W.chain), ("wide1000", W.wide)):
        if name not in selected:
            continue
        cases.append(graph_case(name, builder, "sequential", None, "sequential"))
        cases.append(graph_case(name, builder, "threads", cores, f"threads({cores})"))
        cases.append(graph_case(name, builder, "processes", cores, f"processes({cores})"))

    if "noop1" in selected:
        noop = {name: W.noop1(lib) for name, lib in libs.items() if lib}
        for kind, label in (
            ("sequential", "sequential"),
            ("threads", f"threads({cores})"),
            ("processes", f"processes({cores})"),
        ):

            def measure(lib: W.Lib, kind: str = kind) -> dict[str, float]:
                return run_once(lib, noop[lib.name], kind, cores)

            target = ("<=", 60.0) if kind == "processes" else None
            cases.append(
                Case(
                    "noop1",
                    label,
                    "whole run",
                    measure,
                    whole_ms,
                    "ms",
                    target,
                    {"runadvisor": cheap},
                    warmup=measure,
                )
            )

    if "cpu8" in selected:
        work = W.calibrate_burn(0.3)
        cpu = {name: W.cpu8(lib, work) for name, lib in libs.items() if lib}
        tiny = {name: W.cpu8(lib, 1000) for name, lib in libs.items() if lib}
        branches = 8
        t1_log: list[dict[str, float]] = []

        def sequential_times() -> dict[str, float]:
            times = []
            for _ in range(branches):
                start = time.perf_counter()
                W.burn(work)
                times.append(time.perf_counter() - start)
            start = time.perf_counter()
            W.total(*range(branches))
            combine = time.perf_counter() - start
            figures = {"t1": sum(times) + combine, "t_inf": max(times) + combine}
            t1_log.append(figures)
            return figures

        def measure_cpu(lib: W.Lib) -> dict[str, float]:
            return run_once(lib, cpu[lib.name], "processes", cores)

        def measure_bare(lib: W.Lib) -> dict[str, float]:
            """The machine's ceiling: the 8 branches in a bare multiprocessing.Pool, no engine."""
            context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
            gc.collect()
            start = time.perf_counter()
            pool = context.Pool(cores)
            parts = pool.map(W.burn, [work] * branches, chunksize=1)
            pool.close()
            pool.join()
            W.total(*parts)
            out = {"wall": time.perf_counter() - start}
            out.update(t1_log[-1])
            return out

        def warm_cpu(lib: W.Lib) -> None:
            run_once(lib, tiny[lib.name], "processes", cores)

        cases.append(
            Case(
                "cpu8",
                f"processes({cores})",
                "efficiency",
                measure_cpu,
                efficiency(cores),
                "",
                (">=", 0.95),
                {"kedro": slow},
                warm_cpu,
                shared=sequential_times,
            )
        )
        # Not a runner: what the machine allows. Two CPU-bound processes on this VM's
        # 2 vCPUs each run slower than one alone, so even no engine at all falls short
        # of 1; the engine's own cost is its efficiency against this row's.
        cases.append(
            Case(
                "cpu8",
                f"bare Pool({cores})",
                "efficiency",
                measure_bare,
                efficiency(cores),
                "",
                None,
                {"kedro": 0},
                note={"reference": "multiprocessing.Pool, no engine (the machine's ceiling)"},
            )
        )

    if "io16" in selected:
        seconds = 0.25
        io = {name: W.io16(lib, seconds) for name, lib in libs.items() if lib}
        tiny_io = {name: W.io16(lib, 0.001) for name, lib in libs.items() if lib}

        def measure_io(lib: W.Lib) -> dict[str, float]:
            # T1 = 16 x 0.25 s, T_inf = 0.25 s: the ideal is the nominal sleep (the merge
            # costs microseconds); sleep's own overshoot counts against the runner.
            out = run_once(lib, io[lib.name], "threads", 16)
            out.update(t1=16 * seconds, t_inf=seconds)
            return out

        def warm_io(lib: W.Lib) -> None:
            run_once(lib, tiny_io[lib.name], "threads", 16)

        cases.append(
            Case(
                "io16",
                "threads(16)",
                "efficiency",
                measure_io,
                efficiency(16),
                "",
                (">=", 0.97),
                warmup=warm_io,
            )
        )

    if "bigdata" in selected:
        cases.extend(bigdata_cases(args, libs, cores, slow, cheap))

    if "import" in selected:
        cases.append(import_case(args, libs))

    if "kedro_project" in selected:
        from kedro_project import kedro_project_cases

        cases.extend(kedro_project_cases(Case, args, libs, cores))

    if "mixed" in selected:  # HybridRunner beside the single-executor runners
        from scaling import mixed_cases

        cases.extend(mixed_cases(Case, libs, cores, cheap))
    if selected & {"dask_chain", "dask_bigdata", "dask_projection"}:
        from scaling import dask_cases

        cases.extend(dask_cases(Case, libs, cores, cheap, selected))
    return cases


def efficiency(workers: int) -> Callable[[list[dict[str, float]]], float]:
    """The median over repeats of max(T1/P, T_inf) / wall.

    T1 and T_inf are measured in the same repeat, just before the runs, so a
    slow spell on a shared machine slows both the ideal and the run.
    """

    def value(samples: list[dict[str, float]]) -> float:
        return median([max(s["t1"] / workers, s["t_inf"]) / s["wall"] for s in samples])

    return value


def bigdata_cases(
    args: argparse.Namespace, libs: dict[str, W.Lib | None], cores: int, slow: int, cheap: int
) -> list[Case]:
    """Two variants (numpy, pandas) x (sequential, processes): wall and peak memory.

    Each run is sampled (the sampler is a separate process, see memsampler.py),
    and wall and memory come from the same runs. The runs that take ~0.1 s get
    ``cheap`` repeats: on this VM a process's first touch of 100 MB of fresh
    memory stalls now and then for 100-250 ms, and more samples steady the median.
    Memory is the largest peak over the repeats (a sampler can only miss a peak).
    """
    cases = []
    sampler: MemorySampler = args.sampler
    for variant in ("numpy", "pandas"):
        name = "bigdata" if variant == "numpy" else "bigdata_pandas"
        built: dict[str, Any] = {}  # the payload (built once) and each library's workload
        sequential: dict[str, list[dict[str, float]]] = {}

        def get(lib: W.Lib, variant: str = variant, built: dict = built) -> W.Workload:
            if "payload" not in built:
                built["payload"] = W.make_array() if variant == "numpy" else W.make_frame()
            if lib.name not in built:
                built[lib.name] = W.bigdata(lib, variant, built["payload"])
            return built[lib.name]

        def measure_seq(
            lib: W.Lib, get: Callable[..., W.Workload] = get, store: dict = sequential
        ) -> dict[str, float]:
            out = run_once(lib, get(lib), "sequential", None, sampler)
            store.setdefault(lib.name, []).append(out)
            return out

        def measure_proc(lib: W.Lib, get: Callable[..., W.Workload] = get) -> dict[str, float]:
            out: dict[str, Any] = run_once(lib, get(lib), "processes", cores, sampler)
            out["lib"] = lib.name
            return out

        def wall_vs_seq(samples: list[dict[str, float]], store: dict = sequential) -> float:
            seq = store[samples[0]["lib"]]
            return median([s["wall"] for s in samples]) / median([s["wall"] for s in seq])

        def warm(lib: W.Lib, get: Callable[..., W.Workload] = get) -> None:
            run_once(lib, get(lib), "sequential", None)

        def warm_proc(lib: W.Lib, get: Callable[..., W.Workload] = get) -> None:
            if lib.name != "kedro":  # Kedro's take seconds; its first run is not discarded
                run_once(lib, get(lib), "processes", cores)

        seq = Case(
            name,
            "sequential",
            "wall",
            measure_seq,
            wall_s,
            "s",
            repeats={"runadvisor": cheap, "kedro": cheap},
            warmup=warm,
        )
        seq.specs = [("wall", wall_s, "s", None), ("peak mem / payload", peak_x, "x", None)]
        proc = Case(
            name,
            f"processes({cores})",
            "wall",
            measure_proc,
            wall_vs_seq,
            "x",
            None,
            {"runadvisor": cheap, "kedro": slow},
            warm_proc,
        )
        proc.cleanup = built.clear
        proc.specs = [
            ("wall", wall_s, "s", None),
            ("wall / sequential", wall_vs_seq, "x", ("<=", 2.0)),
            ("peak mem / payload", peak_x, "x", ("<=", 3.0)),
        ]
        cases.extend([seq, proc])
    return cases


def wall_s(samples: list[dict[str, float]]) -> float:
    return median([s["wall"] for s in samples])


def peak_x(samples: list[dict[str, float]]) -> float:
    """Largest peak increase of the tree's memory (PSS + /dev/shm) over the repeats / payload."""
    return max(s["pss"] for s in samples) / W.PAYLOAD_BYTES


def import_case(args: argparse.Namespace, libs: dict[str, W.Lib | None]) -> Case:
    """Seconds to import the runners in a fresh interpreter, less a bare interpreter's start."""
    modules = {"runadvisor": "runadvisor.runners", "kedro": "kedro.runner"}
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1")

    def spawn(code: str) -> float:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - start

    def measure(lib: W.Lib) -> dict[str, float]:
        bare = spawn("pass")
        loaded = spawn(f"import {modules[lib.name]}")
        return {"wall": loaded, "bare": bare}

    def value(samples: list[dict[str, float]]) -> float:
        return median([s["wall"] for s in samples]) - median([s["bare"] for s in samples])

    return Case(
        "import",
        "-",
        "import runners",
        measure,
        value,
        "s",
        ("<=", 0.15),
        {"runadvisor": 2 * args.repeats, "kedro": 2 * args.repeats},
        warmup=measure,
        note={"runadvisor": "runadvisor.runners", "kedro": "kedro.runner"},
    )


# ----------------------------------------------------------------------------
# The run and the table
# ----------------------------------------------------------------------------


def run_cases(
    cases: list[Case], libs: dict[str, W.Lib | None], repeats: int, args: argparse.Namespace
) -> dict:
    """Measure every case, workload by workload; within a workload, repeat by repeat.

    Each repeat runs every case of the workload on runadvisor and then on Kedro,
    so both see the same state of a shared machine; before each repeat of a case
    the script waits (up to ``--max-wait`` seconds in all) until other processes
    leave the CPUs alone, and it records their load during each run ("others"
    in the table, in cores). Workloads run one after
    another so that one workload's data (bigdata's 100 MB payloads) is freed
    before the next starts: a fork copies the parent's page tables, so a large
    parent slows every process pool started while it is large.
    """
    samples: dict[int, dict[str, list[dict[str, float]]]] = {
        i: {name: [] for name in libs} for i in range(len(cases))
    }
    present = [lib for lib in libs.values() if lib is not None]
    outside = Outside([args.sampler.pid] if args.sampler.pid else [])
    groups: dict[str, list[int]] = {}
    for index, case in enumerate(cases):
        groups.setdefault(case.workload, []).append(index)
    for workload, members in groups.items():
        for index in members:
            warmup = cases[index].warmup
            if warmup is not None:
                for lib in present:
                    warmup(lib)
        most = max([repeats, *(n for i in members for n in cases[i].repeats.values())])
        for rep in range(most):
            for index in members:
                case = cases[index]
                shared = None
                if args.wait_left > 0:
                    args.wait_left -= wait_quiet(outside, limit=min(5.0, args.wait_left))
                for lib in present:
                    if rep >= case.repeats.get(lib.name, repeats):
                        continue
                    if case.shared is not None and shared is None:
                        shared = case.shared()
                    outside.start()
                    out = case.measure(lib)
                    out["others"] = outside.stop()
                    if shared:
                        out.update(shared)
                    samples[index][lib.name].append(out)
            print(f"  {workload}: repeat {rep + 1}/{most} done", file=sys.stderr, flush=True)
        for index in members:
            if cases[index].cleanup is not None:
                cases[index].cleanup()
        gc.collect()
    return samples


def make_rows(cases: list[Case], samples: dict) -> list[Row]:
    rows = []
    for index, case in enumerate(cases):
        specs = case.specs or [(case.metric, case.value, case.unit, case.target)]
        for metric, value, unit, target in specs:
            values = {name: (value(got) if got else None) for name, got in samples[index].items()}
            loads = [s["others"] for got in samples[index].values() for s in got]
            known = [x for x in loads if x is not None]
            others = median(known) if known else None
            rows.append(
                Row(case.workload, case.runner, metric, unit, values, target, case.note, others)
            )
    return rows


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "us":
        return f"{value:,.1f} us"
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.3f}"


def render(rows: list[Row], libs: dict[str, W.Lib | None], kedro_absent: str) -> str:
    header = [
        "workload",
        "runner",
        "metric",
        "runadvisor",
        "kedro",
        "ratio",
        "target",
        "met?",
        "others",
    ]
    table = [header]
    for row in rows:
        ra = row.values.get("runadvisor")
        kd = row.values.get("kedro")
        kedro_text = fmt(kd, row.unit) if libs.get("kedro") else kedro_absent
        if row.note.get("reference"):
            kedro_text = "-"
        if kd is not None and row.note.get("kedro"):
            kedro_text += f" [{row.note['kedro']}]"
        ratio = f"{ra / kd:.3g}" if ra is not None and kd else "-"
        target = f"{row.target[0]} {fmt(row.target[1], row.unit)}" if row.target else "-"
        met = row.met()
        table.append(
            [
                row.workload,
                row.runner,
                row.metric,
                fmt(ra, row.unit),
                kedro_text,
                ratio,
                target,
                "-" if met is None else ("yes" if met else "NO"),
                "?" if row.others is None else f"{row.others:.2f}",
            ]
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = []
    for i, line in enumerate(table):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    import runadvisor

    info: dict[str, Any] = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "runadvisor": runadvisor.__version__,
        "runadvisor_path": str(Path(runadvisor.__file__).parent),
    }
    try:
        info["runadvisor_commit"] = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return info


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter Kedro chains")
    parser.add_argument(
        "--workloads",
        default=",".join(ALL_WORKLOADS),
        help=f"comma-separated subset of {','.join(ALL_WORKLOADS)} (default: all)",
    )
    parser.add_argument(
        "--cores",
        type=int,
        default=None,
        help="workers for the thread and process runners, and the CPU affinity of this "
        "process (default: every core it may use)",
    )
    parser.add_argument("--repeats", type=int, default=None, help="repeats per case (default 5)")
    parser.add_argument("--json", type=Path, default=None, help="save the results here")
    parser.add_argument("--no-kedro", action="store_true", help="measure runadvisor alone")
    parser.add_argument(
        "--max-wait",
        type=float,
        default=None,
        help="seconds in all to wait for other processes to leave the CPUs before repeats "
        "(default 60, --quick 20; 0: never wait)",
    )
    parser.add_argument(
        "--no-fail", action="store_true", help="exit 0 even when a target is missed"
    )
    args = parser.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = sorted(set(args.workloads) - set(ALL_WORKLOADS))
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {', '.join(ALL_WORKLOADS)}")
    if args.repeats is None:
        args.repeats = 3 if args.quick else 5
    if args.max_wait is None:
        args.max_wait = 20.0 if args.quick else 60.0
    args.wait_left = args.max_wait
    return args


def set_cores(cores: int | None) -> int:
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    count = len(available) if available else (os.cpu_count() or 1)
    if cores is None:
        return count
    if cores < 1:
        raise SystemExit("--cores must be at least 1")
    if available:
        if cores > len(available):
            raise SystemExit(f"--cores {cores}: this process may use only {len(available)} cores")
        os.sched_setaffinity(0, available[:cores])
    return cores


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.cores = set_cores(args.cores)
    libs: dict[str, W.Lib | None] = {"runadvisor": W.load_lib("runadvisor")}
    libs["kedro"] = None if args.no_kedro else W.load_lib("kedro")
    info = machine()
    if libs["kedro"] is not None:
        info["kedro"] = libs["kedro"].version
    else:
        info["kedro"] = "not measured" if args.no_kedro else "not installed"
    info["cores_used"] = args.cores
    print(
        f"runadvisor {info['runadvisor']} ({info['runadvisor_path']}) vs kedro {info['kedro']}; "
        f"Python {info['python']}, {args.cores} core(s) of {info['cpu_count']}, "
        f"{args.repeats} repeats{' (quick)' if args.quick else ''}",
        flush=True,
    )
    started = time.perf_counter()
    with MemorySampler() as sampler:
        args.sampler = sampler
        cases = build_cases(args, libs)
        samples = run_cases(cases, libs, args.repeats, args)
    rows = make_rows(cases, samples)
    print()
    print(render(rows, libs, "not measured" if args.no_kedro else "not installed"))
    took = time.perf_counter() - started
    missed = [r for r in rows if r.met() is False]
    print()
    notes = [
        "ratio = runadvisor / kedro (times: lower is better; efficiency: higher is better).",
        "[chainN]/[wideN]: Kedro's ParallelRunner ran a shorter graph (its per-node cost "
        "grows with the graph, so this flatters it).",
        "cpu8/io16 efficiency = max(T1/P, T_inf) / wall, T1 measured sequentially here; "
        "'bare Pool' runs cpu8's branches in a multiprocessing.Pool with no engine at all: "
        "what this machine allows.",
        "bigdata: payload 100 MB; peak mem = the largest peak increase over the repeats of "
        "the process tree's memory (PSS + /dev/shm growth) over the baseline.",
        "others: median CPU load of other processes during the runs, in cores (a shared "
        "machine: a busy neighbour slows parallel runs most).",
        "kedro_project: examples/kedro_project under kedro run (a KedroSession), with "
        "runadvisor.kedro.SequentialRunner/ThreadRunner/ParallelRunner against Kedro's own.",
    ]
    print("\n".join(notes))
    if args.no_kedro:
        print("kedro: not measured (--no-kedro)")
    elif libs["kedro"] is None:
        print("kedro: not installed (pip install -e '.[bench]')")
    print(
        f"took {took:.0f} s; targets met: {sum(r.met() is True for r in rows)}/"
        f"{sum(r.met() is not None for r in rows)}"
    )
    if missed:
        print("MISSED: " + "; ".join(f"{r.workload} {r.runner} {r.metric}" for r in missed))
    if args.json:
        payload = {
            "machine": info,
            "args": {
                k: v for k, v in vars(args).items() if k not in ("sampler", "json", "wait_left")
            },
            "rows": [
                {
                    "workload": r.workload,
                    "runner": r.runner,
                    "metric": r.metric,
                    "unit": r.unit,
                    "values": r.values,
                    "target": r.target,
                    "met": r.met(),
                    "note": r.note,
                    "others": r.others,
                }
                for r in rows
            ],
            "samples": [
                {"workload": c.workload, "runner": c.runner, "samples": samples[i]}
                for i, c in enumerate(cases)
            ],
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str))
        print(f"saved {args.json}")
    return 1 if missed and not args.no_fail else 0


if __name__ == "__main__":
    sys.exit(main())
