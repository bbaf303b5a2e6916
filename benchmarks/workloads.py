"""The benchmark workloads, built the same way for runadvisor and for Kedro.

Each builder takes a ``Lib`` (the library's ``node``, ``pipeline``, catalog and
runner classes, see ``load_lib``) and returns a ``Workload``: the pipeline, a
function that makes a fresh catalog for a given runner kind, and a check of the
result. Node functions are module-level, so Kedro's ``ParallelRunner`` (which
pickles nodes by reference) can send them to its worker processes.

Workloads (see README.md for what each one measures):

- ``chain``: N trivial nodes in a line (``chain1000``): per-node overhead.
- ``wide``: N trivial nodes reading one input, and one node summing them all
  (``wide1000``): per-node overhead with a wide ready set and a 1,000-input node.
- ``noop1``: one trivial node: what starting a run costs.
- ``cpu8``: 8 branches of pure-Python work (~0.3 s each) and a combine.
- ``io16``: 16 branches sleeping 0.25 s and a merge.
- ``bigdata``: one 100 MB float64 array read by 4 nodes; ``bigdata_pandas``: the
  same with a 100 MB DataFrame.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

# ----------------------------------------------------------------------------
# Node functions (module level: picklable by reference)
# ----------------------------------------------------------------------------


def step(x: int) -> int:
    return x + 1


def total(*parts: int) -> int:
    return sum(parts)


def noop(x: Any) -> Any:
    return x


def burn(n: int) -> int:
    """Pure-Python CPU work that holds the GIL: ``n`` loop iterations."""
    acc = 0
    for i in range(n):
        acc += i * i % 7
    return acc


def nap(seconds: float) -> float:
    """Off-CPU work: sleep ``seconds`` (stands in for waiting on I/O)."""
    time.sleep(seconds)
    return seconds


def array_stat(a: Any) -> float:
    return float(a.sum())


def frame_stat(df: Any) -> float:
    return float(df.to_numpy().sum())


# ----------------------------------------------------------------------------
# The two libraries behind one namespace
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lib:
    """What a workload needs from a library."""

    name: str
    version: str
    node: Callable[..., Any]
    pipeline: Callable[..., Any]
    DataCatalog: Any
    MemoryDataset: Any
    SequentialRunner: Any
    ThreadRunner: Any
    ParallelRunner: Any
    # The catalog class ParallelRunner needs (Kedro: SharedMemoryDataCatalog).
    ProcessCatalog: Any

    def runner(self, kind: str, workers: int | None = None) -> Any:
        """A fresh runner: ``kind`` is "sequential", "threads" or "processes"."""
        if kind == "sequential":
            return self.SequentialRunner()
        if kind == "threads":
            return self.ThreadRunner(max_workers=workers)
        if kind == "processes":
            return self.ParallelRunner(max_workers=workers)
        raise ValueError(f"unknown runner kind {kind!r}")

    def catalog(self, kind: str, data: dict[str, Any]) -> Any:
        """A catalog holding ``data`` in memory datasets, of the class ``kind`` needs."""
        cls = self.ProcessCatalog if kind == "processes" else self.DataCatalog
        return cls({name: self.MemoryDataset(value) for name, value in data.items()})


def quiet_kedro() -> None:
    """Kedro's loggers at WARNING (the issue's figures were measured so)."""
    for name in ("kedro", "kedro.runner", "kedro.io", "kedro.pipeline"):
        logging.getLogger(name).setLevel(logging.WARNING)


def load_lib(name: str) -> Lib | None:
    """The ``Lib`` for "runadvisor" or "kedro"; None when the library is not installed."""
    if name == "runadvisor":
        import runadvisor
        from runadvisor.io import DataCatalog, MemoryDataset
        from runadvisor.pipeline import node, pipeline
        from runadvisor.runners import ParallelRunner, SequentialRunner, ThreadRunner

        return Lib(
            "runadvisor",
            runadvisor.__version__,
            node,
            pipeline,
            DataCatalog,
            MemoryDataset,
            SequentialRunner,
            ThreadRunner,
            ParallelRunner,
            DataCatalog,  # any catalog works with runadvisor's ParallelRunner
        )
    if name == "kedro":
        os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
        os.environ.setdefault("DO_NOT_TRACK", "1")
        # Kedro logs its logging set-up at INFO while it is imported.
        previous = logging.root.manager.disable
        logging.disable(logging.INFO)
        try:
            kedro = importlib.import_module("kedro")
            from kedro.io import DataCatalog, MemoryDataset, SharedMemoryDataCatalog
            from kedro.pipeline import node, pipeline
            from kedro.runner import ParallelRunner, SequentialRunner, ThreadRunner
        except ImportError:
            return None
        finally:
            logging.disable(previous)
        quiet_kedro()
        return Lib(
            "kedro",
            kedro.__version__,
            node,
            pipeline,
            DataCatalog,
            MemoryDataset,
            SequentialRunner,
            ThreadRunner,
            ParallelRunner,
            SharedMemoryDataCatalog,
        )
    raise ValueError(f"unknown library {name!r}")


# ----------------------------------------------------------------------------
# Workloads
# ----------------------------------------------------------------------------


@dataclass
class Workload:
    """A pipeline, how to make its catalog, and how to check what a run returned."""

    name: str
    pipeline: Any
    n_nodes: int
    make_data: Callable[[], dict[str, Any]]
    expect: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def catalog(self, lib: Lib, kind: str) -> Any:
        return lib.catalog(kind, self.make_data())

    def check(self, outputs: dict[str, Any]) -> None:
        """Raise if a run's outputs (``{name: dataset}``) differ from what is expected."""
        for name, want in self.expect.items():
            got = outputs[name].load()
            close = isinstance(want, float) and math.isclose(got, want, rel_tol=1e-9)
            if got != want and not close:
                raise AssertionError(f"{self.name}: {name} = {got!r}, expected {want!r}")


def chain(lib: Lib, n: int = 1000) -> Workload:
    nodes = [lib.node(step, f"d{i}", f"d{i + 1}", name=f"step_{i:04d}") for i in range(n)]
    return Workload(f"chain{n}", lib.pipeline(nodes), n, lambda: {"d0": 0}, {f"d{n}": n})


def wide(lib: Lib, n: int = 1000) -> Workload:
    nodes = [lib.node(step, "x", f"w{i:04d}", name=f"step_{i:04d}") for i in range(n)]
    nodes.append(lib.node(total, [f"w{i:04d}" for i in range(n)], "sum", name="sum"))
    return Workload(f"wide{n}", lib.pipeline(nodes), n + 1, lambda: {"x": 1}, {"sum": 2 * n})


def noop1(lib: Lib) -> Workload:
    nodes = [lib.node(noop, "x", "y", name="noop")]
    return Workload("noop1", lib.pipeline(nodes), 1, lambda: {"x": 1}, {"y": 1})


def cpu8(lib: Lib, work: int, branches: int = 8) -> Workload:
    nodes = [lib.node(burn, "work", f"c{i}", name=f"burn_{i}") for i in range(branches)]
    nodes.append(lib.node(total, [f"c{i}" for i in range(branches)], "cpu", name="combine"))
    want = burn(work) * branches if work <= 1000 else None
    expect = {"cpu": want} if want is not None else {}
    return Workload(
        "cpu8",
        lib.pipeline(nodes),
        branches + 1,
        lambda: {"work": work},
        expect,
        {"work": work, "branches": branches},
    )


def io16(lib: Lib, seconds: float = 0.25, branches: int = 16) -> Workload:
    nodes = [lib.node(nap, "pause", f"s{i:02d}", name=f"nap_{i:02d}") for i in range(branches)]
    nodes.append(lib.node(total, [f"s{i:02d}" for i in range(branches)], "io", name="merge"))
    return Workload(
        "io16",
        lib.pipeline(nodes),
        branches + 1,
        lambda: {"pause": seconds},
        {"io": seconds * branches},
        {"seconds": seconds, "branches": branches},
    )


PAYLOAD_BYTES = 100_000_000  # 12.5M float64
READERS = 4


def make_array() -> Any:
    import numpy as np

    return np.arange(PAYLOAD_BYTES // 8, dtype=np.float64)


def make_frame() -> Any:
    import numpy as np
    import pandas as pd

    rows = PAYLOAD_BYTES // 8 // 10
    base = np.arange(rows, dtype=np.float64)
    return pd.DataFrame({f"c{j}": base + j for j in range(10)})


def bigdata(lib: Lib, kind: str = "numpy", payload: Any = None) -> Workload:
    """``READERS`` nodes each read one 100 MB value (array or DataFrame) and reduce it.

    ``payload`` lets a caller build the value once and reuse it across runs
    (each catalog wraps it in a fresh MemoryDataset, which copies it).
    """
    func = array_stat if kind == "numpy" else frame_stat
    nodes = [lib.node(func, "big", f"r{i}", name=f"read_{i}") for i in range(READERS)]
    name = "bigdata" if kind == "numpy" else "bigdata_pandas"
    holder = SimpleNamespace(value=payload)

    def make_data() -> dict[str, Any]:
        if holder.value is None:
            holder.value = make_array() if kind == "numpy" else make_frame()
        return {"big": holder.value}

    return Workload(name, lib.pipeline(nodes), READERS, make_data, {}, {"kind": kind})


def calibrate_burn(target: float = 0.3) -> int:
    """Iterations of ``burn`` that take about ``target`` seconds here.

    The fastest of several ~0.1 s trials sets the rate, so a busy moment on a
    shared machine does not shorten the work.
    """
    n = 100_000
    while True:
        start = time.perf_counter()
        burn(n)
        took = time.perf_counter() - start
        if took > 0.02:
            break
        n *= 2
    n = max(1, int(n * 0.1 / took))
    best = math.inf
    for _ in range(5):
        start = time.perf_counter()
        burn(n)
        best = min(best, time.perf_counter() - start)
    return max(1, int(n * target / best))
