"""advise(): profile once, walk the tree, simulate, measure, choose, explain.

1. Calibrate the machine (cached; see ``calibrate.py``).
2. One profiled SequentialRunner run in a fresh subprocess gives the facts
   (``facts.py``). If the pipeline fails there, its error is raised: there is
   nothing to advise on a pipeline that does not run.
3. Candidates: SequentialRunner (always, as the baseline), and ThreadRunner /
   ParallelRunner with 1, 2, 4, ... workers up to the pipeline's width (and up
   to the cores for processes), or the ``workers`` given. Each is simulated
   and given the bounds max(T1/P, T_inf) and T1/P + T_inf.
4. The decision tree (``tree.py``) walks the facts and gives its pick.
5. Unless ``predict_only``: candidates predicted within 1.5x of the best
   prediction are measured (the baseline and the tree's pick always are),
   ``repeats`` runs each, each run in a fresh subprocess under ``timeout``
   (``measure.py``). A run that hangs, crashes or cannot pickle its data is a
   finding on its candidate, not an exception.
6. The recommendation is the measured best; ties within noise go to the
   simpler runner and to fewer workers. Where measurement and tree disagree,
   the path says so.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from runadvisor.advisor import tree
from runadvisor.advisor.calibrate import MachineCosts, calibrate
from runadvisor.advisor.errors import AdviceError
from runadvisor.advisor.facts import PipelineFacts, build_facts, facts_job
from runadvisor.advisor.measure import (
    CRASHED,
    FAILED,
    OK,
    PREDICTED,
    RUNNER_NAMES,
    SKIPPED,
    TIMEOUT,
    UNPICKLABLE,
    Outcome,
    Runs,
    measure_run,
    run_isolated,
)
from runadvisor.advisor.recommend import (
    Candidate,
    Recommendation,
    choose,
    separated,
    simplicity,
    tied,
)
from runadvisor.advisor.simulate import NodeCost, bounds, runner_kind, simulate, width
from runadvisor.units import fmt_bytes, fmt_seconds_prose

PRUNE_FACTOR = 1.5  # do not measure candidates predicted this much slower than the best
RECHECK = 1.2  # measure again when the tree's pick is within 20% of the measured best
MAX_PER_KIND = 3  # measure at most this many worker counts per runner
MAX_THREADS = 256
MEMORY_SHARE = 0.8  # of available memory, when no memory_limit is given
HIGH_MARGIN = 1.2  # the best must beat the runner-up by 20% for high confidence

Progress = Callable[[int, int, str], Any]


def advise(
    pipeline: Any,
    catalog: Any,
    *,
    runners: Iterable[str] = ("sequential", "thread", "parallel"),
    workers: int | Iterable[int] | None = None,
    repeats: int = 3,
    predict_only: bool = False,
    timeout: float | None = 60.0,
    memory_limit: int | None = None,
    progress: Progress | None = None,
) -> Recommendation:
    """Recommend a runner and a worker count for ``pipeline`` on ``catalog``, with evidence.

    ``runners``: the kinds to choose from ("sequential", "thread", "parallel"
    or class names). ``workers``: worker counts to try instead of the sweep.
    ``repeats``: measured runs per candidate. ``predict_only``: no measured
    runs, only the profiled one the facts come from. ``timeout``: seconds per
    run (None: no limit). ``memory_limit``: bytes the workers may use together
    (default 80% of the available memory). ``progress(done, total, label)`` is
    called as runs complete (``total`` is known after the first run).

    Every run happens in a fresh subprocess: the caller's catalog is not
    touched, nothing is left running and advise writes no file (except its
    per-machine calibration cache, see ``calibrate.py``). Datasets that save
    to files do write them, on every run: they are the pipeline's outputs.
    Raises the pipeline's own error when its profiled sequential run fails,
    and AdviceError for bad options or when that run times out or crashes. A
    KeyboardInterrupt during the measured runs stops the running child and is
    re-raised carrying ``.recommendation``, built from the runs that finished.
    """
    kinds = _check_runners(runners)
    sweep = _check_workers(workers)
    repeats = _check_count(repeats, "repeats")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0
    ):
        raise AdviceError(f"timeout={timeout!r}: give a positive number of seconds, or None.")
    if memory_limit is not None and (
        isinstance(memory_limit, bool) or not isinstance(memory_limit, int) or memory_limit <= 0
    ):
        raise AdviceError(
            f"memory_limit={memory_limit!r}: give a positive number of bytes, or None."
        )
    if not list(getattr(pipeline, "nodes", ())):
        raise AdviceError("The pipeline has no nodes: there is nothing to advise on.")
    if catalog is None:
        from runadvisor.io import DataCatalog

        catalog = DataCatalog()

    from runadvisor.runners.base import available_cores

    tracker = _Tracker(progress)
    tracker.report(0, 1, "profiling one sequential run")
    warnings: list[str] = []
    busy = _machine_load(available_cores())  # before our own runs add to the load
    if busy is not None:
        warnings.append(busy)
    costs = calibrate()
    answer = _facts_run(pipeline, catalog, timeout)
    facts, nodes, facts_profile = build_facts(answer)
    if costs.source == "default":
        warnings.append(f"{costs.note}; the predictions use default costs, not this machine's.")

    candidates = _candidates(nodes, facts, costs, kinds, sweep)
    best_by_kind = {
        kind: min(c.predicted for c in candidates if c.kind == kind)
        for kind in {c.kind for c in candidates}
    }
    verdict = tree.walk(facts, costs, nodes, best_by_kind)
    path = list(verdict.path)
    tree_kind = runner_kind(verdict.runner)
    if tree_kind not in kinds:
        path.append(
            f"{verdict.runner} is not among the runners asked for "
            f"({', '.join(RUNNER_NAMES[k] for k in kinds)}): choosing among those"
        )

    limit = memory_limit if memory_limit is not None else int(MEMORY_SHARE * facts.available_memory)
    excluded = _exclude(candidates, facts, limit, memory_limit is not None, warnings)
    eligible = [c for c in candidates if c.kind in kinds and id(c) not in excluded]
    if not eligible:
        reasons = "; ".join(f"{c.label}: {c.reason}" for c in candidates if c.kind in kinds)
        raise AdviceError(
            f"None of the runners asked for can run this pipeline ({reasons}). Allow "
            "another runner (runners=...) or a larger memory_limit."
        )
    path.append(_simulated_sentence(candidates, kinds, nodes))

    profiles: dict[str, Any] = {"facts": facts_profile}
    chosen, recheck = None, None
    interrupted: KeyboardInterrupt | None = None
    if not predict_only:
        to_measure = _to_measure(candidates, eligible, excluded, tree_kind)
        tracker.report(1, 1 + repeats * len(to_measure), _facts_label(facts))
        try:
            chosen, recheck = _measure_and_choose(
                pipeline,
                catalog,
                to_measure,
                eligible,
                verdict,
                repeats,
                timeout,
                tracker,
                profiles,
            )
        except KeyboardInterrupt as exc:  # keep what was measured; the caller re-raises
            interrupted = exc
            chosen = choose(eligible, measured=True)
            warnings.append(
                "Interrupted (Ctrl-C) before every candidate was measured: this advice rests "
                "on the runs that finished."
            )
        warnings.extend(
            _failure_warning(c, timeout)
            for c in to_measure
            if c.status in (FAILED, CRASHED, TIMEOUT, UNPICKLABLE)
        )
    measured = chosen is not None
    _speedups(candidates)

    if chosen is None:
        pool = [c for c in eligible if c.status in (PREDICTED, SKIPPED, OK)]
        chosen = choose(pool, measured=False) or eligible[0]
        if not predict_only:
            warnings.append(
                "No candidate could be measured to completion: the recommendation rests on "
                "predictions only."
            )
    else:
        if recheck:
            path.append(recheck)
        path.append(_measured_sentence(candidates, chosen, verdict))
    max_workers, worker_note = _worker_count(chosen, candidates, facts, nodes, limit, warnings)
    if worker_note:
        path.append(worker_note)
    if chosen.kind == "parallel":
        _warn_fork_with_threads(facts, warnings)

    recommendation = Recommendation(
        runner=chosen.runner,
        max_workers=max_workers,
        speedup=chosen.speedup,
        confidence=_confidence(chosen, eligible, verdict, measured, predict_only),
        path=path,
        warnings=warnings,
        facts=facts,
        candidates=candidates,
        profiles=profiles,
        predict_only=predict_only,
        calibration=costs.to_dict(),
    )
    if interrupted is not None:
        interrupted.recommendation = recommendation  # type: ignore[attr-defined]
        raise interrupted
    return recommendation


# -- options ---------------------------------------------------------------------------


def _check_runners(runners: Iterable[str]) -> list[str]:
    if isinstance(runners, str):
        runners = [runners]
    kinds: list[str] = []
    for name in runners:
        try:
            kind = runner_kind(name)
        except ValueError as exc:
            raise AdviceError(f"runners={list(runners)!r}: {exc}.") from None
        if kind not in kinds:
            kinds.append(kind)
    if not kinds:
        raise AdviceError("runners=(): name at least one of 'sequential', 'thread', 'parallel'.")
    return kinds


def _check_workers(workers: int | Iterable[int] | None) -> list[int] | None:
    if workers is None:
        return None
    values = [workers] if isinstance(workers, int) else list(workers)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise AdviceError(
                f"workers={workers!r}: give positive whole numbers of workers (or None to sweep)."
            )
    if not values:
        raise AdviceError("workers=[]: give at least one worker count, or None to sweep.")
    return sorted(set(values))


def _check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AdviceError(f"{name}={value!r}: give a positive whole number.")
    return value


# -- the facts run ----------------------------------------------------------------------


def _facts_run(pipeline: Any, catalog: Any, timeout: float | None) -> dict[str, Any]:
    from runadvisor.exceptions import add_note

    outcome: Outcome = run_isolated(facts_job, (pipeline, catalog), timeout)
    if outcome.status == OK:
        return outcome.value
    if outcome.status == TIMEOUT:
        raise AdviceError(
            f"The profiled sequential run did not finish within timeout={timeout:g} s, and "
            "advise needs one complete run to reason about. Give a larger timeout (it applies "
            "to each run)."
        )
    if outcome.status == CRASHED or outcome.error is None:
        raise AdviceError(f"The profiled sequential run crashed: {outcome.reason}.")
    error = outcome.error
    add_note(
        error,
        "runadvisor.advise: the pipeline failed in its profiled SequentialRunner run (in a "
        "subprocess), so there is nothing to advise on yet. Fix the error and advise again.",
    )
    raise error


def _facts_label(facts: PipelineFacts) -> str:
    return (
        f"profiled: {facts.n_nodes} nodes, work {facts.t1:.2f} s, "
        f"parallelism {facts.parallelism:.1f}"
    )


# -- candidates -------------------------------------------------------------------------


def _sweep(kind: str, pipeline_width: int, cores: int, override: list[int] | None) -> list[int]:
    if kind == "sequential":
        return [1]
    if override is not None:
        return sorted({min(w, pipeline_width) for w in override})
    top = min(pipeline_width, MAX_THREADS)
    if kind == "parallel":
        top = min(top, cores)
    counts = []
    p = 1
    while p < top:
        counts.append(p)
        p *= 2
    counts.append(top)
    return counts


def _candidates(
    nodes: list[NodeCost],
    facts: PipelineFacts,
    costs: MachineCosts,
    kinds: list[str],
    override: list[int] | None,
) -> list[Candidate]:
    wide = width(nodes)
    candidates = []
    for kind in ("sequential", "thread", "parallel"):
        if kind != "sequential" and kind not in kinds:
            continue
        for p in _sweep(kind, wide, facts.cores, override):
            lower, upper = bounds(nodes, p)
            candidates.append(
                Candidate(
                    runner=RUNNER_NAMES[kind],
                    workers=p,
                    predicted=simulate(nodes, kind, p, costs),
                    lower_bound=lower,
                    upper_bound=upper,
                )
            )
    if "sequential" not in kinds:
        candidates[0].reason = "baseline for the speedups; not among the runners asked for"
    return candidates


def _exclude(
    candidates: list[Candidate],
    facts: PipelineFacts,
    limit: int,
    explicit: bool,
    warnings: list[str],
) -> set[int]:
    """Mark the candidates that cannot run (unpicklable data, memory); return their ids."""
    excluded: set[int] = set()
    if not facts.picklable:
        shown = "; ".join(facts.unpicklable)
        warnings.append(
            f"ParallelRunner cannot run this pipeline: data that must travel to worker "
            f"processes does not pickle: {shown}. Use ThreadRunner or SequentialRunner, make "
            "the objects picklable, or keep them in file datasets."
        )
        for c in candidates:
            if c.kind == "parallel":
                c.status = UNPICKLABLE
                c.reason = f"does not pickle: {facts.unpicklable[0]}"
                excluded.add(id(c))
    need = facts.peak_node_memory or 0
    source = "memory_limit" if explicit else f"{MEMORY_SHARE:.0%} of the available memory"
    over = []
    for c in candidates:
        if id(c) in excluded or c.workers <= 1 or not need:
            continue
        if c.workers * need > limit:
            c.status = SKIPPED
            c.reason = (
                f"memory: {c.workers} workers x {fmt_bytes(need)} per node = "
                f"{fmt_bytes(c.workers * need)}, over the {fmt_bytes(limit)} limit ({source})"
            )
            excluded.add(id(c))
            over.append(c.label)
    if over:
        warnings.append(
            f"Memory: the largest node needs {fmt_bytes(need)}; {', '.join(over)} would need more "
            f"than {fmt_bytes(limit)} ({source}) and were left out."
        )
    if need and need > limit:
        warnings.append(
            f"Memory risk: the largest node alone needs {fmt_bytes(need)}, more than "
            f"{fmt_bytes(limit)} ({source})."
        )
    return excluded


def _to_measure(
    candidates: list[Candidate], eligible: list[Candidate], excluded: set[int], tree_kind: str
) -> list[Candidate]:
    """The candidates worth measuring, fastest predicted first; mark the others skipped."""
    baseline = candidates[0]
    pool = [c for c in eligible if id(c) not in excluded]
    if not pool:
        pool = [baseline]
    best = min(pool, key=lambda c: (c.predicted, simplicity(c)))
    chosen = {id(baseline)}
    per_kind: dict[str, int] = {}
    for c in sorted(pool, key=lambda c: (c.predicted, simplicity(c))):
        if c.predicted <= PRUNE_FACTOR * best.predicted and per_kind.get(c.kind, 0) < MAX_PER_KIND:
            chosen.add(id(c))
            per_kind[c.kind] = per_kind.get(c.kind, 0) + 1
    tree_best = [c for c in pool if c.kind == tree_kind]
    if tree_best:
        chosen.add(id(min(tree_best, key=lambda c: (c.predicted, simplicity(c)))))
    out = []
    for c in candidates:
        if id(c) in chosen:
            out.append(c)
        elif c.status == PREDICTED:
            c.status = SKIPPED
            c.reason = (
                f"predicted {c.predicted / best.predicted:.1f}x slower than {best.label} "
                f"({fmt_seconds_prose(best.predicted)})"
            )
    return sorted(out, key=lambda c: (c.predicted, simplicity(c)))


def _measure_and_choose(
    pipeline: Any,
    catalog: Any,
    to_measure: list[Candidate],
    eligible: list[Candidate],
    verdict: tree.Verdict,
    repeats: int,
    timeout: float | None,
    tracker: _Tracker,
    profiles: dict[str, Any],
) -> tuple[Candidate | None, str | None]:
    """Measure ``to_measure``; return the measured choice among ``eligible`` and, if
    the choice was measured again against the tree's pick, a sentence saying so."""
    runs: dict[int, Runs] = {}
    try:
        _measure_rounds(pipeline, catalog, to_measure, repeats, timeout, tracker, runs)
    finally:  # after Ctrl-C too: the runs that finished are evidence
        _record(to_measure, runs, profiles)
    chosen = choose(eligible, measured=True)
    rival = _close_rival(chosen, eligible, verdict)
    if chosen is None or rival is None:
        return chosen, None
    # A close call against the tree: look again before deciding.
    extra = max(2, repeats)
    tracker.total += 2 * extra
    _measure_rounds(pipeline, catalog, [chosen, rival], extra, timeout, tracker, runs, prune=False)
    _record([chosen, rival], runs, profiles)
    note = (
        f"{chosen.label} and the tree's {rival.label} were within 20% of each other, so both "
        f"were measured {extra} more times before deciding"
    )
    return choose(eligible, measured=True), note


def _measure_rounds(
    pipeline: Any,
    catalog: Any,
    candidates: list[Candidate],
    rounds: int,
    timeout: float | None,
    tracker: _Tracker,
    runs: dict[int, Runs],
    *,
    prune: bool = True,
) -> None:
    """Measure ``candidates`` in rounds, one run of each per round.

    Rounds rather than all runs of one candidate in a row: a burst of other
    work on the machine then slows every candidate alike. After the first
    round a candidate 1.5x slower than the best so far gets no more runs.
    """
    active = list(candidates)
    for round_index in range(rounds):
        for c in list(active):
            outcome = measure_run(pipeline, catalog, c.kind, c.workers, timeout)
            record = runs.setdefault(id(c), Runs())
            record.add(outcome)
            what = f"{outcome.value['wall']:.2f} s" if outcome.status == OK else outcome.status
            done = len(record.walls) + record.failed
            tracker.step(f"{c.label} run {done}/{done + rounds - round_index - 1}: {what}")
            if record.failed:
                active.remove(c)
                tracker.total -= rounds - round_index - 1
        if prune and round_index == 0 and rounds > 1:
            medians = [runs[id(c)].median for c in active]
            best = min((m for m in medians if m is not None), default=None)
            for c in list(active):
                median = runs[id(c)].median
                if best is not None and median is not None and median > PRUNE_FACTOR * best:
                    runs[id(c)].reason = (
                        f"stopped after 1 of {rounds} runs: {median / best:.1f}x slower than "
                        "the best"
                    )
                    active.remove(c)
                    tracker.total -= rounds - 1


def _record(
    candidates: list[Candidate],
    runs: dict[int, Runs],
    profiles: dict[str, Any],
) -> None:
    """Copy what the runs found into the candidates, and keep each median run's profile."""
    from runadvisor.profiles import RunProfile

    for c in candidates:
        record = runs.get(id(c))
        if record is None:
            continue
        c.record(record.walls)
        c.peak_rss = record.peak_rss
        c.status = record.status
        c.reason = record.reason
        profile = record.median_profile()
        if profile is not None:
            profiles[c.label] = RunProfile.from_dict(profile, source=c.label)


def _close_rival(
    chosen: Candidate | None, eligible: list[Candidate], verdict: tree.Verdict
) -> Candidate | None:
    """The tree's best measured candidate, when it lost to ``chosen`` by less than 20%."""
    if chosen is None or chosen.runner == verdict.runner or chosen.median is None:
        return None
    rivals = [c for c in eligible if c.runner == verdict.runner and c.status == OK]
    rival = min(rivals, key=lambda c: c.median, default=None)
    if rival is None or rival.median is None or rival.median > RECHECK * chosen.median:
        return None
    return rival


def _failure_warning(c: Candidate, timeout: float | None) -> str:
    if c.status == TIMEOUT:
        return f"{c.label} did not finish within {timeout:g} s and was stopped."
    if c.status == UNPICKLABLE:
        return f"{c.label} could not send its data to worker processes: {c.reason}"
    if c.status == CRASHED:
        return f"{c.label} crashed: {c.reason}"
    hint = " The pipeline may not be safe to run in threads." if c.kind == "thread" else ""
    return f"{c.label} failed although SequentialRunner ran: {c.reason}.{hint}"


def _speedups(candidates: list[Candidate]) -> None:
    base = candidates[0]
    for c in candidates:
        if base.status == OK and c.status == OK and base.median and c.median:
            c.speedup = base.median / c.median
        elif base.predicted and c.predicted:
            c.speedup = base.predicted / c.predicted


# -- explaining -------------------------------------------------------------------------


def _simulated_sentence(
    candidates: list[Candidate], kinds: list[str], nodes: list[NodeCost]
) -> str:
    best = {}
    for c in candidates:
        shown = c.kind in kinds or c.kind == "sequential"
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


def _measured_sentence(
    candidates: list[Candidate], chosen: Candidate, verdict: tree.Verdict
) -> str:
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


def _worker_count(
    chosen: Candidate,
    candidates: list[Candidate],
    facts: PipelineFacts,
    nodes: list[NodeCost],
    limit: int,
    warnings: list[str],
) -> tuple[int, str | None]:
    """The workers to recommend, and a sentence saying why that many."""
    if chosen.kind == "sequential":
        return 1, None
    workers = chosen.workers
    more = sorted(
        (c for c in candidates if c.kind == chosen.kind and c.workers > workers),
        key=lambda c: c.workers,
    )
    wide = width(nodes)
    if more:
        nxt = more[0]
        if nxt.status not in (OK, PREDICTED, SKIPPED) or "memory" in (nxt.reason or ""):
            note = f"max_workers={workers}: {nxt.label} was left out ({nxt.reason})"
        elif nxt.status == OK and chosen.status == OK:
            note = (
                f"max_workers={workers}: more workers did not help beyond noise ({nxt.label} "
                f"measured {fmt_seconds_prose(nxt.median)} against "
                f"{fmt_seconds_prose(chosen.median)})"
            )
        else:
            note = (
                f"max_workers={workers}: more workers do not help ({nxt.label} predicted "
                f"{fmt_seconds_prose(nxt.predicted)} against {fmt_seconds_prose(chosen.predicted)})"
            )
    elif chosen.kind == "parallel" and workers >= facts.cores:
        note = (
            f"max_workers={workers}: one process per core ({facts.cores} cores); more would "
            "only take turns"
        )
    elif workers >= wide:
        note = f"max_workers={workers}: the pipeline never has more than {wide} nodes ready at once"
    else:
        note = f"max_workers={workers}: the most workers tried"
    need = facts.peak_node_memory or 0
    if need and workers * need > limit:
        capped = max(1, limit // need)
        warnings.append(
            f"Memory: {workers} workers x {fmt_bytes(need)} per node would exceed "
            f"{fmt_bytes(limit)}; capped at {capped}."
        )
        note += (
            f"; capped at {capped} so that {capped} x {fmt_bytes(need)} fits in {fmt_bytes(limit)}"
        )
        workers = capped
    return workers, note


def _confidence(
    chosen: Candidate,
    eligible: list[Candidate],
    verdict: tree.Verdict,
    measured: bool,
    predict_only: bool,
) -> str:
    if predict_only or not measured or chosen.status != OK:
        return "low"
    if any(c.status in (FAILED, CRASHED, TIMEOUT) for c in eligible):
        return "low"
    rivals = [c for c in eligible if c.kind != chosen.kind and c.time is not None]
    rival = min(rivals, key=lambda c: c.time, default=None)
    clear = rival is None or rival.time > HIGH_MARGIN * chosen.time
    return "high" if clear and chosen.runner == verdict.runner else "medium"


def _warn_fork_with_threads(facts: PipelineFacts, warnings: list[str]) -> None:
    if facts.start_method != "fork":
        return
    current = threading.current_thread()
    others = [
        t.name
        for t in threading.enumerate()
        if t is not current and t.is_alive() and not t.name.startswith("runadvisor-")
    ]
    if others:
        warnings.append(
            f"{len(others)} other thread(s) run in this process ({', '.join(others[:5])}) and "
            "ParallelRunner forks its workers: a worker can deadlock on a lock one of them "
            "held. Start ParallelRunner from a process without threads, or use "
            "ParallelRunner(mp_context='spawn') or RUNADVISOR_MP_CONTEXT=spawn."
        )


def _machine_load(cores: int) -> str | None:
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


class _Tracker:
    """Calls ``progress(done, total, label)``; ``total`` shrinks when runs are cut short."""

    def __init__(self, callback: Progress | None) -> None:
        self.callback = callback
        self.done = 0
        self.total = 1

    def report(self, done: int, total: int, label: str) -> None:
        self.done, self.total = done, total
        if self.callback is not None:
            self.callback(done, total, label)

    def step(self, label: str) -> None:
        self.report(self.done + 1, max(self.total, self.done + 1), label)


__all__: Sequence[str] = ["advise"]
