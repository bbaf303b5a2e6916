"""The ``runadvisor`` command line: advise, run, profile, report.

Thin by design: parse and check options, load the target
(:mod:`runadvisor.loading`), call the library, print with rich. A
``RunAdvisorError`` (the user's to fix) prints one line and exits 2; an
exception from the user's node code prints the node, the error and the
engine's resume hint and exits 1; Ctrl-C exits 130. ``--debug`` (or
``RUNADVISOR_DEBUG=1``) adds the traceback.
"""

from __future__ import annotations

import json
import re
import shlex
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from runadvisor import __version__
from runadvisor.console.filters import apply_filters
from runadvisor.console.options import (
    ADVISE_RUNNERS,
    FORMATS,
    OptionError,
    make_runner,
    parse_choices,
    parse_memory,
    parse_seconds,
    parse_workers,
    positive_int_callback,
)
from runadvisor.exceptions import RunAdvisorError
from runadvisor.units import fmt_bytes, fmt_seconds

EXIT_NODE_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
_NODE_FAILED_NOTE = re.compile(r"^Node '(?P<node>.*)' failed under (?P<runner>\w+)\.$", re.S)
_RESUME_NOTE = re.compile(r"runadvisor run \.\.\. ")


@dataclass
class _State:
    """What the group passes to its commands."""

    debug: bool = False


# -- output --------------------------------------------------------------------------


def _out() -> Console:
    """Console for results (stdout); created per call so test runners' streams are used."""
    return Console(highlight=False)


def _err() -> Console:
    """Console for progress and errors (stderr)."""
    return Console(stderr=True, highlight=False)


def _say(console: Console, *parts: str | Text, style: str | None = None) -> None:
    """Print plain text (no markup, no wrapping inside the line)."""
    text = Text()
    for part in parts:
        text.append(part if isinstance(part, Text) else Text(part))
    console.print(text, style=style, soft_wrap=True)


def _error_line(message: str) -> None:
    _say(_err(), Text("Error: ", style="bold red"), message)


def _timestamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def _slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or "pipeline"


# -- progress ------------------------------------------------------------------------


def _progress(quiet: bool) -> Progress:
    """A progress bar on stderr, refreshed only when something happens.

    No refresh thread: ParallelRunner forks, and forking beside a running
    thread can deadlock the child (the engine warns about it). Off when
    stderr is not a terminal (logs and pipes get no bar).
    """
    console = _err()
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        auto_refresh=False,
        transient=True,
        disable=quiet or not console.is_terminal,
    )


class NodeProgress:
    """An engine observer: advances a progress task by one per finished node."""

    def __init__(self, progress: Progress, total: int, label: str) -> None:
        self.progress = progress
        self.label = label
        self.total = total
        self.task = progress.add_task(label, total=total)
        self.done = 0
        self.failed: list[str] = []

    def __call__(self, event: Any) -> None:
        """Receive one NodeEvent."""
        self.done += 1
        if getattr(event, "error", None):
            self.failed.append(event.node)
        self.progress.update(self.task, advance=1, refresh=True)

    def finish(self) -> None:
        """Fill the bar (nodes skipped by --only-missing-outputs never report)."""
        self.progress.update(self.task, completed=self.total, refresh=True)


@contextmanager
def _quiet_resume_warning() -> Iterator[None]:
    """The engine warns with the resume hint; the CLI prints it from the exception's notes."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"There are \d+ node\(s\) to resume from")
        yield


# -- error handling ------------------------------------------------------------------


def _notes(exc: BaseException) -> list[str]:
    return [str(note) for note in getattr(exc, "__notes__", None) or []]


def _report_exception(exc: BaseException, debug: bool, command: list[str] | None) -> int:
    """Print ``exc`` as the CLI does and return the exit code."""
    if debug:
        _say(_err(), "".join(traceback.format_exception(exc)).rstrip())
    if isinstance(exc, RunAdvisorError):
        message = str(exc).strip()
        if debug:
            message = message.replace(" (run with --debug for the traceback)", "")
        _error_line(message)
        return EXIT_USER_ERROR
    notes = _notes(exc)
    failed = next((m for m in map(_NODE_FAILED_NOTE.match, notes) if m), None)
    text = str(exc).strip()
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if failed is None:
        _error_line(
            f"unexpected {detail}. This may be a bug in runadvisor; rerun with --debug "
            "for the traceback and report it."
        )
        return EXIT_NODE_FAILED
    _error_line(f"node '{failed.group('node')}' failed under {failed.group('runner')}: {detail}")
    prefix = "runadvisor run " + (shlex.join(command) + " " if command else "")
    for note in notes:
        if _NODE_FAILED_NOTE.match(note) or note.startswith("runadvisor: the partial profile"):
            continue
        _say(_err(), "  " + _RESUME_NOTE.sub(prefix, note))
    if not debug:
        _say(_err(), "  (run with --debug for the traceback)")
    return EXIT_NODE_FAILED


class _Group(click.Group):
    """A click group that turns exceptions into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            _say(_err(), Text("Interrupted", style="bold red"))
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            state = ctx.find_object(_State) or _State()
            command = ctx.meta.get("runadvisor.resume_args")
            ctx.exit(_report_exception(exc, state.debug, command))


# -- the commands ---------------------------------------------------------------------


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
    examples/cpu_transform/pipeline.py or mypkg.pipelines:create_pipeline.
    Without a name, `pipeline` or `create_pipeline()` is used, with `catalog`
    or `create_catalog()` (default: an empty DataCatalog).
    """
    ctx.ensure_object(_State).debug = debug


def main(args: Sequence[str] | None = None, prog_name: str = "runadvisor") -> None:
    """Entry point of the ``runadvisor`` script and ``python -m runadvisor``."""
    cli.main(args=list(args) if args is not None else None, prog_name=prog_name, obj=_State())


def _load(target: str) -> tuple[Any, Any, str]:
    from runadvisor.loading import load_target

    return load_target(target)


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
    options = [
        click.option(
            "--runner",
            "-r",
            "runner_name",
            default="sequential",
            metavar="NAME",
            show_default=True,
            help="sequential, thread, parallel, or a runner class (ThreadRunner, pkg.MyRunner).",
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
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _execute(
    ctx: click.Context,
    target: str,
    runner_name: str,
    workers: int | None,
    timeout: float | None,
    quiet: bool,
    filters: dict[str, Any],
    profiler_options: dict[str, Any] | None = None,
) -> tuple[Any, Any, str, Any, NodeProgress, float, Any]:
    """Load, filter and run TARGET with a progress bar; optionally under a Profiler."""
    timeout = parse_seconds(timeout, "--timeout")
    warn = None if quiet else (lambda text: _say(_err(), Text("Note: ", style="yellow"), text))
    runner = make_runner(runner_name, workers, warn=warn)
    pipe, catalog, name = _load(target)
    ctx.meta["runadvisor.name"] = name
    pipe, resume = apply_filters(pipe, catalog, filters)
    ctx.meta["runadvisor.resume_args"] = (
        [target, "--runner", runner_name]
        + (["--workers", str(workers)] if workers else [])
        + resume
    )
    profiler = None
    if profiler_options is not None:
        from runadvisor.profiles import Profiler

        profiler = Profiler(pipe, runner=runner, **profiler_options)
    label = f"{name}: {type(runner).__name__}"
    started = time.perf_counter()
    with _progress(quiet) as progress, _quiet_resume_warning():
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
    return pipe, runner, name, outputs, observer, time.perf_counter() - started, profiler


def _runner_label(runner: Any, pipe: Any) -> str:
    try:
        workers = runner.workers_for(pipe)
    except Exception:  # a foreign runner class
        return type(runner).__name__
    noun = "worker" if workers == 1 else "workers"
    return f"{type(runner).__name__} ({workers} {noun})"


@cli.command()
@_target_argument
@_runner_options
@_filter_options
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
    pipe, runner, name, outputs, observer, wall, _ = _execute(
        ctx, target, runner_name, workers, timeout, quiet, filters
    )
    if quiet:
        return
    console = _out()
    _say(
        console,
        Text("✓ ", style="green"),
        f"Ran {observer.done} of {len(pipe.nodes)} node(s) of {name} in "
        f"{fmt_seconds(wall, missing='-')} with {_runner_label(runner, pipe)}.",
    )
    if outputs:
        _say(console, "Outputs: " + ", ".join(sorted(outputs)))


@cli.command()
@_target_argument
@_runner_options
@_filter_options
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
    try:
        pipe, runner, name, _, _, _, profiler = _execute(
            ctx,
            target,
            runner_name,
            workers,
            timeout,
            quiet,
            filters,
            profiler_options={"measure_output_bytes": output_bytes},
        )
    except Exception as exc:
        partial = getattr(exc, "profile", None)
        if partial is not None:
            saved = partial.save(_profile_path(out, ctx.meta["runadvisor.name"], partial))
            if not quiet:
                _say(_err(), f"The partial profile of the failed run is in {saved}")
        raise
    result = profiler.profile
    saved = result.save(_profile_path(out, name, result))
    if quiet:
        return
    console = _out()
    console.print(_profile_table(result))
    _say(
        console,
        Text("✓ ", style="green"),
        f"Profiled {len(result.nodes)} node(s) of {name} with {_runner_label(runner, pipe)} "
        f"in {fmt_seconds(result.wall, missing='-')}; saved {saved}",
    )


def _profile_path(out: str | None, name: str, result: Any) -> Path:
    """``--out`` ending in .json is the file; anything else is a folder for it."""
    file_name = f"{_slug(name)}-{_timestamp()}-{result.runner}.json"
    if out is None:
        return Path("profiles") / file_name
    path = Path(out)
    if path.suffix.lower() == ".json" and not path.is_dir():
        return path
    return path / file_name


def _profile_table(result: Any, limit: int = 20) -> Table:
    records = sorted(result.nodes, key=lambda r: r.wall, reverse=True)
    shown = records[:limit]
    title = f"{len(records)} node(s), slowest first"
    if len(records) > limit:
        title += f" (top {limit})"
    table = Table(title=title, title_justify="left")
    for column in ("node", "wall", "cpu", "gil held", "peak memory"):
        table.add_column(column, justify="left" if column == "node" else "right")
    for record in shown:
        table.add_row(
            Text(record.name),
            fmt_seconds(record.wall, missing="-"),
            fmt_seconds(record.cpu, missing="-"),
            fmt_seconds(record.gil_held, missing="-"),
            fmt_bytes(record.peak_rss, missing="-"),
        )
    return table


@cli.command()
@_target_argument
@click.option(
    "--runners",
    metavar="LIST",
    help="Runners to consider, comma-separated (default: sequential,thread,parallel).",
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
@click.option(
    "--format",
    "formats",
    default="html,md,json",
    show_default=True,
    metavar="LIST",
    help="Report formats, comma-separated.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print only the recommendation as JSON on stdout (writes reports only with --out).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no tables.")
@_debug_option
def advise(
    target: str,
    runners: str | None,
    workers_text: str | None,
    repeats: int,
    predict_only: bool,
    timeout: float,
    memory_limit: str | None,
    out: Path | None,
    formats: str,
    as_json: bool,
    quiet: bool,
) -> None:
    """Measure TARGET under candidate runners and recommend one, with reasons.

    \b
    Example:
      runadvisor advise examples/cpu_transform/pipeline.py --workers 1,2,4
    """
    from runadvisor.advisor import advise as advise_pipeline

    chosen = parse_choices(runners, "--runners", ADVISE_RUNNERS) or list(ADVISE_RUNNERS)
    worker_counts = parse_workers(workers_text)
    timeout_s = parse_seconds(timeout, "--timeout")
    limit = parse_memory(memory_limit)
    kinds = parse_choices(formats, "--format", FORMATS) or list(FORMATS)
    quiet = quiet or as_json
    click.get_current_context().meta["runadvisor.resume_args"] = [target]
    pipe, catalog, name = _load(target)

    with _progress(quiet) as progress:
        task = progress.add_task(f"{name}: measuring", total=None)

        def report_progress(done: int, total: int, label: str = "") -> None:
            description = f"{name}: {label}" if label else f"{name}: measuring"
            progress.update(task, completed=done, total=total, description=description)
            progress.refresh()

        recommendation = advise_pipeline(
            pipe,
            catalog,
            runners=tuple(chosen),
            workers=worker_counts,
            repeats=repeats,
            predict_only=predict_only,
            timeout=timeout_s,
            memory_limit=limit,
            progress=report_progress,
        )

    paths: dict[str, Path] = {}
    if out is not None or not as_json:
        paths = _write_reports(recommendation, out or _default_out(name), kinds)
    if as_json:
        click.echo(json.dumps(recommendation.to_dict()))
        return
    if not quiet:
        _print_advice(recommendation, paths)


def _default_out(name: str) -> Path:
    return Path("reports") / f"{_slug(name)}-{_timestamp()}"


def _write_reports(recommendation: Any, out: Path, kinds: list[str]) -> dict[str, Path]:
    from runadvisor.reports import write_report

    return dict(write_report(recommendation, out, formats=tuple(kinds)))


def _runner_kind(name: str) -> str:
    """``ThreadRunner`` -> ``thread``: short enough for an 80-column table."""
    return name[: -len("Runner")].lower() if name.endswith("Runner") and name != "Runner" else name


def _candidate_table(recommendation: Any) -> Table:
    """One row per candidate; the recommended one in bold green."""
    repeats = max((len(c.measured or ()) for c in recommendation.candidates), default=0)
    caption = "measured: median ± half the range"
    caption += f" of {repeats} run(s)" if repeats else ""
    caption += "; memory: peak of the process tree; ~: predicted"
    table = Table(
        title="Candidates",
        title_justify="left",
        caption=caption,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.caption_justify = "left"
    for column in ("runner", "workers", "predicted", "measured", "memory", "speedup", "status"):
        left = column in ("runner", "status")
        table.add_column(column, justify="left" if left else "right", no_wrap=True)
    best = (recommendation.runner, recommendation.max_workers)
    for c in recommendation.candidates:
        measured = "-"
        if c.median is not None:
            half = (c.spread or 0.0) / 2
            measured = f"{c.median:.2f}±{half:.2f} s" if half >= 0.005 else f"{c.median:.2f} s"
        speedup = "-"
        if c.speedup is not None:
            speedup = f"{c.speedup:.2f}x" if c.median is not None else f"~{c.speedup:.2f}x"
        chosen = (c.runner, c.workers) == best
        table.add_row(
            Text(_runner_kind(str(c.runner))),
            str(c.workers if c.workers is not None else "-"),
            f"{c.predicted:.2f} s" if c.predicted is not None else "-",
            measured,
            fmt_bytes(c.peak_rss, missing="-"),
            speedup,
            Text("best" if chosen and c.status == "ok" else str(c.status)),
            style="bold green" if chosen else None,
        )
    return table


def _problems(recommendation: Any) -> list[str]:
    """Why candidates failed, timed out, crashed or could not pickle (skips are expected)."""
    lines = []
    for c in recommendation.candidates:
        if c.status in ("ok", "skipped", "predicted") or not c.reason:
            continue
        lines.append(f"{c.runner}({c.workers}) {c.status}: {c.reason}")
    return lines


def _print_advice(recommendation: Any, paths: dict[str, Path]) -> None:
    console = _out()
    console.print(_candidate_table(recommendation))
    for line in _problems(recommendation):
        _say(console, Text("  ! ", style="yellow"), line)
    runner = recommendation.runner_call
    speedup = recommendation.speedup
    gain = f", {speedup:.2f}x the sequential speed" if speedup else ""
    basis = "predicted" if recommendation.predict_only else "measured"
    _say(
        console,
        Text("Recommendation: ", style="bold"),
        Text(runner, style="bold green"),
        f"{gain} ({basis}, confidence {recommendation.confidence})",
    )
    for step in recommendation.path:
        _say(console, f"  • {step}")
    for warning in recommendation.warnings:
        _say(console, Text("  ! ", style="yellow"), warning)
    for kind, path in paths.items():
        _say(console, f"Report ({kind}): {path}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "-o",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Report folder (default: reports/<first file>-<time>/).",
)
@click.option(
    "--format",
    "formats",
    default="html,md,json",
    show_default=True,
    metavar="LIST",
    help="Report formats, comma-separated.",
)
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
    from runadvisor.reports import load_any, write_profile_report

    kinds = parse_choices(formats, "--format", FORMATS) or list(FORMATS)
    for file in files:
        if not file.is_file():
            raise OptionError(
                f"No such file: '{file}' (looked in {Path.cwd()}); give saved profile or "
                "advice JSON files (from `runadvisor profile` or report.json)."
            )
    loaded = [(file, load_any(file)) for file in files]
    advice = [(f, item) for f, item in loaded if _is_recommendation(item)]
    profile_files = [f for f, item in loaded if not _is_recommendation(item)]
    out = out or _default_out(files[0].stem)
    written: list[tuple[str, Path]] = []
    for file, item in advice:
        folder = out if len(advice) == 1 else out / _slug(file.stem)
        written += list(_write_reports(item, folder, kinds).items())
    if profile_files:
        folder = out / "profiles" if advice else out
        written += list(dict(write_profile_report(profile_files, folder, tuple(kinds))).items())
    if not quiet:
        console = _out()
        for kind, path in written:
            _say(console, f"Report ({kind}): {path}")


def _is_recommendation(item: Any) -> bool:
    """Advice (a Recommendation) rather than a profile or a profile report's profiles."""
    return hasattr(item, "candidates") and hasattr(item, "facts")
