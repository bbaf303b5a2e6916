"""Loading a Kedro project with Kedro's own API, as ``kedro run`` does, editing nothing.

:func:`load_project` bootstraps the project (``bootstrap_project``), opens a
``KedroSession`` (environment, runtime parameters, configuration source),
loads its context (config loader, parameters, credentials), takes the
registered pipelines by name, filters them with ``kedro run``'s options and
builds the catalog (``load_versions`` and a save version as ``kedro run``
does). What runadvisor's engine runs comes from :func:`runadvisor.kedro.catalog.bridge`,
with the project's hooks.

Every mistake is a typed :class:`~runadvisor.kedro.errors.KedroError`: not a
project, Kedro missing, an unknown pipeline (with the closest name), missing
credentials, a dataset type whose package is not installed, bad ``--params``.
"""

from __future__ import annotations

import importlib
import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runadvisor.kedro import kinds
from runadvisor.kedro._kedro import require
from runadvisor.kedro.errors import (
    BadParamsError,
    DatasetTypeError,
    KedroProjectError,
    MissingCredentialsError,
    NotAKedroProjectError,
    UnknownPipelineError,
)

_TYPE_PREFIXES = ("kedro.io.", "kedro_datasets.", "kedro_datasets_experimental.", "")
_FIRST_LINE = 200


@dataclass(frozen=True)
class KedroOptions:
    """``kedro run``'s options that choose what runs, as runadvisor takes them."""

    pipelines: tuple[str, ...] = ()
    env: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    params_text: str = ""
    conf_source: str | None = None
    tags: tuple[str, ...] = ()
    node_names: tuple[str, ...] = ()
    from_nodes: tuple[str, ...] = ()
    to_nodes: tuple[str, ...] = ()
    from_inputs: tuple[str, ...] = ()
    to_outputs: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    load_versions: Mapping[str, str] = field(default_factory=dict)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for Kedro's ``Pipeline.filter``."""
        return {
            "tags": self.tags or None,
            "node_names": self.node_names or None,
            "from_nodes": self.from_nodes or None,
            "to_nodes": self.to_nodes or None,
            "from_inputs": self.from_inputs or None,
            "to_outputs": self.to_outputs or None,
            "node_namespaces": self.namespaces or None,
        }


@dataclass
class KedroProject:
    """A loaded project: where it is, what was asked, and what runs.

    ``pipeline``/``catalog`` are what runadvisor's engine runs (hooked
    nodes, the engine's catalog); ``kedro_pipeline``/``kedro_catalog`` are
    Kedro's objects behind them.
    """

    root: Path
    package: str
    options: KedroOptions
    session_id: str
    kedro_pipeline: Any
    kedro_catalog: Any
    hook_manager: Any
    pipeline: Any = None
    catalog: Any = None

    @property
    def name(self) -> str:
        """``bike_trips`` or ``bike_trips:data_processing`` (for titles and folder names)."""
        if self.options.pipelines:
            return f"{self.package}:{'+'.join(self.options.pipelines)}"
        return self.package


def is_project(path: str | Path) -> bool:
    """Whether ``path`` is a Kedro project root (a pyproject.toml with ``[tool.kedro]``)."""
    toml = Path(path).expanduser() / "pyproject.toml"
    try:
        return toml.is_file() and "[tool.kedro]" in toml.read_text(encoding="utf-8")
    except OSError:
        return False


def parse_params(text: str | None) -> dict[str, Any]:
    """``kedro run --params`` text -> runtime parameters, as Kedro parses it (dot lists)."""
    if not text or not text.strip():
        return {}
    OmegaConf = require("omegaconf").OmegaConf  # Kedro's own parser of dot lists

    items = []
    for item in (piece.strip() for piece in text.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise BadParamsError(text, item, "no '=' between a key and its value")
        if not key.strip():
            raise BadParamsError(text, item, "an empty key")
        items.append(f"{key.strip()}={value}")
    try:
        return dict(OmegaConf.to_container(OmegaConf.from_dotlist(items)))  # type: ignore[arg-type]
    except Exception as exc:
        raise BadParamsError(text, ",".join(items), _first_line(exc)) from None


def load_project(
    path: str | Path, options: KedroOptions | None = None, *, quiet: bool = False
) -> KedroProject:
    """Load the project at ``path`` with Kedro's API; raise a KedroError for every mistake.

    ``quiet``: Kedro's loggers show warnings and errors only from the moment
    the project's logging is configured (a command line with its own progress).
    """
    options = options or KedroOptions()
    kinds.ensure_registered()  # advice on a project weighs Kedro's runners too
    root = Path(path).expanduser().resolve()
    if not root.exists():
        raise NotAKedroProjectError(str(path), "no such folder")
    if not is_project(root):
        raise NotAKedroProjectError(str(path))
    with warnings.catch_warnings():
        # Kedro's and its dependencies' deprecation notes are not the user's to act on here.
        warnings.simplefilter("ignore")
        return _bootstrap_and_load(path, root, options, quiet)


def _bootstrap_and_load(
    path: str | Path, root: Path, options: KedroOptions, quiet: bool
) -> KedroProject:
    startup = require("kedro.framework.startup")
    session_module = require("kedro.framework.session")
    try:
        metadata = startup.bootstrap_project(root)
    except Exception as exc:
        raise KedroProjectError(
            str(path), "metadata and settings", _first_line(exc), _DEBUG
        ) from exc
    if quiet:
        logging.getLogger("kedro").setLevel(logging.WARNING)
    try:
        session = session_module.KedroSession.create(
            project_path=root,
            env=options.env,
            runtime_params=dict(options.params) or None,
            conf_source=options.conf_source,
            save_on_close=False,
        )
    except Exception as exc:
        raise KedroProjectError(str(path), "session", _first_line(exc), _DEBUG) from exc
    try:
        return _load(root, metadata, session, options)
    finally:
        session.close()


_DEBUG = "Fix it, or run `kedro run` there to see Kedro's own traceback (or add --debug)."


def _load(root: Path, metadata: Any, session: Any, options: KedroOptions) -> KedroProject:
    from kedro.framework.project import pipelines

    names = list(options.pipelines) or ["__default__"]
    setter = getattr(pipelines, "set_requested", None)
    if callable(setter):
        setter(list(options.pipelines) or None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Kedro's deprecation notes are not the user's concern here
        try:
            context = session.load_context()
        except Exception as exc:
            raise KedroProjectError(str(root), "configuration", _first_line(exc), _DEBUG) from exc
        pipeline = _pipeline(root, pipelines, names)
    try:
        pipeline = pipeline.filter(**options.filters())
    except ValueError as exc:
        raise KedroProjectError(
            str(root),
            "node filters",
            _first_line(exc),
            "Check the names given to --nodes, --from-nodes, --to-nodes, --tags, "
            "--from-inputs, --to-outputs and --namespaces.",
        ) from exc
    if not pipeline.nodes:
        raise KedroProjectError(
            str(root),
            "pipelines",
            f"the pipeline {'+'.join(names)} has no nodes after the node filters",
            "Loosen the filters, or name another pipeline with --pipeline.",
        )
    if "__default__" not in names and hasattr(context, "_pipelines_to_validate"):
        context._pipelines_to_validate = list(names)
    _check_credentials(context, options.env)
    session_id = str(session.store.get("session_id") or "")
    catalog = _catalog(root, context, session_id, options)
    _materialise(catalog, context, pipeline)
    hook_manager = getattr(session, "_hook_manager", None)
    project = KedroProject(
        root=root,
        package=metadata.package_name,
        options=options,
        session_id=session_id,
        kedro_pipeline=pipeline,
        kedro_catalog=catalog,
        hook_manager=hook_manager,
    )
    from runadvisor.kedro.catalog import bridge

    project.pipeline, project.catalog = bridge(
        pipeline,
        catalog,
        hook_manager,
        run_id=session_id or None,
        package=metadata.package_name,
        project=project,
    )
    return project


def _pipeline(root: Path, pipelines: Any, names: Sequence[str]) -> Any:
    from kedro.pipeline import Pipeline

    combined = Pipeline([])
    for name in names:
        try:
            combined += pipelines[name]
        except KeyError:
            setter = getattr(pipelines, "set_requested", None)
            if callable(setter):
                setter(None)
            try:
                choices = [key for key in pipelines if key != "__default__"]
            except Exception:
                choices = []
            raise UnknownPipelineError(name, choices) from None
        except Exception as exc:
            raise KedroProjectError(
                str(root), "pipelines (register_pipelines)", _first_line(exc), _DEBUG
            ) from exc
    return combined


def _catalog(root: Path, context: Any, session_id: str, options: KedroOptions) -> Any:
    getter = getattr(context, "_get_catalog", None)
    try:
        if callable(getter):  # what kedro run does: a save version, load versions
            return getter(
                save_version=session_id or None, load_versions=dict(options.load_versions) or None
            )
        return context.catalog
    except Exception as exc:
        raise KedroProjectError(
            str(root), "catalog", _first_line(exc), "Check conf/*/catalog.yml."
        ) from exc


def _check_credentials(context: Any, env: str | None) -> None:
    """MissingCredentialsError for the first catalog entry naming credentials nobody defined."""
    loader = context.config_loader
    try:
        entries = loader["catalog"]
    except Exception:
        return  # the catalog step reports a broken catalog
    try:
        credentials = loader["credentials"]
    except Exception:  # Kedro's MissingConfigException: no credentials files at all
        credentials = {}
    for dataset, config in sorted((entries or {}).items()):
        if dataset.startswith("_") or not isinstance(config, Mapping):
            continue
        for name in _credential_names(config):
            if name not in (credentials or {}):
                raise MissingCredentialsError(dataset, name, env)


def _credential_names(config: Mapping[str, Any]) -> list[str]:
    found = []
    for key, value in config.items():
        if key == "credentials" and isinstance(value, str):
            found.append(value)
        elif isinstance(value, Mapping):
            found.extend(_credential_names(value))
    return found


def _materialise(catalog: Any, context: Any, pipeline: Any) -> None:
    """Create every dataset the pipeline uses now, so a bad type is reported before any run."""
    from runadvisor.kedro.catalog import kedro_dataset

    try:
        entries = context.config_loader["catalog"] or {}
    except Exception:
        entries = {}
    for name in sorted(pipeline.datasets()):
        try:
            kedro_dataset(catalog, name)
        except Exception as exc:
            config = entries.get(name) if isinstance(entries, Mapping) else None
            type_name = str(config.get("type", "")) if isinstance(config, Mapping) else ""
            package, detail = diagnose_type(type_name) if type_name else (None, "")
            raise DatasetTypeError(
                name, type_name or "?", package, detail or _first_line(exc)
            ) from exc


def diagnose_type(type_name: str) -> tuple[str | None, str]:
    """Why a catalog ``type`` does not load: (what to install, or None for a typo; detail)."""
    for prefix in _TYPE_PREFIXES:
        module_path, _, class_name = (prefix + type_name).rpartition(".")
        if not module_path:
            continue
        try:
            module = importlib.import_module(module_path)
            getattr(module, class_name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if missing and (module_path == missing or module_path.startswith(missing + ".")):
                continue  # not under this prefix
            return _install_hint(prefix, type_name, missing), f"No module named '{missing}'"
        except ImportError as exc:
            return _install_hint(prefix, type_name, exc.name or ""), _first_line(exc)
        except AttributeError:
            continue
        else:
            return None, "it loads here; the dataset's own arguments may be wrong"
    return None, f"no dataset class '{type_name}' was found"


def _install_hint(prefix: str, type_name: str, missing: str) -> str:
    if prefix.startswith("kedro_datasets"):
        group, _, name = type_name.rpartition(".")
        dist = prefix.rstrip(".").replace("_", "-")
        return f"{dist}[{group.replace('.', '-')}-{name.lower()}]"
    return missing or type_name


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if len(text) > _FIRST_LINE:
        text = text[: _FIRST_LINE - 3] + "..."
    return text
