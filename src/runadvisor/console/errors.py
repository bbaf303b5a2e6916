"""Exceptions as the command line shows them: one line, and an exit code.

A ``RunAdvisorError`` (the user's to fix) is one line and exit 2; an exception
from the user's node code names the node, the error and the engine's resume
hint and exits 1; anything else is called a possible bug (exit 1); Ctrl-C
exits 130.
"""

from __future__ import annotations

import shlex
import traceback
from typing import Any

from rich.text import Text

from runadvisor.console.output import err_console, error_line, say
from runadvisor.exceptions import RunAdvisorError, free_notes

EXIT_NODE_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def report_exception(exc: BaseException, debug: bool, command: list[str] | None) -> int:
    """Print ``exc`` as the CLI does and return the exit code.

    ``command`` is the command's arguments to repeat in the resume hint
    (target, runner, filters), or None.
    """
    if debug:
        say(err_console(), "".join(traceback.format_exception(exc)).rstrip())
    if isinstance(exc, RunAdvisorError):
        message = str(exc).strip()
        if debug:
            message = message.replace(" (run with --debug for the traceback)", "")
        error_line(message)
        return EXIT_USER_ERROR
    from runadvisor.runners import failure_of
    from runadvisor.runners.errors import resume_sentence

    failure = failure_of(exc)
    text = str(exc).strip()
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if failure is None:
        error_line(
            f"unexpected {detail}. This may be a bug in runadvisor; rerun with --debug "
            "for the traceback and report it."
        )
        return EXIT_NODE_FAILED
    error_line(f"node '{failure.node}' failed under {failure.runner}: {detail}")
    for other in failure.others:
        say(
            err_console(), f"  Node '{other.node}' also failed: {other.error_type}: {other.message}"
        )
    for note in free_notes(exc):
        say(err_console(), "  " + note)
    if failure.resume_from:
        prefix = "runadvisor run " + (shlex.join(command) + " " if command else "")
        names = ",".join(failure.resume_from)
        how = f'{prefix}--from-nodes "{names}", or {failure.python_hint()}'
        say(err_console(), "  " + resume_sentence(failure, how))
    if not debug:
        say(err_console(), "  (run with --debug for the traceback)")
    return EXIT_NODE_FAILED


def report_interrupt(exc: BaseException | None = None, partial: Any = None) -> int:
    """Say the run was interrupted (Ctrl-C) and return the exit code.

    When ``advise`` was interrupted after some runs finished, the exception
    carries a partial recommendation: write its reports to ``partial`` =
    (folder, formats) and say where.
    """
    say(err_console(), Text("Interrupted", style="bold red"))
    recommendation = getattr(exc, "recommendation", None)
    if recommendation is not None and partial is not None:
        from runadvisor.console.files import write_reports

        folder, formats = partial
        paths = write_reports(recommendation, folder, formats)
        for kind, path in paths.items():
            say(err_console(), f"Partial report ({kind}), from the runs that finished: {path}")
    return EXIT_INTERRUPTED
