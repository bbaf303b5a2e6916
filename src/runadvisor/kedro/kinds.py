"""Kedro's own runners as runner kinds the advisor can measure, predict and recommend.

Registered by :func:`ensure_registered` when a Kedro project is loaded (or
its profile advised on), without importing Kedro: the classes
(:mod:`runadvisor.kedro.native`) and the cost probes
(:mod:`runadvisor.kedro.probe`) load only when used. Importing this module
registers nothing. They are not advised by default: a Kedro project's advice
adds them beside runadvisor's own kinds.

Each counts as a little simpler than runadvisor's kind of the same model, so
that when both measure the same, the advice is Kedro's built-in runner (no
change to how the project runs). Their engine costs are their own, measured
once per machine and Kedro version (``probe``). Where ``kedro run`` has no
``--runner-params`` (before Kedro 1.6) a user cannot set their worker count,
so only the count they run with is considered (``fixed_workers``).
"""

from __future__ import annotations

import os

from runadvisor.runners import registry

KEDRO_KINDS = ("kedro-sequential", "kedro-thread", "kedro-parallel")


def _no_runner_params() -> bool:
    from runadvisor.kedro._kedro import runner_params_supported

    return not runner_params_supported()


def _thread_workers(width: int, cores: int) -> int | None:
    """Kedro's ThreadRunner without max_workers: as many threads as nodes can run at once."""
    return width if _no_runner_params() else None


def _process_workers(width: int, cores: int) -> int | None:
    """Kedro's ParallelRunner without max_workers: os.cpu_count(), capped by the pipeline."""
    return min(os.cpu_count() or 1, width) if _no_runner_params() else None


def register_kinds() -> None:
    """Register Kedro's three runners (again, replacing them, if they are there)."""
    common = {"advised": False, "probe_versions": ("kedro",)}
    registry.register(
        registry.RunnerKind(
            name="kedro-sequential",
            class_name="kedro.SequentialRunner",
            runner="runadvisor.kedro.native:KedroSequentialRunner",
            aliases=("kedrosequentialrunner",),  # the class's own name, as profiles give it
            model="inline",
            takes_workers=False,
            rank=5,
            colour="#b8a03a",
            summary="Kedro's own SequentialRunner, as kedro run runs it",
            probe="runadvisor.kedro.probe:probe_sequential",
            **common,
        ),
        replace=True,
    )
    registry.register(
        registry.RunnerKind(
            name="kedro-thread",
            class_name="kedro.ThreadRunner",
            runner="runadvisor.kedro.native:KedroThreadRunner",
            aliases=("kedrothreadrunner",),  # the class's own name, as profiles give it
            model="threads",
            rank=15,
            colour="#e0a458",
            summary="Kedro's own ThreadRunner, as kedro run runs it",
            probe="runadvisor.kedro.probe:probe_thread",
            fixed_workers=_thread_workers,
            **common,
        ),
        replace=True,
    )
    registry.register(
        registry.RunnerKind(
            name="kedro-parallel",
            class_name="kedro.ParallelRunner",
            runner="runadvisor.kedro.native:KedroParallelRunner",
            aliases=("kedroparallelrunner",),  # the class's own name, as profiles give it
            model="processes",
            pickles=True,
            rank=25,
            colour="#c45c3c",
            summary="Kedro's own ParallelRunner, as kedro run runs it (data through a manager)",
            probe="runadvisor.kedro.probe:probe_parallel",
            fixed_workers=_process_workers,
            **common,
        ),
        replace=True,
    )


def ensure_registered() -> None:
    """Register Kedro's runners unless they are registered already."""
    if any(registry.find(name) is None for name in KEDRO_KINDS):
        register_kinds()
