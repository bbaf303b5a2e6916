"""The advice in words: every sentence built from the numbers the tables show.

Pure functions of the facts, the candidates and the tree's verdict; nothing
here measures or decides what to run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from runadvisor.advisor.choice import separated, tie_margin, tied
from runadvisor.advisor.facts import PipelineFacts
from runadvisor.advisor.recommend import Candidate
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


def pick_sentence(pick: Candidate) -> str:
    """Which one configuration stands for the tree's pick from here on."""
    return (
        f"the tree's pick as one configuration: {pick.label}, its best predicted worker count "
        f"({fmt_seconds_prose(pick.predicted)})"
    )


def _timed(c: Candidate) -> str:
    """``ThreadRunner(2) 1.66 s`` (and its spread, when it ran more than once)."""
    text = f"{c.label} {fmt_seconds_prose(c.median)}"
    if len(c.measured) > 1 and c.spread:
        text += f" (spread {fmt_seconds_prose(c.spread)})"
    return text


def _tie(a: Candidate, b: Candidate) -> str:
    """``within noise of each other (0.30 s apart at most: the spread of X's runs)``."""
    margin, why = tie_margin(a, b)
    return f"within noise of each other (up to {fmt_seconds_prose(margin)} apart: {why})"


def measured_sentence(
    candidates: Sequence[Candidate],
    chosen: Candidate,
    pick: Candidate | None,
    *,
    final: bool = True,
) -> str:
    """What the measured runs said, and how that compares with the tree's pick.

    Every comparison is checked against the numbers it quotes: a candidate is
    said to beat another only if it is faster by more than the tie margin.
    ``final``: ``chosen`` is the answer (else the sentence stops before
    concluding, and another sentence overrules it).
    """
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
    if fastest is not chosen:
        ties = tied(candidates)
        if chosen not in separated(ties) or fastest in separated(ties):
            parts.append(
                f"{_timed(chosen)} and the fastest, {_timed(fastest)}, are {_tie(chosen, fastest)}"
                ", and a tie goes to the simpler runner and fewer workers"
            )
        else:
            parts.append(
                f"{_timed(fastest)} and {_timed(chosen)} are {_tie(chosen, fastest)}, but the "
                f"simulation puts {chosen.label} well ahead ({fmt_seconds_prose(chosen.predicted)}"
                f" against {fmt_seconds_prose(fastest.predicted)}): too close to measure, so the "
                "prediction decides"
            )
    if final:
        parts.append(_against_the_tree(chosen, pick))
    return "; ".join(parts)


def _against_the_tree(chosen: Candidate, pick: Candidate | None) -> str:
    if pick is None:
        return f"the tree's pick was not among the runners asked for -> {chosen.runner}"
    if chosen.key == pick.key:
        return f"this agrees with the tree's pick, {pick.label}"
    if pick.status != OK or pick.median is None:
        why = pick.reason or pick.status
        return f"the tree's pick {pick.label} has no measured time ({why}) -> {chosen.runner}"
    margin, _ = tie_margin(chosen, pick)
    if abs(pick.median - chosen.median) <= margin:
        return (
            f"the tree's pick {_timed(pick)} and {_timed(chosen)} are {_tie(chosen, pick)} "
            f"-> {chosen.runner}"
        )
    if pick.median > chosen.median:
        return (
            f"{_timed(chosen)} beat the tree's pick {_timed(pick)} by more than the noise "
            f"({fmt_seconds_prose(margin)}), so the measurement overrules the tree "
            f"-> {chosen.runner}"
        )
    return (  # chosen is slower than the pick beyond noise, yet tied with the fastest run
        f"the tree's pick {_timed(pick)} measured faster than {_timed(chosen)}, but "
        f"{chosen.label} is within noise of the fastest run, which decides -> {chosen.runner}"
    )


def promising_sentence(promising: Candidate, measured: Candidate) -> str:
    """Why an unmeasured candidate is recommended over the measured best."""
    scale = measured.median / measured.predicted
    return (
        f"{promising.label} was not measured (the budget ran out), but it is predicted at "
        f"{fmt_seconds_prose(promising.predicted * scale)} (its prediction "
        f"{fmt_seconds_prose(promising.predicted)}, scaled by {scale:.2f} as {measured.label} "
        f"measured against its own), well under {measured.label}'s measured "
        f"{fmt_seconds_prose(measured.median)}: the prediction decides -> {promising.runner}"
    )


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


def start_method_sentence(facts: PipelineFacts, runner: str) -> str:
    """How the recommended process workers start, and what the numbers assume about it."""
    method = facts.start_method or "fork"
    if method == "fork":
        return (
            f"{runner}'s workers start by fork here (no other thread runs in this process): "
            "they inherit the pipeline and its in-memory inputs without pickling, and the "
            "times above assume so"
        )
    return (
        f"{runner}'s workers start by {method} here, because other threads run in this "
        "process and a fork beside them can deadlock: node functions and in-memory inputs "
        "are pickled to each worker, and the times above assume so (from a process without "
        "threads, fork would be used and start faster)"
    )


def machine_load_warning(cores: int, measuring: bool = True) -> str | None:
    """A warning when other work keeps the CPUs busy: timings will be noisy."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return None
    if load <= cores:
        return None
    busy = f"The machine is busy (load average {load:.1f} over the last minute on {cores} cores)"
    if measuring:
        return (
            f"{busy}: other work competes with the measured runs, so timings are noisy. Advise "
            "again on a quieter machine, or with more repeats, to be sure."
        )
    return (
        f"{busy}: other work slowed the profiled run the predictions come from, unevenly. "
        "Advise again on a quieter machine to be sure."
    )


def memory_cap_warning(workers: int, need: int, limit: int, capped: int) -> str:
    """The warning when the chosen worker count would not fit in memory."""
    return (
        f"Memory: {workers} workers x {fmt_bytes(need)} per node would exceed "
        f"{fmt_bytes(limit)}; capped at {capped}."
    )
