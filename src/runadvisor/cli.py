"""The ``runadvisor`` command line: advise, run, profile, report.

Click commands only: each parses its options, calls the library and prints
through :mod:`runadvisor.console`. A ``RunAdvisorError`` (the user's to fix)
prints one line and exits 2; an exception from the user's node code prints the
node, the error and the engine's resume hint and exits 1; Ctrl-C exits 130.
``--debug`` (or ``RUNADVISOR_DEBUG=1``) adds the traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from runadvisor import __version__
from runadvisor.console.errors import report_exception, report_interrupt
from runadvisor.console.execution import advise_on_profile, advise_with_progress, execute, load
from runadvisor.console.files import (
    default_report_dir,
    profile_path,
    regenerate_reports,
    save_partial_profile,
    write_reports,
)
from runadvisor.console.kedro import (
    advice_runners,
    default_runners,
    kedro_command,
    kedro_filter_options,
    kedro_options,
    kedro_project_options,
    prepare,
    prepare_kedro_kinds,
    print_command,
    profile_is_kedro,
    project_of,
)
from runadvisor.console.options import (
    ADDRESS_KEY,
    FORMATS,
    OptionError,
    parse_budget,
    parse_choices,
    parse_memory,
    parse_seconds,
    parse_workers,
    positive_int_callback,
    runner_choices,
)
from runadvisor.console.output import print_reports
from runadvisor.console.summaries import print_advice, print_profile, print_run


@dataclass
class _State:
    """What the group passes to its commands."""

    debug: bool = False


class _Group(click.Group):
    """A click group that turns exceptions into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt as exc:
            ctx.exit(report_interrupt(exc, ctx.meta.get("runadvisor.partial_reports")))
        except Exception as exc:
            state = ctx.find_object(_State) or _State()
            command = ctx.meta.get("runadvisor.resume_args")
            ctx.exit(report_exception(exc, state.debug, command))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="runadvisor")
@click.option(
    "--debug",
    is_flag=True,
    envvar="RUNADVISOR_DEBUG",
    help="Show tracebacks (also RUNADVISOR_DEBUG=1).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Run Kedro-style pipelines, measure them, and get told which runner to use.

    TARGET is a pipeline file or module, optionally with :name, e.g.
    examples/cpu_transform/pipeline.py or mypkg.pipelines:create_pipeline,
    or a Kedro project's folder (with kedro run's --pipeline, --env, --params).
    Without a name, `pipeline` or `create_pipeline()` is used, with `catalog`
    or `create_catalog()` (default: an empty DataCatalog).
    """
    ctx.ensure_object(_State).debug = debug


def main(args: Sequence[str] | None = None, prog_name: str = "runadvisor") -> None:
    """Entry point of the ``runadvisor`` script and ``python -m runadvisor``."""
    cli.main(args=list(args) if args is not None else None, prog_name=prog_name, obj=_State())


# -- shared options -------------------------------------------------------------------

_target_argument = click.argument("target", metavar="TARGET")


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(_State).debug = True


_debug_option = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_debug,
    help="Show tracebacks (same as `runadvisor --debug ...`).",
)


def _filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The node filters shared by ``run`` and ``profile`` (as ``kedro run`` has them)."""
    options = [
        click.option(
            "--tags",
            "-t",
            multiple=True,
            metavar="TAGS",
            help="Only nodes with any of these tags (comma-separated, repeatable).",
        ),
        click.option(
            "--nodes",
            "node_names",
            metavar="NAMES",
            help="Only these nodes (comma-separated names).",
        ),
        click.option(
            "--from-nodes", metavar="NAMES", help="These nodes and everything downstream of them."
        ),
        click.option(
            "--to-nodes", metavar="NAMES", help="These nodes and everything they need upstream."
        ),
        click.option(
            "--from-inputs", metavar="DATASETS", help="Nodes downstream of these datasets."
        ),
        click.option(
            "--to-outputs", metavar="DATASETS", help="Nodes needed to produce these datasets."
        ),
        click.option(
            "--only-missing-outputs",
            is_flag=True,
            help="Skip nodes whose persisted outputs already exist.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _runner_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The runner options shared by ``run`` and ``profile``."""
    options = [
        click.option(
            "--runner",
            "-r",
            "runner_name",
            default="sequential",
            metavar="NAME",
            show_default=True,
            help=f"{', '.join(runner_choices())}, or a runner class (ThreadRunner, pkg.MyRunner).",
        ),
        click.option(
            "--workers",
            "-w",
            metavar="N",
            callback=positive_int_callback,
            help="Worker threads or processes (default: the runner's).",
        ),
        click.option(
            "--timeout",
            type=float,
            metavar="SECONDS",
            help="Stop the run after this many seconds (exit 2).",
        ),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar, no summary."),
        click.option(
            "--address",
            metavar="URL",
            expose_value=False,
            callback=_store_address,
            help="With --runner dask: the scheduler to run on, e.g. tcp://host:8786 "
            "(default: a local cluster started for the run).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _store_address(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[ADDRESS_KEY] = value


# -- the commands ---------------------------------------------------------------------


_format_option = click.option(
    "--format",
    "formats",
    default="html,md,json",
    show_default=True,
    metavar="LIST",
    help="Report formats, comma-separated.",
)


@cli.command()
@_target_argument
@_runner_options
@_filter_options
@kedro_project_options
@_debug_option
@click.pass_context
def run(
    ctx: click.Context,
    target: str,
    runner_name: str,
    workers: int | None,
    timeout: float | None,
    quiet: bool,
    **filters: Any,
) -> None:
    """Run the pipeline in TARGET, with a progress bar.

    \b
    Example:
      runadvisor run examples/io_fetch/pipeline.py --runner thread --workers 8
    """
    prepare(target)
    done = execute(target, runner_name, workers, timeout, quiet, filters, ctx.meta)
    if not quiet:
        print_run(done)


@cli.command()
@_target_argument
@_runner_options
@_filter_options
@kedro_project_options
@click.option(
    "--out",
    "-o",
    metavar="PATH",
    help="A .json file, or a folder for it (default: profiles/<target>-<time>-<runner>.json).",
)
@click.option(
    "--output-bytes", is_flag=True, help="Also measure each output's pickled size (slower)."
)
@_debug_option
@click.pass_context
def profile(
    ctx: click.Context,
    target: str,
    runner_name: str,
    workers: int | None,
    timeout: float | None,
    quiet: bool,
    out: str | None,
    output_bytes: bool,
    **filters: Any,
) -> None:
    """Run TARGET under the profiler and save its RunProfile as JSON.

    \b
    Example:
      runadvisor profile examples/mixed_etl/pipeline.py --runner thread --out profiles/
    """
    options = {"measure_output_bytes": output_bytes}
    prepare(target)
    try:
        done = execute(target, runner_name, workers, timeout, quiet, filters, ctx.meta, options)
    except Exception as exc:
        save_partial_profile(exc, out, ctx.meta.get("runadvisor.name", ""), quiet)
        raise
    result = done.profiler.profile
    saved = result.save(profile_path(out, done.name, result))
    if not quiet:
        print_profile(done, saved)


@cli.command()
@click.argument("target", metavar="[TARGET]", required=False)
@click.option(
    "--from-profile",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Advise from a saved profile (runadvisor profile, or the Kedro hook): no run.",
)
@click.option(
    "--runners",
    metavar="LIST",
    help=f"Runners to consider, comma-separated, from {','.join(runner_choices())} "
    "(default: the usual candidates).",
)
@click.option(
    "--workers", "-w", "workers_text", metavar="LIST", help="Worker counts to try, e.g. 1,2,4."
)
@click.option(
    "--repeats",
    default="3",
    metavar="N",
    show_default=True,
    callback=positive_int_callback,
    help="Measured runs per candidate.",
)
@click.option("--predict-only", is_flag=True, help="Simulate only; measure no candidates.")
@click.option(
    "--budget",
    "budget_text",
    metavar="TIME",
    help="Time the whole advise may take: 90s, 2m, 1h; auto (default: about three "
    "sequential runs) or none (measure every candidate --repeats times).",
)
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds before a candidate run counts as timed out.",
)
@click.option(
    "--memory-limit",
    metavar="SIZE",
    help="Memory the workers may use together, e.g. 4GB, 512MiB or bytes (default: 80% free).",
)
@click.option(
    "--out",
    "-o",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Report folder (default: reports/<target>-<time>/).",
)
@_format_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print only the recommendation as JSON on stdout (writes reports only with --out).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no tables.")
@kedro_project_options
@kedro_filter_options
@_debug_option
def advise(
    target: str | None,
    from_profile: Path | None,
    runners: str | None,
    workers_text: str | None,
    repeats: int,
    predict_only: bool,
    budget_text: str | None,
    timeout: float,
    memory_limit: str | None,
    out: Path | None,
    formats: str,
    as_json: bool,
    quiet: bool,
) -> None:
    """Measure TARGET under candidate runners and recommend one, with reasons.

    \b
    Examples:
      runadvisor advise examples/cpu_transform/pipeline.py --workers 1,2,4
      runadvisor advise --from-profile profiles/my-run.json
      runadvisor advise examples/kedro_project --pipeline data_processing
    """
    prepare(target)
    if from_profile is not None and profile_is_kedro(from_profile):
        prepare_kedro_kinds()
    chosen = parse_choices(runners, "--runners", runner_choices())
    worker_counts = parse_workers(workers_text)
    timeout_s = parse_seconds(timeout, "--timeout")
    limit = parse_memory(memory_limit)
    budget = parse_budget(budget_text)
    kinds = parse_choices(formats, "--format", FORMATS) or list(FORMATS)
    quiet = quiet or as_json
    ctx = click.get_current_context()
    kedro = kedro_options(ctx.meta)
    if from_profile is not None:
        from_kedro = "kedro-sequential" in runner_choices()
        if chosen is None and from_kedro:
            chosen = list(default_runners())
        recommendation = advise_on_profile(from_profile, target, chosen, worker_counts, limit)
        if from_kedro:
            recommendation.command = kedro_command(recommendation, kedro)
        _finish_advice(recommendation, from_profile.stem, out, kinds, as_json, quiet)
        return
    if target is None:
        raise OptionError(
            "advise needs a TARGET (a pipeline file, module or project) or --from-profile FILE."
        )
    ctx.meta["runadvisor.resume_args"] = [target]
    pipe, catalog, name = load(target, kedro)
    project = project_of(catalog)
    # Where a Ctrl-C's partial advice is written (see report_interrupt).
    click.get_current_context().meta["runadvisor.partial_reports"] = (
        out or default_report_dir(name),
        kinds,
    )
    recommendation = advise_with_progress(
        pipe,
        catalog,
        name,
        quiet,
        runners=advice_runners(project, chosen),
        workers=worker_counts,
        repeats=repeats,
        predict_only=predict_only,
        timeout=timeout_s,
        memory_limit=limit,
        budget=budget,
    )
    if project is not None:
        recommendation.command = kedro_command(recommendation, project.options)
    _finish_advice(recommendation, name, out, kinds, as_json, quiet)


def _finish_advice(
    recommendation: Any, name: str, out: Path | None, kinds: list[str], as_json: bool, quiet: bool
) -> None:
    paths: dict[str, Path] = {}
    if out is not None or not as_json:
        paths = write_reports(recommendation, out or default_report_dir(name), kinds)
    if as_json:
        click.echo(json.dumps(recommendation.to_dict()))
    elif not quiet:
        print_advice(recommendation, paths)
        if recommendation.command:
            print_command(recommendation.command)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "-o",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Report folder (default: reports/<first file>-<time>/).",
)
@_format_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@_debug_option
def report(files: tuple[Path, ...], out: Path | None, formats: str, quiet: bool) -> None:
    """Regenerate reports from saved profile or advice JSON files.

    One advice file gives its full report; several go to one subfolder each.
    Profiles are reported together (in a profiles/ subfolder beside advice).

    \b
    Example:
      runadvisor report profiles/*.json --out reports/saved
    """
    kinds = parse_choices(formats, "--format", FORMATS) or list(FORMATS)
    written = regenerate_reports(files, out, kinds)
    if not quiet:
        print_reports(written)
