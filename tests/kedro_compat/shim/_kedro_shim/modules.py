"""Kedro's module tree, rebuilt from its name manifest, each name resolved on first use.

``kedro`` and ``kedro_datasets`` are real (tiny) packages; every submodule Kedro
has (``kedro.io.core``, ``kedro.runner.runner``, ...) is created on import by
``ShimFinder`` from the manifest that ``run.py`` extracted with Kedro's tests
(``KEDRO_COMPAT_MANIFEST``). A module Kedro does not have cannot be imported,
and a name Kedro's module does not bind is an ``AttributeError``, as with Kedro.
Each name Kedro's module does bind resolves to its runadvisor counterpart
(``counterparts``) or to a placeholder that fails when used (``placeholders``).
"""

from __future__ import annotations

import atexit
import importlib
import importlib.abc
import importlib.machinery
import inspect
import json
import os
import sys
import types
from typing import Any

from _kedro_shim import counterparts
from _kedro_shim.placeholders import defer_at_import, placeholder

MANIFEST_ENV = "KEDRO_COMPAT_MANIFEST"
NULL_HOOKS_ENV = "KEDRO_COMPAT_NULL_HOOKS"
NAMES_LOG_ENV = "KEDRO_COMPAT_NAMES_LOG"


def _load_manifest() -> dict[str, dict[str, Any]]:
    path = os.environ.get(MANIFEST_ENV)
    if not path or not os.path.exists(path):
        raise ImportError(
            "This 'kedro' is runadvisor's test shim (tests/kedro_compat/shim). It needs the "
            f"manifest of Kedro's names (${MANIFEST_ENV}); run it through "
            "tests/kedro_compat/run.py."
        )
    with open(path, encoding="utf-8") as file:
        manifest = json.load(file)
    modules: dict[str, dict[str, Any]] = manifest["modules"]
    global KEDRO_VERSION
    KEDRO_VERSION = manifest.get("version")
    for module, names in counterparts.KEDRO_DATASETS.items():
        canonical = {
            name: f"module:{module}.{name}"
            if f"{module}.{name}" in counterparts.KEDRO_DATASETS
            else f"{module}:{name}"
            for name in names
        }
        modules[module] = {"package": True, "canonical": canonical, "open": True}
    return modules


KEDRO_VERSION: str | None = None  # the version of the Kedro source the tests come from
MODULES = _load_manifest()
_resolved: dict[str, str] = {}  # Kedro qualname -> what it resolved to (for the report)
_main_pid = os.getpid()


def _import_target(target: str) -> Any:
    """``'pkg.mod:attr'`` -> the object, or None when runadvisor does not have it."""
    module, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


def _counterpart(canonical: str) -> tuple[Any, str] | None:
    """The object a Kedro name maps onto and its runadvisor path, or None."""
    null_hooks = os.environ.get(NULL_HOOKS_ENV) == "1"
    for table in (counterparts.PLUMBING, counterparts.NULL_HOOKS if null_hooks else {}):
        if canonical in table:
            return _import_target(table[canonical]), f"harness {table[canonical]}"
    kedro_module, _, name = canonical.partition(":")
    if name.startswith("_") or canonical in counterparts.NEVER:
        return None
    if canonical in counterparts.EXPLICIT:
        target = counterparts.EXPLICIT[canonical]
        value = _import_target(target)
        return (value, target) if value is not None else None
    for prefix, package in counterparts.SAME_NAME_PACKAGES.items():
        if kedro_module == prefix or kedro_module.startswith(prefix + "."):
            exported = getattr(importlib.import_module(package), "__all__", ())
            if name in exported:
                return _import_target(f"{package}:{name}"), f"{package}:{name}"
    return None


def resolve(module: str, name: str) -> Any:
    """What ``module.name`` is under the shim (raises AttributeError where Kedro would)."""
    if module == "kedro" and name == "__version__" and KEDRO_VERSION is not None:
        # Data about the Kedro whose tests run, not a mapping: runadvisor is not Kedro,
        # so a test comparing it with what runadvisor writes fails honestly.
        _resolved[f"{module}.{name}"] = f"harness: Kedro's source version {KEDRO_VERSION}"
        return KEDRO_VERSION
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(f"module {module!r} has no attribute {name!r} (shim of Kedro)")
    info = MODULES[module]
    canonical = info["canonical"].get(name)
    if canonical is None and not (info.get("open") and not name.startswith("_")):
        raise AttributeError(f"Kedro's module {module!r} has no attribute {name!r}")
    canonical = canonical or f"{module}:{name}"
    if canonical.startswith("module:"):
        return importlib.import_module(canonical[len("module:") :])
    found = _counterpart(canonical) if canonical != "<other>" else None
    qualname = f"{module}.{name}"
    if found is not None:
        value, where = found
        _resolved[qualname] = where
        return defer_at_import(value) if inspect.isfunction(value) else value
    if name.startswith("_"):
        reason = f"private name {qualname}"
    elif canonical == "<other>":
        reason = f"{qualname} (Kedro's own import from another library)"
    else:
        reason = f"public name {qualname} (runadvisor has no counterpart)"
    _resolved[qualname] = "placeholder: " + reason
    return placeholder(module, name, reason)


class ShimModule(types.ModuleType):
    """A Kedro module whose names resolve on first use."""

    def __getattr__(self, name: str) -> Any:
        value = resolve(self.__name__, name)
        self.__dict__[name] = value
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        # Importing kedro.pipeline.node must not replace the function kedro.pipeline.node:
        # where Kedro binds a name to something else, a submodule does not shadow it.
        if isinstance(value, types.ModuleType):
            info = MODULES.get(self.__name__, {})
            bound = info.get("canonical", {}).get(name)
            if bound is not None and bound != f"module:{self.__name__}.{name}":
                return
        super().__setattr__(name, value)


class ShimFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Creates Kedro's submodules from the manifest; nothing else."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if "." not in fullname or fullname not in MODULES:
            return None
        return importlib.machinery.ModuleSpec(
            fullname, self, is_package=MODULES[fullname]["package"]
        )

    def create_module(self, spec: Any) -> types.ModuleType:
        return ShimModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def _write_names_log() -> None:
    path = os.environ.get(NAMES_LOG_ENV)
    if path and os.getpid() == _main_pid:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(dict(sorted(_resolved.items())), file, indent=1)


def install_root(name: str) -> None:
    """Turn the real package ``name`` into a shim module; install the finder once."""
    sys.modules[name].__class__ = ShimModule
    if not any(isinstance(finder, ShimFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, ShimFinder())
        atexit.register(_write_names_log)
