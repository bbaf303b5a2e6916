"""Find the pipeline and catalog a command-line TARGET names.

TARGET is ``path/to/file.py``, ``path/to/file.py:name``, ``package.module`` or
``package.module:name`` (a folder holding ``pipeline.py`` works too), or the
root folder of a Kedro project (``pyproject.toml`` with ``[tool.kedro]``),
which is loaded with Kedro's own API by :mod:`runadvisor.kedro.project` (the
``kedro`` extra; ``kedro_options`` choose its pipeline, environment and
parameters as ``kedro run``'s options do). Without a
name, the module's ``pipeline`` (a Pipeline) or ``create_pipeline()`` is used,
and its ``catalog`` or ``create_catalog()`` (default: an empty DataCatalog).
``name`` may be a Pipeline, a function returning one, or a function returning
``(pipeline, catalog)``.

Files are imported under a unique module name with their folder first on
``sys.path`` (so sibling imports work), and registered with cloudpickle to
pickle by value, so their functions reach spawned worker processes and the
advisor's subprocesses without being importable there. Every mistake raises a
one-line :class:`TargetError` that names the problem and the fix.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from runadvisor.exceptions import RunAdvisorError
from runadvisor.io import DataCatalog
from runadvisor.pipeline import Pipeline

__all__ = ["TargetError", "load_target", "split_target"]

PIPELINE_NAMES = ("pipeline", "create_pipeline")
CATALOG_NAMES = ("catalog", "create_catalog")
# File names too generic to name a target: the folder names it instead.
_GENERIC_STEMS = {"pipeline", "pipelines", "__init__", "__main__", "main", "pipeline_registry"}
_DEBUG_HINT = "(run with --debug for the traceback)"
_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


class TargetError(RunAdvisorError):
    """TARGET does not lead to a pipeline: missing file, import error, wrong object."""


def split_target(target: str) -> tuple[str, str | None]:
    """``"a/b.py:name"`` -> ``("a/b.py", "name")``; no ``:name`` gives None.

    A colon only splits when what follows is a (dotted) Python name, so
    Windows drive letters (``C:\\x.py``) stay part of the path.
    """
    head, sep, tail = target.rpartition(":")
    if sep and head and _NAME.match(tail) and not re.fullmatch(r"[A-Za-z]", head):
        return head, tail
    return target, None


def load_target(target: str, kedro_options: Any = None) -> tuple[Any, Any, str]:
    """Import TARGET and return ``(pipeline, catalog, display_name)``.

    ``display_name`` is short (``cpu_transform``, ``etl:nightly``) for report
    titles and folder names. Raises :class:`TargetError` for every user mistake
    (a Kedro project's: a ``runadvisor.kedro.errors.KedroError``).
    ``kedro_options`` (a ``KedroOptions``) apply to a Kedro project only.
    """
    if not isinstance(target, str) or not target.strip():
        raise TargetError(
            "No TARGET given: name a pipeline file (path/to/pipeline.py), a module "
            "(package.module), optionally followed by :name, or a Kedro project's folder."
        )
    if is_kedro_project(target.strip()):
        return _load_kedro_project(target.strip(), kedro_options)
    if kedro_options is not None:
        raise TargetError(
            "--pipeline, --env, --params, --conf-source, --namespaces, --load-versions and "
            f"the Kedro node filters apply to Kedro projects, and '{target}' is not one: give "
            "the project's root folder (with pyproject.toml and [tool.kedro]), or drop them."
        )
    spec, name = split_target(target.strip())
    if _looks_like_file(spec):
        path = _resolve_file(spec)
        module = _import_file(path)
        label = _short(path)
        stem = path.parent.name if path.stem in _GENERIC_STEMS and path.parent.name else path.stem
    else:
        module = _import_module(spec)
        label = spec
        parts = spec.split(".")
        stem = parts[-2] if parts[-1] in _GENERIC_STEMS and len(parts) > 1 else parts[-1]
    pipe, catalog = _find_pipeline(module, name, label)
    if catalog is None:
        catalog = _find_catalog(module, label)
    catalog = _check_catalog(catalog, label)
    if not pipe.nodes:
        where = f"{label}:{name}" if name else label
        raise TargetError(
            f"The pipeline from {where} has no nodes; add nodes to it, or point TARGET at "
            "another pipeline."
        )
    display = f"{stem}:{name}" if name else stem
    return pipe, catalog, display


# -- Kedro projects -------------------------------------------------------------------


def is_kedro_project(target: str) -> bool:
    """Whether TARGET is a Kedro project's root folder (Kedro itself is not imported)."""
    path = Path(target).expanduser()
    if not path.is_dir():
        return False
    toml = path / "pyproject.toml"
    try:
        return toml.is_file() and "[tool.kedro]" in toml.read_text(encoding="utf-8")
    except OSError:
        return False


def _load_kedro_project(target: str, options: Any) -> tuple[Any, Any, str]:
    """A Kedro project through runadvisor.kedro (which says how to install Kedro if missing)."""
    from runadvisor.kedro.project import load_project

    # The command line shows its own progress: Kedro's INFO lines (every dataset
    # loaded and saved) would bury it. `kedro run --runner runadvisor.kedro...` keeps them.
    project = load_project(target, options, quiet=True)
    return project.pipeline, project.catalog, project.name


# -- finding and importing the module -------------------------------------------


def _looks_like_file(spec: str) -> bool:
    return (
        spec.endswith(".py")
        or "/" in spec
        or os.sep in spec
        or (os.altsep is not None and os.altsep in spec)
        or Path(spec).exists()
        or not _NAME.match(spec)
    )


def _resolve_file(spec: str) -> Path:
    path = Path(spec).expanduser()
    if path.is_dir():
        for candidate in ("pipeline.py", "__init__.py"):
            if (path / candidate).is_file():
                return (path / candidate).resolve()
        raise TargetError(
            f"'{spec}' is a folder without pipeline.py; give the .py file that defines the "
            "pipeline, e.g. path/to/pipeline.py."
        )
    if not path.exists():
        raise TargetError(
            f"No such file: '{spec}' (looked in {Path.cwd()}). Give the path to a .py file "
            "that defines a pipeline, or an importable module name like package.module."
        )
    if path.suffix != ".py":
        raise TargetError(
            f"'{spec}' is not a Python file (.py); give the .py file that defines the pipeline."
        )
    return path.resolve()


def _module_name_for(path: Path) -> str:
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    stem = re.sub(r"\W", "_", path.stem)
    return f"runadvisor_target_{stem}_{digest}"


@contextmanager
def _on_sys_path(folder: Path) -> Iterator[None]:
    """Put ``folder`` first on ``sys.path`` while importing; restore afterwards."""
    entry = str(folder)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        try:
            sys.path.remove(entry)
        except ValueError:  # the user's code removed it already
            pass


def _import_error(what: str, exc: BaseException) -> TargetError:
    message = f"{exc}".strip().splitlines()[0] if str(exc).strip() else ""
    detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return TargetError(f"importing {what} raised {detail} {_DEBUG_HINT}")


def _import_file(path: Path) -> types.ModuleType:
    name = _module_name_for(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - .py files always have one
        raise TargetError(f"'{path}' cannot be imported as a Python module.")
    module = importlib.util.module_from_spec(spec)
    before = set(sys.modules)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    with _on_sys_path(path.parent):
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:
            if previous is not None:
                sys.modules[name] = previous
            else:
                sys.modules.pop(name, None)
            raise _import_error(_short(path), exc) from exc
    _pickle_by_value([module, *_new_modules_under(before, path.parent)])
    return module


def _import_module(spec: str) -> types.ModuleType:
    cwd = Path.cwd()
    before = set(sys.modules)
    with _on_sys_path(cwd):
        try:
            module = importlib.import_module(spec)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if missing and (spec == missing or spec.startswith(missing + ".")):
                raise TargetError(
                    f"No file or module named '{spec}' (looked in {cwd}). Give the path to a "
                    ".py file, or a module importable from here (check PYTHONPATH, or install "
                    "your project with pip install -e .)."
                ) from exc
            raise _import_error(spec, exc) from exc
        except (Exception, SystemExit) as exc:
            raise _import_error(spec, exc) from exc
    # Modules that came from the working folder are not importable in workers
    # started elsewhere: send them by value. Installed packages travel by name.
    _pickle_by_value(_new_modules_under(before, cwd))
    return module


def _new_modules_under(before: set[str], folder: Path) -> list[types.ModuleType]:
    """Modules imported since ``before`` whose files live under ``folder`` (not site-packages)."""
    found = []
    root = str(folder.resolve())
    for name in set(sys.modules) - before:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if module is None or not file:
            continue
        resolved = os.path.realpath(file)
        if not resolved.startswith(root + os.sep):
            continue
        if "site-packages" in resolved or "dist-packages" in resolved:
            continue
        found.append(module)
    return found


def _pickle_by_value(modules: list[types.ModuleType]) -> None:
    import cloudpickle

    for module in modules:
        if module.__name__.split(".")[0] == "runadvisor":
            continue
        try:
            cloudpickle.register_pickle_by_value(module)
        except ValueError:  # not in sys.modules any more
            pass


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# -- finding the objects ----------------------------------------------------------


def _type_name(obj: Any) -> str:
    kind = type(obj)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _is_pipeline_factory(obj: Any) -> bool:
    """True for ``runadvisor.pipeline`` (and Kedro's ``pipeline``) imported into the module."""
    from runadvisor.pipeline import pipeline as factory

    if obj is factory:
        return True
    return getattr(obj, "__name__", "") == "pipeline" and str(
        getattr(obj, "__module__", "")
    ).startswith(("runadvisor.", "kedro."))


def _candidates(module: types.ModuleType) -> list[str]:
    """Top-level names that look like pipelines or functions that may build one."""
    names = []
    for key, value in vars(module).items():
        if key.startswith("_") or _is_pipeline_factory(value):
            continue
        if isinstance(value, Pipeline) or (
            isinstance(value, types.FunctionType) and value.__module__ == module.__name__
        ):
            names.append(key)
    return sorted(names)


def _call(func: Callable[[], Any], what: str) -> Any:
    try:
        return func()
    except RunAdvisorError as exc:
        raise TargetError(f"{what} raised {type(exc).__name__}: {exc}") from exc
    except (Exception, SystemExit) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        raise TargetError(f"{what} raised {detail} {_DEBUG_HINT}") from exc


def _not_a_pipeline(obj: Any, where: str) -> TargetError:
    hint = "Point TARGET at a Pipeline, or at a function that returns one."
    if _type_name(obj).startswith("kedro."):
        hint = "Import node and pipeline from runadvisor instead of kedro."
    return TargetError(f"{where} is a {_type_name(obj)}, not a runadvisor Pipeline. {hint}")


def _unpack(result: Any, where: str) -> tuple[Pipeline, Any]:
    """A Pipeline, ``(pipeline, catalog)`` or Kedro's ``{"__default__": pipeline}``."""
    catalog = None
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Pipeline):
        result, catalog = result
    elif isinstance(result, dict) and isinstance(result.get("__default__"), Pipeline):
        result = result["__default__"]
    if not isinstance(result, Pipeline):
        raise _not_a_pipeline(result, where)
    return result, catalog


def _find_pipeline(module: types.ModuleType, name: str | None, label: str) -> tuple[Pipeline, Any]:
    if name is not None:
        obj: Any = module
        for part in name.split("."):
            if not hasattr(obj, part):
                found = _candidates(module)
                listed = f"; its candidates are: {', '.join(found)}" if found else ""
                raise TargetError(
                    f"{label} has no name '{name}'{listed}. Check the spelling after the colon."
                )
            obj = getattr(obj, part)
        where = f"{label}:{name}"
        if isinstance(obj, Pipeline):
            return obj, None
        if callable(obj) and not isinstance(obj, type):
            return _unpack(_call(obj, f"calling {where}()"), f"{where}() returned a value that")
        raise _not_a_pipeline(obj, where)

    value = getattr(module, "pipeline", None)
    if isinstance(value, Pipeline):
        return value, None
    factory = getattr(module, "create_pipeline", None)
    if callable(factory):
        where = f"{label}:create_pipeline"
        return _unpack(_call(factory, f"calling {where}()"), f"{where}() returned a value that")
    if value is not None and not _is_pipeline_factory(value):
        raise _not_a_pipeline(value, f"{label}'s `pipeline`")
    found = _candidates(module)
    listed = f" Names that might be one: {', '.join(found)} (use {label}:NAME)." if found else ""
    raise TargetError(
        f"No pipeline found in {label}: define `pipeline = Pipeline([...])` or "
        f"`def create_pipeline()` there, or name one as {label}:NAME.{listed}"
    )


def _find_catalog(module: types.ModuleType, label: str) -> Any:
    value = getattr(module, "catalog", None)
    if value is not None and not callable(value):
        return value
    factory = getattr(module, "create_catalog", None)
    if callable(factory):
        return _call(factory, f"calling {label}:create_catalog()")
    if callable(value) and not isinstance(value, type):
        return _call(value, f"calling {label}:catalog()")
    return DataCatalog()


def _check_catalog(catalog: Any, label: str) -> DataCatalog:
    if isinstance(catalog, DataCatalog):
        return catalog
    if isinstance(catalog, dict):
        return DataCatalog(catalog)
    hint = "build one with DataCatalog({...})."
    if _type_name(catalog).startswith("kedro."):
        hint = "import DataCatalog and the datasets from runadvisor instead of kedro."
    raise TargetError(
        f"The catalog from {label} is a {_type_name(catalog)}, not a runadvisor DataCatalog; {hint}"
    )
