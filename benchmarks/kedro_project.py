"""The ``kedro_project`` workload of compare.py: examples/kedro_project under ``kedro run``.

One ``KedroSession.run`` of the example project (both pipelines, its own
parameters: four pure-Python feature nodes that can run side by side, CSV and
Parquet files, a versioned CSV, the project's hook) per measured run, with
runadvisor's runners as Kedro runners (``runadvisor.kedro.ParallelRunner``...)
against Kedro's own. A run's time covers creating the session, building the
runner and ``session.run``, for both alike. The project is copied to a
temporary folder first, so its outputs land there.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kedro_project"

_KEDRO_CLASSES = {"sequential": "SequentialRunner", "threads": "ThreadRunner"}
_KEDRO_CLASSES["processes"] = "ParallelRunner"


class ExampleProject:
    """A temporary copy of the example project, bootstrapped once."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="runadvisor-bench-kedro-"))
        self.root = self.folder / "kedro_project"
        shutil.copytree(
            EXAMPLE, self.root, ignore=shutil.ignore_patterns("__pycache__", "0[2-9]_*")
        )
        from kedro.framework.startup import bootstrap_project

        bootstrap_project(self.root)
        logging.getLogger("kedro").setLevel(logging.WARNING)
        logging.getLogger("bike_trips").setLevel(logging.WARNING)

    def runner(self, lib: str, kind: str, workers: int | None) -> Any:
        """runadvisor.kedro.X (lib "runadvisor") or kedro.runner.X (lib "kedro")."""
        if lib == "runadvisor":
            import runadvisor.kedro as module
        else:
            import kedro.runner as module
        cls = getattr(module, _KEDRO_CLASSES[kind])
        return cls() if kind == "sequential" else cls(max_workers=workers)

    def run(self, lib: str, kind: str, workers: int | None) -> dict[str, float]:
        """One timed ``kedro run`` of the whole project; its wall time and node count."""
        from kedro.framework.session import KedroSession

        start = time.perf_counter()
        runner = self.runner(lib, kind, workers)
        with KedroSession.create(project_path=self.root) as session:
            outputs = session.run(runner=runner)
        del runner
        wall = time.perf_counter() - start
        assert sorted(outputs) == ["summary"], sorted(outputs)
        assert (self.root / "data" / "08_reporting" / "summary.csv").exists()
        logging.getLogger("kedro").setLevel(logging.WARNING)  # a session reconfigures logging
        return {"wall": wall}

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def kedro_project_cases(case_type: Any, args: Any, libs: dict[str, Any], cores: int) -> list:
    """compare.py's cases for the workload (none when Kedro is not there to load it)."""
    if libs.get("kedro") is None:
        print("  kedro_project: skipped (it needs kedro: pip install -e '.[kedro]')")
        return []
    state: dict[str, ExampleProject] = {}

    def project() -> ExampleProject:
        if "project" not in state:
            state["project"] = ExampleProject()
        return state["project"]

    def cleanup() -> None:
        if "project" in state:
            state.pop("project").remove()

    def whole_s(samples: list[dict[str, float]]) -> float:
        walls = sorted(s["wall"] for s in samples)
        return walls[len(walls) // 2]

    cases = []
    for kind, label, workers in (
        ("sequential", "sequential", None),
        ("threads", f"threads({cores})", cores),
        ("processes", f"processes({cores})", cores),
    ):

        def measure(lib: Any, kind: str = kind, workers: int | None = workers) -> dict:
            return project().run(lib.name, kind, workers)

        case = case_type(
            "kedro_project",
            label,
            "kedro run",
            measure,
            whole_s,
            "s",
            None,
            {},
            warmup=measure,
            note={"runadvisor": "runadvisor.kedro runner"},
        )
        cases.append(case)
    cases[-1].cleanup = cleanup
    return cases
