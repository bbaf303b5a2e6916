"""What ``run``, ``profile`` and ``advise`` print when they finish (on stdout)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text

from runadvisor.console.execution import Execution, runner_label
from runadvisor.console.output import out_console, print_reports, say, success
from runadvisor.console.tables import candidate_table, profile_table
from runadvisor.units import fmt_seconds


def print_run(run: Execution) -> None:
    """How many nodes ran, how long it took, with which runner, and the free outputs."""
    success(
        f"Ran {run.progress.done} of {len(run.pipeline.nodes)} node(s) of {run.name} in "
        f"{fmt_seconds(run.wall, missing='-')} with {runner_label(run.runner, run.pipeline)}."
    )
    if run.outputs:
        say(out_console(), "Outputs: " + ", ".join(sorted(run.outputs)))


def print_profile(run: Execution, saved: Path) -> None:
    """The profile's slowest nodes, then what was profiled and where it was saved."""
    result = run.profiler.profile
    out_console().print(profile_table(result))
    success(
        f"Profiled {len(result.nodes)} node(s) of {run.name} with "
        f"{runner_label(run.runner, run.pipeline)} in {fmt_seconds(result.wall, missing='-')}; "
        f"saved {saved}"
    )


def problems(recommendation: Any) -> list[str]:
    """Why candidates failed, timed out, crashed or could not pickle (skips are expected)."""
    lines = []
    for c in recommendation.candidates:
        if c.status in ("ok", "skipped", "predicted") or not c.reason:
            continue
        lines.append(f"{c.runner}({c.workers}) {c.status}: {c.reason}")
    return lines


def print_advice(recommendation: Any, paths: dict[str, Path]) -> None:
    """The candidate table, its problems, the recommendation with its reasons, the reports."""
    console = out_console()
    console.print(candidate_table(recommendation))
    for line in problems(recommendation):
        say(console, Text("  ! ", style="yellow"), line)
    runner = recommendation.runner_call
    speedup = recommendation.speedup
    gain = f", {speedup:.2f}x the sequential speed" if speedup else ""
    basis = "predicted" if recommendation.predict_only else "measured"
    say(
        console,
        Text("Recommendation: ", style="bold"),
        Text(runner, style="bold green"),
        f"{gain} ({basis}, confidence {recommendation.confidence})",
    )
    for step in recommendation.path:
        say(console, f"  • {step}")
    for warning in recommendation.warnings:
        say(console, Text("  ! ", style="yellow"), warning)
    beyond = (getattr(recommendation, "projection", None) or {}).get("sentence")
    if beyond:
        say(console, Text("Beyond this machine: ", style="bold"), beyond)
    print_reports(paths.items())
