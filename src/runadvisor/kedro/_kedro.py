"""Importing Kedro lazily, with one clear error when it is missing."""

from __future__ import annotations

import importlib
from functools import lru_cache
from importlib import metadata
from typing import Any

from runadvisor.kedro.errors import KedroNotInstalledError


def require(module: str = "kedro") -> Any:
    """Import ``module`` (a Kedro module, or one Kedro brings); KedroNotInstalledError when
    it (or Kedro) is not installed. Other import errors inside it propagate as they are."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = (exc.name or module).split(".")[0]
        if missing in ("kedro", "omegaconf", module.split(".")[0]):
            raise KedroNotInstalledError(exc.name or module) from None
        raise


def installed() -> bool:
    """Whether Kedro is installed (without importing it)."""
    return version() is not None


@lru_cache(maxsize=1)
def version() -> str | None:
    """The installed Kedro's version, or None."""
    try:
        return metadata.version("kedro")
    except metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=1)
def run_options() -> frozenset[str]:
    """The parameter names of the installed ``kedro run`` command (empty without Kedro)."""
    try:
        from kedro.framework.cli.project import run
    except Exception:  # Kedro missing or broken: the oldest options are the safe bet
        return frozenset()
    return frozenset(param.name for param in run.params if param.name)


def runner_params_supported() -> bool:
    """Whether ``kedro run`` takes ``--runner-params`` (Kedro 1.6 and later)."""
    return "runner_params" in run_options()


def pipelines_option_supported() -> bool:
    """Whether ``kedro run`` takes ``--pipelines`` (plural; Kedro 1.2 and later)."""
    return "pipelines" in run_options()
