"""``kedro advise``: runadvisor's advice, inside any Kedro project's CLI.

Kedro adds the commands of installed plugins to every project's CLI through
the ``kedro.project_commands`` entry point; runadvisor's is :data:`commands`.
``kedro advise`` takes the options of ``runadvisor advise`` (``--predict-only``,
``--from-profile FILE``, ``--repeats``, ``--budget``, ``--out``...) and
``kedro run``'s (``--pipeline``, ``--env``, ``--params``, ``--tags``...), with
the project it is run in as the target, and writes the same report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def _project_root(ctx: click.Context) -> Path:
    """The project Kedro's CLI runs in: its metadata's path, else the folder above."""
    current: click.Context | None = ctx
    while current is not None:
        path = getattr(current.obj, "project_path", None)
        if path is not None:
            return Path(path)
        current = current.parent
    from kedro.utils import find_kedro_project

    found = find_kedro_project(Path.cwd())
    if found is None:
        from runadvisor.kedro.errors import NotAKedroProjectError

        raise NotAKedroProjectError(str(Path.cwd()), "kedro advise runs inside a project")
    return Path(found)


def _advise_command() -> click.Command:
    """``runadvisor advise`` with the project as its target."""
    from runadvisor.cli import advise as runadvisor_advise

    def callback(**options: Any) -> None:
        from runadvisor.cli import _State
        from runadvisor.console.errors import report_exception, report_interrupt

        ctx = click.get_current_context()
        try:
            root = _project_root(ctx)
            target = None if options.get("from_profile") is not None else str(root)
            if target is None:
                from runadvisor.console.kedro import prepare_kedro_kinds

                prepare_kedro_kinds()
            runadvisor_advise.callback(target=target, **options)  # type: ignore[misc]
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt as exc:
            ctx.exit(report_interrupt(exc, ctx.meta.get("runadvisor.partial_reports")))
        except Exception as exc:
            state = ctx.find_object(_State) or _State()
            ctx.exit(report_exception(exc, state.debug, None))

    return click.Command(
        name="advise",
        callback=callback,
        params=[p for p in runadvisor_advise.params if p.name != "target"],
        help=(
            "Measure this project's pipeline under candidate runners (Kedro's own and "
            "runadvisor's) and recommend one, with reasons, a report and the kedro run "
            "command line.\n\n\b\nExamples:\n  kedro advise\n"
            "  kedro advise --pipeline data_processing --repeats 1\n"
            "  kedro advise --predict-only\n"
            "  kedro advise --from-profile profiles/kedro-run-20250101-120000-SequentialRunner.json"
        ),
        short_help="Which runner to use for this project, measured (runadvisor).",
    )


@click.group(name="runadvisor")
def commands() -> None:
    """runadvisor's commands for Kedro projects."""


commands.add_command(_advise_command())
