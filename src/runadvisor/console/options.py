"""Option values: parse and check what the user typed, and find runners by name."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Sequence
from typing import Any

import click

from runadvisor.exceptions import RunAdvisorError

FORMATS = ("html", "md", "json")
ADDRESS_KEY = "runadvisor.address"  # ctx.meta: --address, for runners that take one (dask)
MEMORY_UNITS = {
    "": 1,
    "B": 1,
    "K": 1024,
    "KB": 1000,
    "KIB": 1024,
    "M": 1024**2,
    "MB": 1000**2,
    "MIB": 1024**2,
    "G": 1024**3,
    "GB": 1000**3,
    "GIB": 1024**3,
    "T": 1024**4,
    "TB": 1000**4,
    "TIB": 1024**4,
}


class OptionError(RunAdvisorError):
    """An option value the command cannot use."""


def split_names(text: str) -> list[str]:
    """Split a comma-separated list, keeping commas inside brackets.

    Default node names are Kedro 1.x's ``f__1a2b3c4d`` (``partial(f)__...`` for a
    partial), which hold no commas; names written in Kedro 0.19's form
    ``f([a,b]) -> [c]`` stay whole too: ``"f([a,b]) -> [c],g"`` gives both.
    """
    names: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            names.append(current.strip())
            current = ""
        else:
            current += char
    names.append(current.strip())
    return [name for name in names if name]


def parse_positive_int(text: str, option: str, *, many: bool = False) -> int:
    """``"4"`` -> 4; anything else is an OptionError naming the option."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        hint = "give a comma-separated list like 1,2,4" if many else "give a number like 4"
        raise OptionError(f"{option}: {text.strip()!r} is not a positive integer; {hint}.")
    return value


def positive_int_callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A click callback: the option's value as a positive integer (None stays None)."""
    if value is None:
        return None
    return parse_positive_int(str(value), f"--{param.name.replace('_', '-')}")  # type: ignore[union-attr]


def parse_workers(text: str | None) -> list[int] | None:
    """``"1,2,4"`` -> ``[1, 2, 4]`` (sorted, unique); None stays None."""
    if text is None:
        return None
    parts = [part for part in text.split(",")]
    if not any(part.strip() for part in parts):
        raise OptionError("--workers: empty list; give a comma-separated list like 1,2,4.")
    values = {parse_positive_int(part, "--workers", many=True) for part in parts if part.strip()}
    return sorted(values)


def parse_choices(text: str | None, option: str, choices: Sequence[str]) -> list[str] | None:
    """A comma-separated subset of ``choices`` (order kept, duplicates dropped)."""
    if text is None:
        return None
    chosen: list[str] = []
    for part in text.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in choices:
            raise OptionError(
                f"{option}: {part.strip()!r} is not one of {', '.join(choices)}; "
                f"give a comma-separated subset like {','.join(choices[:2])}."
            )
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise OptionError(f"{option}: empty list; choose from {', '.join(choices)}.")
    return chosen


def parse_memory(text: str | None) -> int | None:
    """``"4GB"``, ``"512MiB"``, ``"1.5G"`` or bytes -> bytes.

    KB/MB/GB/TB are powers of 1000; KiB/MiB/GiB/TiB and the bare K/M/G/T are
    powers of 1024 (as Docker and ulimit read them).
    """
    if text is None:
        return None
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", text)
    unit = match.group(2).upper() if match else ""
    if not match or unit not in MEMORY_UNITS or float(match.group(1)) <= 0:
        raise OptionError(
            f"--memory-limit: {text!r} is not a memory size; give bytes or a number with a "
            "unit, like 512MB, 4GB or 2GiB."
        )
    return int(float(match.group(1)) * MEMORY_UNITS[unit])


DURATION_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_budget(text: str | None) -> float | str | None:
    """``--budget``: ``auto``, ``none`` (no limit), or a duration like ``90``, ``90s``, ``2m``."""
    if text is None or text.strip().lower() == "auto":
        return "auto"
    if text.strip().lower() in ("none", "unlimited", "inf"):
        return None
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in DURATION_UNITS or float(match.group(1)) <= 0:
        raise OptionError(
            f"--budget: {text!r} is not a duration; give seconds or a number with a unit "
            "(90s, 2m, 1h), auto (about three sequential runs) or none (no limit)."
        )
    return float(match.group(1)) * DURATION_UNITS[unit]


def parse_seconds(value: float | None, option: str) -> float | None:
    """None or a positive number of seconds."""
    if value is not None and not value > 0:
        raise OptionError(f"{option}: {value:g} is not a positive number of seconds.")
    return value


def runner_choices() -> list[str]:
    """The runner kinds the command line accepts by name (the registry's)."""
    from runadvisor.runners import registry

    return registry.names()


def make_runner(
    name: str,
    workers: int | None = None,
    *,
    warn: Callable[[str], None] | None = None,
    address: str | None = None,
) -> Any:
    """A runner from a registered kind (``thread``), its class name (``ThreadRunner``)
    or a dotted path to a runner class (``pkg.mod.MyRunner``); ``address``: the
    scheduler of a runner that takes one (``--runner dask --address tcp://...``)."""
    from runadvisor.runners import registry

    kind = registry.find(name)
    if kind is not None:
        if workers is not None and not kind.takes_workers:
            if warn is not None:
                warn(f"{kind.class_name} runs one node at a time; --workers {workers} is ignored.")
            workers = None
        if address is None:
            return kind.build(workers)
        if "address" not in inspect.signature(kind.runner_class()).parameters:
            raise OptionError(
                f"--address {address}: {kind.class_name} takes no scheduler address; use it "
                "with --runner dask."
            )
        return kind.build(workers, address=address)
    cls = import_runner_class(name)
    accepts_workers = "max_workers" in inspect.signature(cls).parameters
    if workers is not None and not accepts_workers:
        if warn is not None:
            warn(f"{cls.__name__} runs one node at a time; --workers {workers} is ignored.")
        workers = None
    return cls(max_workers=workers) if workers is not None else cls()


def import_runner_class(name: str) -> type:
    """The runner class at a dotted path (``pkg.mod.MyRunner`` or ``pkg.mod:MyRunner``)."""
    from runadvisor.runners import registry

    key = name.strip()
    if "." not in key and ":" not in key:
        try:
            registry.get(key)
        except registry.UnknownRunnerError as exc:
            raise OptionError(
                f"--runner: {exc} Or give an importable class like mypkg.MyRunner."
            ) from None
    module_name, _, attr = key.replace(":", ".").rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        choices = ", ".join(registry.names())
        raise OptionError(
            f"--runner: cannot import {key!r} ({type(exc).__name__}: {exc}); give "
            f"{choices}, or an importable class like mypkg.MyRunner."
        ) from None
    if isinstance(cls, type) and callable(getattr(cls, "run", None)):
        return cls
    raise OptionError(f"--runner: {key!r} is not a runner class (it has no run method).")
