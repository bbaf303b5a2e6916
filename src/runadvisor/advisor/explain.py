"""The advice in words: every sentence built from the numbers the tables show.

Pure functions of the facts, the candidates and the tree's verdict; nothing
here measures or decides what to run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

from runadvisor.advisor import tree
from runadvisor.advisor.facts import PipelineFacts
from runadvisor.advisor.recommend import Candidate, separated, tied
from runadvisor.advisor.simulate import NodeCost, bounds
from runadvisor.advisor.status import CRASHED, OK, TIMEOUT, UNPICKLABLE
from runadvisor.units import fmt_bytes, fmt_seconds_prose


def facts_label(facts: PipelineFacts) -> str:
    """The progress line after the profiled run."""
    return (
        f"profiled: {facts.n_nodes} nodes, work {facts.t1:.2f} s, "
        f"parallelism {facts.parallelism:.1f}"
    )


def simulated_sentence(
    candidates: Sequence[Candidate], kinds: Sequence[str], nodes: Sequence[NodeCost]
) -> str:
    """The best prediction of each kind shown, and the bounds of the fastest."""
    best: dict[str, Candidate] = {}
    for c in candidates:
        shown = c.kind in kinds or c is candidates[0]
        if shown and (c.kind not in best or c.predicted < best[c.kind].predicted):
            best[c.kind] = c
    ranked = sorted(best.values(), key=lambda c: c.predicted)
    listed = ", ".join(
        f"{c.label} {fmt_seconds_prose(c.predicted)}"
        + (" (if its data pickled)" if c.status == UNPICKLABLE else "")
        for c in ranked
    )
    top = next((c for c in ranked if c.status != UNPICKLABLE), ranked[0])
    lower, upper = bounds(nodes, top.workers)
    return (
        f"simulated from the profile: {listed} (greedy-schedule bounds for {top.workers} "
        f"worker{'s' if top.workers > 1 else ''}: {fmt_seconds_prose(lower)} to "
        f"{fmt_seconds_prose(upper)})"
    )


def measured_sentence(
    candidates: Sequence[Candidate], chosen: Candidate, verdict: tree.Verdict
) -> str:
    """What the measured runs said, and how that compares with the tree's pick."""
    ok = sorted((c for c in candidates if c.status == OK), key=lambda c: c.median)
    counts = sorted({len(c.measured) for c in ok})
    if counts == [1]:
        runs = "1 run each"
    elif len(counts) == 1:
        runs = f"median of {counts[0]} runs each"
    else:
        runs = f"median of {counts[0]} to {counts[-1]} runs each"
    listed = ", ".join(f"{c.label} {fmt_seconds_prose(c.median)}" for c in ok[:5])
    parts = [f"measured ({runs}): {listed}"]
    fastest = ok[0]
    ties = tied(candidates)
    noisy = [c for c in ties if c not in separated(ties)]
    if noisy:
        parts.append(
            f"{', '.join(c.label for c in noisy)} measured within noise of {chosen.label}, "
            f"but the simulation puts {chosen.label} well ahead "
            f"({fmt_seconds_prose(chosen.predicted)} against "
            f"{fmt_seconds_prose(min(c.predicted for c in noisy))}): the measurements are too "
            "noisy to overrule it"
        )
    elif fastest is not chosen:
        parts.append(
            f"{chosen.label} is within noise of the fastest, {fastest.label}, and ties go to "
            "the simpler runner and fewer workers"
        )
    rivals = [c for c in ok if c.runner == verdict.runner]
    rival = min(rivals, key=lambda c: c.median, default=None)
    if chosen.runner == verdict.runner:
        parts.append("this agrees with the tree")
    elif rival is None:
        parts.append(f"the tree's {verdict.runner} could not be measured -> {chosen.runner}")
    elif rival is fastest:
        parts.append(f"so the tree's {rival.label} loses the tie -> {chosen.runner}")
    else:
        parts.append(
            f"{chosen.label} {fmt_seconds_prose(chosen.median)} beat the tree's pick {rival.label} "
            f"{fmt_seconds_prose(rival.median)}, so the measurement overrules the tree -> "
            f"{chosen.runner}"
        )
    return "; ".join(parts)


def budget_sentence(unmeasured: Sequence[Candidate], budget: float) -> str:
    """Which candidates the budget left unmeasured (or measured fewer times)."""
    names = ", ".join(c.label for c in unmeasured)
    return (
        f"the budget of {fmt_seconds_prose(budget)} for advise left {names} with fewer runs than "
        "asked or none: their times are predicted, or rest on fewer runs (give a larger "
        "budget to measure them)"
    )


def failure_warning(c: Candidate, timeout: float | None) -> str:
    """What went wrong with a candidate's run, for the warnings."""
    if c.status == TIMEOUT:
        return f"{c.label} did not finish within {timeout:g} s: {c.reason}."
    if c.status == UNPICKLABLE:
        return f"{c.label} could not send its data to worker processes: {c.reason}"
    if c.status == CRASHED:
        return f"{c.label} crashed: {c.reason}"
    spec = c.spec
    hint = (
        " The pipeline may not be safe to run in threads."
        if spec is not None and spec.model == "threads"
        else ""
    )
    return f"{c.label} failed although SequentialRunner ran: {c.reason}.{hint}"


def fork_warning(facts: PipelineFacts) -> str | None:
    """A warning when this process has threads and process workers would be forked."""
    if facts.start_method != "fork":
        return None
    current = threading.current_thread()
    others = [
        t.name
        for t in threading.enumerate()
        if t is not current and t.is_alive() and not t.name.startswith("runadvisor-")
    ]
    if not others:
        return None
    return (
        f"{len(others)} other thread(s) run in this process ({', '.join(others[:5])}) and "
        "ParallelRunner forks its workers: a worker can deadlock on a lock one of them "
        "held. Start ParallelRunner from a process without threads, or use "
        "ParallelRunner(mp_context='spawn') or RUNADVISOR_MP_CONTEXT=spawn."
    )


def machine_load_warning(cores: int) -> str | None:
    """A warning when other work keeps the CPUs busy: measured times will be noisy."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return None
    if load <= cores:
        return None
    return (
        f"The machine is busy (load average {load:.1f} over the last minute on {cores} cores): "
        "other work competes with the measured runs, so timings are noisy. Advise again on "
        "a quieter machine, or with more repeats, to be sure."
    )


def memory_cap_warning(workers: int, need: int, limit: int, capped: int) -> str:
    """The warning when the chosen worker count would not fit in memory."""
    return (
        f"Memory: {workers} workers x {fmt_bytes(need)} per node would exceed "
        f"{fmt_bytes(limit)}; capped at {capped}."
    )
