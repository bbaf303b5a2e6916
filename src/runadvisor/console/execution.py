"""Load a target and run it, or advise on it, behind a progress bar.

``meta`` is the click context's ``meta``: the target's name
(``runadvisor.name``) and the arguments a resume hint repeats
(``runadvisor.resume_args``) go there before anything runs, so that the
error handler and the partial-profile saver find them.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from runadvisor.console.filters import apply_filters
from runadvisor.console.kedro import kedro_options
from runadvisor.console.options import ADDRESS_KEY, OptionError, make_runner, parse_seconds
from runadvisor.console.output import NodeProgress, note, progress_bar


@dataclass
class Execution:
    """What a run of TARGET left: the (filtered) pipeline, the runner, the results."""

    pipeline: Any
    runner: Any
    name: str
    outputs: Any
    progress: NodeProgress
    wall: float
    profiler: Any = None


def load(target: str, kedro: Any = None) -> tuple[Any, Any, str]:
    """The pipeline, catalog and name of TARGET (see :mod:`runadvisor.loading`);
    ``kedro``: options for a Kedro project (``console.kedro.kedro_options``)."""
    from runadvisor.loading import load_target

    return load_target(target, kedro)


@contextmanager
def _quiet_resume_warning() -> Iterator[None]:
    """The engine warns with the resume hint; the CLI prints it from the failure record."""
    from runadvisor.runners import ResumeHintWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResumeHintWarning)
        yield


def execute(
    target: str,
    runner_name: str,
    workers: int | None,
    timeout: float | None,
    quiet: bool,
    filters: dict[str, Any],
    meta: MutableMapping[str, Any],
    profiler_options: dict[str, Any] | None = None,
) -> Execution:
    """Load, filter and run TARGET with a progress bar; optionally under a Profiler.

    When the profiled run fails, the exception carries the partial profile as
    ``exc.profile``.
    """
    timeout = parse_seconds(timeout, "--timeout")
    address = meta.get(ADDRESS_KEY)
    runner = make_runner(runner_name, workers, warn=None if quiet else note, address=address)
    pipe, catalog, name = load(target, kedro_options(meta))
    meta["runadvisor.name"] = name
    pipe, resume = apply_filters(pipe, catalog, filters)
    meta["runadvisor.resume_args"] = (
        [target, "--runner", runner_name]
        + (["--workers", str(workers)] if workers else [])
        + (["--address", address] if address else [])
        + resume
    )
    profiler = None
    if profiler_options is not None:
        from runadvisor.profiles import Profiler

        profiler = Profiler(pipe, runner=runner, **profiler_options)
    label = f"{name}: {type(runner).__name__}"
    started = time.perf_counter()
    with progress_bar(quiet) as progress, _quiet_resume_warning():
        observer = NodeProgress(progress, len(pipe.nodes), label)
        observers: list[Any] = [observer]
        if profiler is None:
            outputs = runner.run(
                pipe,
                catalog,
                only_missing_outputs=filters["only_missing_outputs"],
                observers=observers,
                timeout=timeout,
            )
        else:
            try:
                with profiler:
                    outputs = runner.run(
                        pipe,
                        catalog,
                        only_missing_outputs=filters["only_missing_outputs"],
                        observers=[profiler, observer],
                        timeout=timeout,
                    )
            except Exception as exc:
                exc.profile = profiler.profile  # type: ignore[attr-defined]
                raise
        observer.finish()
    wall = time.perf_counter() - started
    return Execution(pipe, runner, name, outputs, observer, wall, profiler)


def runner_label(runner: Any, pipe: Any) -> str:
    """``ThreadRunner (4 workers)``, or the class name for a foreign runner."""
    try:
        workers = runner.workers_for(pipe)
    except Exception:  # a foreign runner class
        return type(runner).__name__
    noun = "worker" if workers == 1 else "workers"
    return f"{type(runner).__name__} ({workers} {noun})"


def advise_with_progress(pipe: Any, catalog: Any, name: str, quiet: bool, **options: Any) -> Any:
    """:func:`runadvisor.advisor.advise` with a progress bar; ``options`` go to advise."""
    from runadvisor.advisor import advise

    with progress_bar(quiet) as progress:
        task = progress.add_task(f"{name}: advise", total=None)

        def report_progress(done: int, total: int, label: str = "") -> None:
            progress.update(task, done, total, label)

        recommendation = advise(pipe, catalog, progress=report_progress, **options)
        progress.finish(task)
        return recommendation


def advise_on_profile(
    path: Any, target: str | None, runners: Any, workers: Any, memory_limit: Any
) -> Any:
    """:func:`runadvisor.advisor.advise_from_profile` for ``advise --from-profile``."""
    from runadvisor.advisor import advise_from_profile

    if target is not None:
        raise OptionError(
            f"advise: give TARGET ({target!r}) or --from-profile ({str(path)!r}), not both: "
            "a profile is advised on without running anything."
        )
    return advise_from_profile(
        path,
        runners=None if runners is None else tuple(runners),
        workers=workers,
        memory_limit=memory_limit,
    )
