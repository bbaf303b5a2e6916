"""The command line's Kedro options, and what it does differently for a Kedro project.

``runadvisor advise|run|profile PATH`` takes a Kedro project root with
``kedro run``'s own option names (``--pipeline``, ``--env``, ``--params``...).
The options store what was given in the click context's ``meta`` (so the
commands keep their signatures); :func:`kedro_options` turns it into
:class:`~runadvisor.kedro.project.KedroOptions` for the loader. For a Kedro
project, advice weighs Kedro's own runners beside runadvisor's and ends with
the exact ``kedro run`` command line (:func:`kedro_command`).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from runadvisor.console.options import OptionError, split_names

META_KEY = "runadvisor.kedro"
_PROJECT_FLAGS = ("--pipeline", "--env", "--params", "--conf-source", "--namespaces")


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value in (None, (), ""):
        return
    ctx.meta.setdefault(META_KEY, {})[param.name] = value


def _option(*names: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(*names, expose_value=False, callback=_store, **kwargs)


def kedro_project_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``kedro run``'s options that choose what runs, for a Kedro project TARGET."""
    options = [
        _option(
            "--pipeline",
            "-p",
            "pipeline",
            multiple=True,
            metavar="NAME",
            help="Kedro project: the registered pipeline(s) to use (comma-separated, "
            "repeatable; default __default__).",
        ),
        _option("--pipelines", "pipelines", metavar="NAMES", help="Same as --pipeline."),
        _option("--env", "-e", "env", metavar="ENV", help="Kedro project: the environment."),
        _option(
            "--params",
            "params",
            metavar="KEY=VALUE,...",
            help="Kedro project: runtime parameters, as for kedro run.",
        ),
        _option("--conf-source", "conf_source", metavar="PATH", help="Kedro project: config."),
        _option(
            "--namespaces",
            "-ns",
            "namespaces",
            metavar="NAMES",
            help="Kedro project: only nodes in these namespaces.",
        ),
        _option(
            "--load-versions",
            "-lv",
            "load_versions",
            metavar="DATASET:VERSION,...",
            help="Kedro project: versions of versioned datasets to load.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def kedro_filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The node filters of ``kedro run``, for ``advise`` on a Kedro project."""
    options = [
        _option("--tags", "-t", "tags", multiple=True, metavar="TAGS", help="Kedro: tags."),
        _option("--nodes", "-n", "node_names", metavar="NAMES", help="Kedro: these nodes."),
        _option("--from-nodes", "from_nodes", metavar="NAMES", help="Kedro: from these nodes."),
        _option("--to-nodes", "to_nodes", metavar="NAMES", help="Kedro: up to these nodes."),
        _option("--from-inputs", "from_inputs", metavar="DATASETS", help="Kedro: from these."),
        _option("--to-outputs", "to_outputs", metavar="DATASETS", help="Kedro: up to these."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _names(values: Any) -> tuple[str, ...]:
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    return tuple(name for item in items for name in split_names(str(item)))


def _load_versions(text: str | None) -> dict[str, str]:
    versions = {}
    for item in split_names(text or ""):
        name, sep, version = item.partition(":")
        if not sep or not name.strip() or not version.strip():
            raise OptionError(
                f"--load-versions {text!r}: {item!r} is not DATASET:VERSION; give e.g. "
                "--load-versions 'model:2024-01-01T00.00.00.000Z'."
            )
        versions[name.strip()] = version.strip()
    return versions


def kedro_options(meta: Mapping[str, Any]) -> Any:
    """The Kedro options given on the command line (KedroOptions), or None if none were."""
    given = meta.get(META_KEY)
    if not given:
        return None
    from runadvisor.kedro.project import KedroOptions, parse_params

    params_text = str(given.get("params") or "")
    return KedroOptions(
        pipelines=_names(given.get("pipeline")) + _names(given.get("pipelines")),
        env=given.get("env"),
        params=parse_params(params_text),
        params_text=params_text,
        conf_source=given.get("conf_source"),
        tags=_names(given.get("tags")),
        node_names=_names(given.get("node_names")),
        from_nodes=_names(given.get("from_nodes")),
        to_nodes=_names(given.get("to_nodes")),
        from_inputs=_names(given.get("from_inputs")),
        to_outputs=_names(given.get("to_outputs")),
        namespaces=_names(given.get("namespaces")),
        load_versions=_load_versions(given.get("load_versions")),
    )


def prepare(target: str | None) -> None:
    """Before options name runners: for a Kedro project, register Kedro's runners as kinds."""
    from runadvisor.loading import is_kedro_project

    if target and is_kedro_project(target):
        prepare_kedro_kinds()


def prepare_kedro_kinds() -> None:
    """Register Kedro's runners as kinds (``kedro-sequential``, ...)."""
    from runadvisor.kedro import kinds

    kinds.ensure_registered()


def project_of(catalog: Any) -> Any:
    """The Kedro project a loaded target came from (None for any other target)."""
    return getattr(catalog, "project", None) if type(catalog).__name__ == "RunCatalog" else None


def quiet_kedro_logs() -> None:
    """Kedro's INFO lines (each dataset loaded and saved) would bury the progress bar."""
    import logging

    logging.getLogger("kedro").setLevel(logging.WARNING)


# -- advice ----------------------------------------------------------------------------


def default_runners() -> tuple[str, ...]:
    """runadvisor's kinds and Kedro's, for a Kedro project (those kedro run can run: not
    HybridRunner nor DaskRunner, which have no runadvisor.kedro adapter)."""
    from runadvisor.kedro.kinds import KEDRO_KINDS
    from runadvisor.runners import registry

    prepare_kedro_kinds()
    ours = [
        k for k in registry.advised() if registry.get(k).model in ("inline", "threads", "processes")
    ]
    return (*ours, *KEDRO_KINDS)


def advice_runners(project: Any, chosen: Sequence[str] | None) -> tuple[str, ...] | None:
    """The kinds advise weighs: as asked, else Kedro's and ours for a project."""
    if chosen is not None:
        return tuple(chosen)
    return default_runners() if project is not None else None


def profile_is_kedro(path: Path) -> bool:
    """Whether a saved profile was recorded by the Kedro hook (``kedro run``)."""
    from runadvisor.profiles import ProfileError, RunProfile

    try:
        profile = RunProfile.load(path)
    except ProfileError:
        return False  # advise_from_profile says what is wrong with the file
    return profile.settings.get("recorder") == "kedro-hooks"


def kedro_command(recommendation: Any, options: Any) -> str:
    """The ``kedro run`` command line that runs the recommendation (with the options given).

    A sequential recommendation, Kedro's or runadvisor's, is plain ``kedro run``:
    both run one node at a time in Kedro's order, so there is nothing to change.
    """
    from runadvisor.kedro._kedro import pipelines_option_supported, runner_params_supported
    from runadvisor.kedro.kinds import KEDRO_KINDS
    from runadvisor.runners import registry

    kind = registry.get(recommendation.kind)
    workers = recommendation.max_workers if kind.takes_workers else None
    words = ["kedro", "run"]
    if kind.model == "inline":
        pass  # one node at a time: Kedro's default runner does that, nothing to change
    elif kind.name in KEDRO_KINDS:
        runner = kind.class_name.rsplit(".", 1)[-1]
        if runner != "SequentialRunner":
            words += ["--runner", runner]
            fixed = kind.fixed_workers is not None and kind.fixed_workers(1, 1) is not None
            if workers and not fixed and runner_params_supported():
                words += ["--runner-params", f"max_workers={workers}"]
    else:
        suffix = str(workers) if workers else ""
        words += ["--runner", f"runadvisor.kedro.{kind.class_name}{suffix}"]
    if options is not None:
        words += _option_words(options, pipelines_option_supported())
    return shlex.join(words)


def _option_words(options: Any, plural: bool) -> list[str]:
    words: list[str] = []
    if options.pipelines:
        if plural:
            words += ["--pipelines", ",".join(options.pipelines)]
        else:
            for name in options.pipelines:
                words += ["--pipeline", name]
    for flag, value in (
        ("--env", options.env),
        ("--conf-source", options.conf_source),
        ("--params", options.params_text),
    ):
        if value:
            words += [flag, str(value)]
    for flag, names in (
        ("--tags", options.tags),
        ("--nodes", options.node_names),
        ("--from-nodes", options.from_nodes),
        ("--to-nodes", options.to_nodes),
        ("--from-inputs", options.from_inputs),
        ("--to-outputs", options.to_outputs),
        ("--namespaces", options.namespaces),
    ):
        if names:
            words += [flag, ",".join(names)]
    if options.load_versions:
        pairs = ",".join(f"{k}:{v}" for k, v in options.load_versions.items())
        words += ["--load-versions", pairs]
    return words


def print_command(command: str) -> None:
    """Say the command line that runs the advice."""
    from rich.text import Text

    from runadvisor.console.output import out_console, say

    say(out_console(), Text("Run it: ", style="bold"), Text(command, style="bold green"))


def not_a_project_error(target: str) -> OptionError:
    """Kedro options given for a TARGET that is no Kedro project."""
    return OptionError(
        f"{', '.join(_PROJECT_FLAGS)} and the Kedro node filters apply to Kedro projects, and "
        f"'{target}' is not one: give the project's root folder (with pyproject.toml and "
        "[tool.kedro]), or drop those options."
    )
