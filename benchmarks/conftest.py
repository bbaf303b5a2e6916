"""Options for the benchmark suite (run on demand: ``pytest benchmarks --benchmark-only``).

``--cores`` sets the worker counts the thread and process benchmarks are
parametrised with: ``all`` (default: every core this process may use), one
number, or a list such as ``1,2,4`` to record how the runners scale. Tests take
them through a ``workers`` fixture, or through ``case`` with the ``runners``
marker (see ``pytest_configure``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--cores",
        default="all",
        help="worker counts for the thread/process benchmarks: 'all' (default), N, or N,M,...",
    )


def worker_counts(config: pytest.Config) -> list[int]:
    raw = str(config.getoption("--cores")).strip().lower()
    if raw in ("", "all"):
        return [available_cores()]
    try:
        counts = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise pytest.UsageError(
            f"--cores {raw!r}: give 'all', a number or numbers like 1,2,4"
        ) from None
    if not counts or min(counts) < 1:
        raise pytest.UsageError(f"--cores {raw!r}: worker counts must be positive")
    return sorted(set(counts))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "runners(*kinds): parametrise the test's `case` fixture with (kind, workers, library) "
        "for each kind ('sequential', 'threads', 'processes', or 'threads=16' for a fixed "
        "count), each worker count of --cores, and runadvisor then Kedro",
    )


LIBRARIES = ("runadvisor", "kedro")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    counts = worker_counts(metafunc.config)
    if "workers" in metafunc.fixturenames:
        metafunc.parametrize("workers", counts, ids=[f"w{n}" for n in counts])
    marker = metafunc.definition.get_closest_marker("runners")
    if marker is None or "case" not in metafunc.fixturenames:
        return
    cases = []
    for kind in marker.args:
        if kind == "sequential":
            combos = [(kind, None)]
        elif "=" in kind:
            name, _, fixed = kind.partition("=")
            combos = [(name, int(fixed))]
        else:
            combos = [(kind, n) for n in counts]
        # runadvisor right before Kedro: each pair is measured side by side.
        cases += [(k, n, lib) for k, n in combos for lib in LIBRARIES]
    ids = [f"{k}{'' if n is None else n}-{lib}" for k, n, lib in cases]
    metafunc.parametrize("case", cases, ids=ids)
