"""From a catalog entry (``{"type": ..., **arguments}``) to a dataset, as Kedro does it.

``type`` is resolved the way Kedro resolves it, with runadvisor's own datasets
standing in where Kedro's packages are missing:

1. a bare name (``MemoryDataset``, ``CSVDataset``) is one of ``runadvisor.io``'s;
2. a short dotted name (``pandas.CSVDataset``) is kedro-datasets' class where
   kedro-datasets has it, so a Kedro project gets the objects Kedro would; else
   runadvisor's own class where we implement that name (pandas CSV and Parquet,
   pickle, JSON); else the name as written (``my_pkg.datasets.MyDataset``);
3. a name under ``kedro.`` or ``kedro_datasets.`` is imported as written, and
   falls back to runadvisor's class of that name where Kedro is not installed;
4. otherwise one ``DatasetTypeNotFoundError`` names the dataset, the type and
   the package to install.

kedro and kedro-datasets are imported only here, only when an entry needs them.
"""

from __future__ import annotations

import copy
import importlib
import sys
from typing import Any

from runadvisor.io.errors import DatasetError, DatasetTypeNotFoundError
from runadvisor.io.versioning import Version, generate_timestamp

TYPE_KEY = "type"
VERSIONED_FLAG_KEY = "versioned"
VERSION_KEY = "version"

# Kedro type names that runadvisor's own classes serve when Kedro's are not installed.
OWN_TYPES = {
    "pandas.CSVDataset": "runadvisor.io.files.CSVDataset",
    "pandas.ParquetDataset": "runadvisor.io.files.ParquetDataset",
    "pickle.PickleDataset": "runadvisor.io.files.PickleDataset",
    "json.JSONDataset": "runadvisor.io.files.JSONDataset",
    "MemoryDataset": "runadvisor.io.memory.MemoryDataset",
    "CachedDataset": "runadvisor.io.memory.CachedDataset",
    "SharedMemoryDataset": "runadvisor.io.shared_memory.SharedMemoryDataset",
}


# kedro-datasets' groups (kedro-datasets 9), to tell its type names from a user's own
# when it is not installed: "pandas.ExcelDataset" is one of its, "my_pkg.MyDataset" not.
KEDRO_DATASETS_GROUPS = frozenset(
    [
        "api",
        "biosequence",
        "dask",
        "databricks",
        "email",
        "geopandas",
        "holoviews",
        "huggingface",
        "ibis",
        "json",
        "langchain",
        "matlab",
        "matplotlib",
        "networkx",
        "openxml",
        "pandas",
        "partitions",
        "pickle",
        "pillow",
        "plotly",
        "polars",
        "redis",
        "snowflake",
        "spark",
        "svmlight",
        "tensorflow",
        "text",
        "yaml",
    ]
)


class _Failure:
    """Why one import path gave no class: absent, or present but missing a dependency."""

    def __init__(self, path: str, missing_dependency: str | None, detail: str) -> None:
        self.path = path
        self.missing_dependency = missing_dependency
        self.detail = detail


def _import_class(path: str) -> tuple[Any, _Failure | None]:
    """The object at ``module.attr`` path, or why there is none."""
    module_path, _, attr = path.rpartition(".")
    try:
        module = importlib.import_module(module_path)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        own = missing == module_path or module_path.startswith(missing + ".")
        return None, _Failure(path, None if own else missing, str(exc))
    except ImportError as exc:  # the module itself failed on one of its imports
        return None, _Failure(path, exc.name or "a dependency", str(exc))
    try:
        return getattr(module, attr), None
    except ModuleNotFoundError as exc:  # a lazily imported class whose dependency is missing
        return None, _Failure(path, exc.name or str(exc), str(exc))
    except AttributeError:
        if attr in (getattr(module, "__all__", None) or ()):  # listed, but failed to import
            detail = f"module '{module_path}' lists '{attr}' but could not import it"
            return None, _Failure(path, "a dependency", detail)
        return None, _Failure(path, None, f"module '{module_path}' has no '{attr}'")


def _own_type_path(type_name: str) -> str | None:
    """runadvisor's class for a Kedro type name, in any of Kedro's spellings."""
    key = type_name
    if type_name.startswith("kedro.io."):
        key = type_name.rsplit(".", 1)[-1]
    elif type_name.startswith("kedro_datasets."):
        parts = type_name.split(".")[1:]
        key = f"{parts[0]}.{parts[-1]}" if len(parts) >= 2 else ""
    return OWN_TYPES.get(key)


def _kedro_datasets_extra(type_name: str) -> str | None:
    """``pip install "kedro-datasets[group-classname]"`` for a kedro-datasets type name:
    ``group.Class`` of a known group, or ``kedro_datasets.group[.module].Class``."""
    parts = type_name.split(".")
    prefixed = parts[0] == "kedro_datasets"
    if prefixed:
        parts = parts[1:]
    if len(parts) < 2 or not (prefixed or (len(parts) == 2 and parts[0] in KEDRO_DATASETS_GROUPS)):
        return None
    return f'pip install "kedro-datasets[{parts[0]}-{parts[-1].lower()}]"'


def _kedro_datasets_installed() -> bool:
    try:
        importlib.import_module("kedro_datasets")
    except ImportError:
        return False
    return True


def _close_matches(type_name: str) -> list[str]:
    """Known type names close to ``type_name`` (and its 'DataSet' -> 'Dataset' spelling)."""
    import difflib

    names = list(OWN_TYPES)
    group = type_name.removeprefix("kedro_datasets.").split(".")[0]
    if "." in type_name and group.isidentifier():
        module, _ = _import_class(f"kedro_datasets.{group}.__all__")
        names += [f"{group}.{name}" for name in module or ()]
    corrected = type_name.removeprefix("kedro_datasets.").replace("DataSet", "Dataset")
    if corrected != type_name and corrected in names:
        return [corrected]
    matches = difflib.get_close_matches(corrected, sorted(set(names)), n=2, cutoff=0.85)
    return [m for m in matches if m != type_name]


def _not_found(dataset: str | None, type_name: str, failures: list[_Failure]) -> DatasetError:
    """The one error for a type that gave no class, saying what to install or fix."""
    who = f"Dataset '{dataset}' has type '{type_name}'" if dataset else f"Type '{type_name}'"
    extra = _kedro_datasets_extra(type_name)
    dependency = next((f for f in failures if f.missing_dependency), None)
    install = None
    matches: list[str] = []
    if dependency is not None:
        install = extra if dependency.path.startswith("kedro_datasets.") else None
        fix = install or "install the package that provides it"
        message = f"{who}, which cannot be imported here: {dependency.detail}. Fix: {fix}."
    elif extra is not None and not _kedro_datasets_installed():
        install = extra
        message = (
            f"{who}: Kedro takes it from kedro-datasets, which is not installed here, and "
            f"runadvisor's own datasets serve only {', '.join(OWN_TYPES)}. Install it: "
            f"{install}"
        )
        matches = _close_matches(type_name)
    else:
        mine = [
            f
            for f in failures
            if f.path.startswith("kedro_datasets.") and f.detail.startswith("module ")
        ]
        chosen = mine[-1] if extra is not None and mine else failures[-1] if failures else None
        detail = chosen.detail if chosen else "no such class"
        message = f"{who}, which cannot be found ({detail}). Check the spelling"
        if "." not in type_name:
            message += (
                ", or give the full path (my_package.datasets.MyDataset) or a "
                "kedro-datasets name (pandas.CSVDataset)"
            )
        matches = _close_matches(type_name)
    if matches:
        message += " - did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
    elif not message.endswith("."):
        message += "."
    return DatasetTypeNotFoundError(message, dataset=dataset, type_name=type_name, install=install)


def resolve_dataset_type(type_name: Any, dataset: str | None = None) -> type:
    """The dataset class that a catalog entry's ``type`` names (see the module docstring)."""
    if isinstance(type_name, type):
        return _checked_class(type_name, dataset)
    if not isinstance(type_name, str) or not type_name:
        raise DatasetError(f"Dataset '{dataset}': 'type' must be a class path, not {type_name!r}.")
    if type_name.strip(".") != type_name:
        raise DatasetError(
            f"Dataset '{dataset}': 'type' class path does not support relative paths or "
            f"paths ending with a dot ('{type_name}')."
        )
    own = _own_type_path(type_name)
    explicit = type_name.startswith(("kedro.", "kedro_datasets."))
    if "." not in type_name:
        candidates = [f"runadvisor.io.{type_name}"]
    elif explicit:
        candidates = [type_name, *([own] if own else [])]
    else:  # ours before the name as written: no importing 'pandas' just to look
        candidates = [f"kedro_datasets.{type_name}", *([own] if own else []), type_name]
    failures: list[_Failure] = []
    for path in candidates:
        found, failure = _import_class(path)
        if failure is None:
            return _checked_class(found, dataset)
        failures.append(failure)
    raise _not_found(dataset, type_name, failures)


def _required_arguments(method: Any) -> int | None:
    """How many arguments ``method`` needs besides ``self``; None if unknown."""
    import inspect

    try:
        parameters = list(inspect.signature(method).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in parameters if p.kind in kinds and p.default is p.empty)


def _is_dataset_class(found: Any) -> bool:
    """A subclass of an ``AbstractDataset`` (ours or Kedro's), or a class with ``load()``
    and ``save(data)``: a catalog's ``load(name)`` does not qualify."""
    if not isinstance(found, type):
        return False
    if any(base.__name__ == "AbstractDataset" for base in found.__mro__[1:]):
        return True
    load, save = getattr(found, "load", None), getattr(found, "save", None)
    if not (callable(load) and callable(save)):
        return False
    return _required_arguments(load) in (0, None) and _required_arguments(save) in (1, None)


def _checked_class(found: Any, dataset: str | None) -> type:
    if _is_dataset_class(found):
        return found  # type: ignore[no-any-return]
    path = f"{getattr(found, '__module__', '?')}.{getattr(found, '__qualname__', found)}"
    raise DatasetError(
        f"Dataset '{dataset}': type '{path}' is invalid: all dataset types must extend "
        "'AbstractDataset' (or at least define load() and save())."
    )


def _version(kind: type, load: str | None, save: str | None) -> Any:
    """A ``Version``; Kedro's own for Kedro's datasets, so they see the class they expect."""
    kedro_core = sys.modules.get("kedro.io.core")
    if kedro_core is not None and issubclass(kind, kedro_core.AbstractDataset):
        return kedro_core.Version(load, save)
    return Version(load, save)


def _warn(message: str) -> None:
    import logging

    logging.getLogger(__name__).warning(message)


def parse_dataset_definition(
    config: dict[str, Any],
    load_version: str | None = None,
    save_version: str | None = None,
    dataset: str | None = None,
) -> tuple[type, dict[str, Any]]:
    """``(class, constructor arguments)`` for a catalog entry, ``version`` set if versioned."""
    if not isinstance(config, dict):
        raise DatasetError(
            f"Catalog entry '{dataset}' is not a valid dataset configuration: give a "
            "mapping with a 'type'. If this entry is meant for variable interpolation, "
            "start its key with an underscore."
        )
    if TYPE_KEY not in config:
        raise DatasetError(
            f"An exception occurred when parsing config for dataset '{dataset}': "
            "'type' is missing from dataset catalog configuration. Add one, e.g. "
            "type: pandas.CSVDataset."
        )
    config = copy.deepcopy(config)
    kind = resolve_dataset_type(config.pop(TYPE_KEY), dataset)
    if config.pop("validator", None) is not None:
        _warn(f"Dataset '{dataset}': runadvisor does not apply catalog validators; ignored.")
    if VERSION_KEY in config:
        _warn(
            "'version' attribute removed from dataset configuration since it is a "
            "reserved word and cannot be directly specified"
        )
        del config[VERSION_KEY]
    if config.pop(VERSIONED_FLAG_KEY, False) or getattr(kind, VERSIONED_FLAG_KEY, False) is True:
        config[VERSION_KEY] = _version(kind, load_version, save_version or generate_timestamp())
    return kind, config


def dataset_from_config(
    name: str,
    config: dict[str, Any],
    load_version: str | None = None,
    save_version: str | None = None,
) -> Any:
    """The dataset instance that catalog entry ``name`` describes."""
    kind, arguments = parse_dataset_definition(config, load_version, save_version, name)
    path = f"{kind.__module__}.{kind.__qualname__}"
    import inspect

    if inspect.isabstract(kind):
        missing = ", ".join(sorted(getattr(kind, "__abstractmethods__", ())))
        raise DatasetError(
            f"Dataset '{name}' cannot be instantiated: '{path}' is abstract. Please "
            f"implement the missing abstract methods ({missing})."
        )
    try:
        inspect.signature(kind).bind(**arguments)
    except TypeError as err:
        raise DatasetError(
            f"Dataset '{name}' must only contain arguments valid for the constructor of "
            f"'{path}': {err}."
        ) from err
    except ValueError:  # no signature to check (a builtin): let the call say
        pass
    try:
        return kind(**arguments)
    except DatasetError:
        raise
    except Exception as err:
        raise DatasetError(
            f"Failed to instantiate dataset '{name}' of type '{path}': {type(err).__name__}: {err}"
        ) from err
