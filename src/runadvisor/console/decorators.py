"""Option groups several commands share (click decorators)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from runadvisor.console.options import ADDRESS_KEY, positive_int_callback, runner_choices


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
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


def runner_options(func: Callable[..., Any]) -> Callable[..., Any]:
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
    """Keep ``--address`` in ``ctx.meta`` for the runner factory (only Dask takes one)."""
    if value is not None:
        ctx.meta[ADDRESS_KEY] = value
