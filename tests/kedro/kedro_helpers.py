"""Helpers for the Kedro tests: the example project, its audit log, kedro run in-process."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "kedro_project"
# The feature nodes' work: one pass keeps every run of the example well under a second.
FAST = {"features": {"rounds": 1}}


def copy_example(folder: Path) -> Path:
    """A copy of the example project (its raw inputs, none of its outputs) in ``folder``."""
    target = folder / "kedro_project"
    shutil.copytree(
        EXAMPLE,
        target,
        ignore=shutil.ignore_patterns("__pycache__", "0[2-9]_*", "profiles", "reports"),
    )
    return target


def audit(path: Path) -> list[tuple[str, str, int]]:
    """The audit log's lines as (event, name, pid)."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        event, name, pid = line.split("\t")
        rows.append((event, name, int(pid)))
    return rows


def kedro_session_run(root: Path, runner: Any, params: Any = None, **options: Any) -> dict:
    """``kedro run`` in-process: a KedroSession on the project, with ``runner``."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(root)
    runtime = FAST if params is None else params
    with KedroSession.create(project_path=root, runtime_params=runtime) as session:
        return session.run(runner=runner, **options)


def node_names(root: Path, pipeline: str = "__default__") -> set[str]:
    """The names of the nodes of one of the project's registered pipelines."""
    from kedro.framework.project import pipelines
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(root)
    return {node.name for node in pipelines[pipeline].nodes}


def outputs(root: Path) -> dict[str, Any]:
    """What a run of the example wrote, as data frames by file (versioned: the newest)."""
    import pandas as pd

    found = {}
    for path in sorted((root / "data").rglob("*")):
        if not path.is_file() or "01_raw" in path.parts:
            continue
        key = str(path.relative_to(root / "data"))
        if path.parent.parent.suffix == ".csv":  # a versioned CSV: folder/version/file
            key = str(path.parent.parent.relative_to(root / "data"))
        reader = pd.read_parquet if path.suffix == ".parquet" else pd.read_csv
        found[key] = reader(path)
    return found
