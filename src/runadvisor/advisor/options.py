"""Checking what ``advise()`` was asked, once, into one frozen value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from runadvisor.advisor.errors import AdviceError
from runadvisor.runners import registry

AUTO = "auto"
AUTO_RUNS = 3.0  # the automatic budget: this many sequential runs' time for all of advise


@dataclass(frozen=True)
class AdviceOptions:
    """What ``advise()`` was asked, checked.

    ``kinds``: the registered runner kinds to choose from; ``workers``: worker
    counts to try instead of the sweep (None: sweep); ``repeats``: measured runs
    per candidate; ``predict_only``: no measured runs; ``timeout``: seconds per
    run (None: no limit); ``memory_limit``: bytes the workers may use together
    (None: a share of the available memory).
    """

    kinds: tuple[str, ...]
    workers: tuple[int, ...] | None = None
    repeats: int = 3
    predict_only: bool = False
    timeout: float | None = 60.0
    memory_limit: int | None = None
    budget: float | str | None = AUTO

    def budget_seconds(self, sequential_run: float) -> float | None:
        """The budget in seconds, given how long one sequential run took."""
        if self.budget == AUTO:
            return AUTO_RUNS * sequential_run
        return self.budget  # type: ignore[return-value]


def check_options(
    runners: Iterable[str] | str | None,
    workers: int | Iterable[int] | None,
    repeats: Any,
    predict_only: bool,
    timeout: Any,
    memory_limit: Any,
    budget: Any = "auto",
) -> AdviceOptions:
    """AdviceOptions from ``advise()``'s arguments; AdviceError naming the bad one."""
    return AdviceOptions(
        kinds=_check_runners(runners),
        workers=_check_workers(workers),
        repeats=_check_count(repeats, "repeats"),
        predict_only=bool(predict_only),
        timeout=_check_timeout(timeout),
        memory_limit=_check_memory(memory_limit),
        budget=_check_budget(budget),
    )


def _check_runners(runners: Iterable[str] | str | None) -> tuple[str, ...]:
    if runners is None:
        return tuple(registry.advised())
    names = [runners] if isinstance(runners, str) else list(runners)
    try:
        kinds = tuple(kind.name for kind in registry.resolve(names))
    except registry.UnknownRunnerError as exc:
        raise AdviceError(f"runners={names!r}: {exc}") from None
    if not kinds:
        choices = ", ".join(repr(name) for name in registry.names())
        raise AdviceError(f"runners=(): name at least one of {choices}.")
    return kinds


def _check_workers(workers: int | Iterable[int] | None) -> tuple[int, ...] | None:
    if workers is None:
        return None
    values = [workers] if isinstance(workers, int) else list(workers)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise AdviceError(
                f"workers={workers!r}: give positive whole numbers of workers (or None to sweep)."
            )
    if not values:
        raise AdviceError("workers=[]: give at least one worker count, or None to sweep.")
    return tuple(sorted(set(values)))


def _check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AdviceError(f"{name}={value!r}: give a positive whole number.")
    return value


def _check_timeout(timeout: Any) -> float | None:
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0
    ):
        raise AdviceError(f"timeout={timeout!r}: give a positive number of seconds, or None.")
    return timeout


def _check_memory(memory_limit: Any) -> int | None:
    if memory_limit is not None and (
        isinstance(memory_limit, bool) or not isinstance(memory_limit, int) or memory_limit <= 0
    ):
        raise AdviceError(
            f"memory_limit={memory_limit!r}: give a positive number of bytes, or None."
        )
    return memory_limit


def _check_budget(budget: Any) -> float | str | None:
    if budget is None or budget == AUTO:
        return budget
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0:
        raise AdviceError(
            f"budget={budget!r}: give seconds for the whole of advise (a positive number), "
            f"{AUTO!r} (about {AUTO_RUNS:g} sequential runs), or None for no limit."
        )
    return float(budget)
