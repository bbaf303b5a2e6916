"""Measuring the promising candidates, each run in a fresh subprocess, within a budget.

:func:`select` picks what to measure: the baseline, the tree's pick, and the
candidates predicted within 1.5x of the best (at most three per kind), fastest
predicted first. :func:`run_campaign` measures them:

- With a budget (seconds for the whole of ``advise``), a run starts only when
  the time left covers it (its prediction, scaled by how far off the
  predictions have been so far); a run is cut short once it has taken 1.5x the
  best time so far; repeats go only to the candidates still in contention and
  stop once the decision is settled. The profiled sequential run that gave the
  facts counts as the baseline's first run.
- Without one (``budget=None``), every selected candidate gets ``repeats``
  runs in interleaved rounds; a candidate 1.5x slower than the best after the
  first round gets no more, and a close call against the tree's pick is
  measured again before deciding.

:func:`settle` turns the runs into candidates. A Ctrl-C keeps what was measured.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from runadvisor.advisor.candidates import Slate
from runadvisor.advisor.choice import TIE_SECONDS, choose, simplicity, tied
from runadvisor.advisor.measure import MeasuredRun, Runs, measure_run
from runadvisor.advisor.options import AdviceOptions
from runadvisor.advisor.progress import Budget, Tracker
from runadvisor.advisor.recommend import BASELINE_KIND, Candidate
from runadvisor.advisor.status import OK, PREDICTED, SKIPPED, STOPPED, TIMEOUT
from runadvisor.units import fmt_seconds_prose

PRUNE_FACTOR = 1.5  # not measured / cut short / not repeated when this much slower than the best
RECHECK = 1.2  # measure again when the tree's pick is within 20% of the measured best
MAX_PER_KIND = 3  # measure at most this many worker counts per runner
CONTENTION = 0.15  # with a single run each, within 15% of the best is still a contest
START_COST = 0.05  # seconds a child run costs beyond the pipeline, until one is measured

Key = tuple[str, int]


@dataclass
class CampaignResult:
    """What the measured runs found: runs per candidate, why others were not
    measured, sentences about how the campaign went, and the Ctrl-C that ended
    it early (if one did)."""

    runs: dict[Key, Runs] = field(default_factory=dict)
    not_measured: dict[Key, str] = field(default_factory=dict)
    out_of_budget: set[Key] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    interrupted: KeyboardInterrupt | None = None


def select(slate: Slate, pick: Candidate | None) -> tuple[list[Candidate], dict[Key, str]]:
    """The candidates worth measuring (fastest predicted first), and why the others are not."""
    baseline = slate.candidates[0]
    pool = list(slate.eligible) or [baseline]
    order = predicted_order(pool)
    best = min(pool, key=lambda c: c.predicted)
    chosen = {baseline.key}
    per_kind: dict[str, int] = {}
    for c in order:
        if c.predicted <= PRUNE_FACTOR * best.predicted and per_kind.get(c.kind, 0) < MAX_PER_KIND:
            chosen.add(c.key)
            per_kind[c.kind] = per_kind.get(c.kind, 0) + 1
    if pick is not None:
        chosen.add(pick.key)
    skipped = {
        c.key: (
            f"predicted {c.predicted / best.predicted:.1f}x slower than {best.label} "
            f"({fmt_seconds_prose(best.predicted)})"
        )
        for c in slate.candidates
        if c.key not in chosen and c.status == PREDICTED
    }
    measured = [c for c in slate.candidates if c.key in chosen]
    return predicted_order(measured), skipped


def predicted_order(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Fastest predicted first; those predicted within noise of the fastest come first,
    simplest first, as the choice would break their tie."""
    ties = tied(candidates, measured=False)
    rest = [c for c in candidates if c not in ties]
    return sorted(ties, key=simplicity) + sorted(rest, key=lambda c: (c.predicted, simplicity(c)))


def run_campaign(
    pipeline: Any,
    catalog: Any,
    slate: Slate,
    pick: Candidate | None,
    options: AdviceOptions,
    tracker: Tracker,
    budget: Budget,
    baseline_run: MeasuredRun | None = None,
    start_method: str | None = None,
) -> CampaignResult:
    """Measure what :func:`select` picks, within ``budget`` (see the module doc).

    ``baseline_run``: the profiled sequential run the facts came from, counted
    as the baseline's first run when there is a budget. ``pick``: the tree's
    pick (``Slate.tree_pick``), always measured, and measured again when it
    comes close to the best. ``start_method``: how process workers start in
    the caller's process, so the measured runs start them the same way.
    """
    to_measure, skipped = select(slate, pick)
    result = CampaignResult(not_measured=skipped)
    campaign = _Campaign(pipeline, catalog, options, tracker, budget, result, start_method)
    baseline = next((c for c in to_measure if c.kind == BASELINE_KIND), None)
    if baseline_run is not None and baseline is not None and budget.seconds is not None:
        campaign.reuse(baseline, baseline_run)
    tracker.plan(sum(campaign.planned(c) for c in to_measure), tracker.label)
    try:
        if budget.seconds is None:
            campaign.exhaustive(to_measure, slate, pick)
        else:
            campaign.budgeted(to_measure, pick)
    except KeyboardInterrupt as exc:  # the runs that finished are evidence
        campaign.result.interrupted = exc
    return campaign.result


class _Campaign:
    """The state of one measurement campaign: runs so far and what they teach."""

    def __init__(
        self,
        pipeline: Any,
        catalog: Any,
        options: AdviceOptions,
        tracker: Tracker,
        budget: Budget,
        result: CampaignResult,
        start_method: str | None = None,
    ) -> None:
        self.start_method = start_method
        self.pipeline = pipeline
        self.catalog = catalog
        self.options = options
        self.tracker = tracker
        self.budget = budget
        self.result = result
        self.runs = result.runs
        self.ratios: list[float] = []  # measured / predicted, for each run so far
        self.start_cost = START_COST
        self.closed: set[Key] = set()  # candidates that get no more runs

    # -- bookkeeping ---------------------------------------------------------------
    def planned(self, c: Candidate) -> int:
        """Runs still planned for ``c``."""
        record = self.runs.get(c.key)
        if c.key in self.closed or (record is not None and record.failed):
            return 0
        return max(0, self.options.repeats - (len(record.walls) if record else 0))

    def reuse(self, baseline: Candidate, run: MeasuredRun) -> None:
        """Count the profiled sequential run as the baseline's first measured run."""
        self.runs.setdefault(baseline.key, Runs()).record(run.wall, run.peak_rss, run.profile)
        self.learn(baseline, run.wall, None)
        self.result.notes.append(
            f"{baseline.label}'s first run is the profiled run the facts came from "
            f"({fmt_seconds_prose(run.wall)}, less the time spent sizing its outputs)"
        )

    def learn(self, c: Candidate, wall: float, elapsed: float | None) -> None:
        """Update how far off the predictions are, and what starting a child costs."""
        if c.predicted and c.predicted > 0:
            self.ratios.append(wall / c.predicted)
        if elapsed is not None:
            self.start_cost = max(0.0, elapsed - wall)

    def estimate(self, c: Candidate) -> float:
        """Seconds a run of ``c`` is expected to take, child start-up included: its
        prediction scaled by the median of measured / predicted so far (one noisy
        run must not make every later run look unaffordable)."""
        ratio = statistics.median(self.ratios) if self.ratios else 1.0
        return (c.predicted or 0.0) * min(max(ratio, 0.5), 3.0) + self.start_cost

    def best(self) -> float | None:
        """The best median measured so far."""
        medians = [r.median for r in self.runs.values() if r.status == OK and r.median is not None]
        return min(medians, default=None)

    def label(self, text: str) -> str:
        if self.budget.seconds is None:
            return text
        spent = self.budget.spent()
        return f"{text} · budget {spent:.1f} of {self.budget.seconds:.1f} s used"

    # -- one run -------------------------------------------------------------------
    def measure(self, c: Candidate, cap: float | None = None) -> bool:
        """One run of ``c``, cut short at ``cap`` seconds; False if it did not end well."""
        timeout = self.options.timeout
        capped = cap is not None and (timeout is None or cap < timeout)
        limit = cap if capped else timeout
        outcome = measure_run(
            self.pipeline, self.catalog, c.kind, c.workers, limit, self.start_method, c.options
        )
        record = self.runs.setdefault(c.key, Runs())
        if outcome.status == TIMEOUT and capped:
            reason = self._stop_reason(c, limit)
            if record.walls:  # earlier runs stand; this one just ran out of time
                record.reason = record.reason or reason
                self.closed.add(c.key)
            else:
                record.stop(STOPPED, reason)
            what = "stopped"
        else:
            record.add(outcome)
            what = outcome.status
            if outcome.status == OK:
                self.learn(c, float(outcome.value["wall"]), outcome.elapsed)
                what = f"{outcome.value['wall']:.2f} s"
        runs = len(record.walls)
        left = self.planned(c)
        self.tracker.step(self.label(f"{c.label} run {runs}/{runs + left}: {what}"))
        ended = record.failed or c.key in self.closed
        if ended and self.budget.seconds is not None:
            # Its planned runs will not happen (the exhaustive rounds count their own).
            wasted = max(0, self.options.repeats - runs - 1)
            if wasted:
                self.tracker.step(self.label(f"{c.label}: {what}"), runs=wasted)
        return not ended

    def _stop_reason(self, c: Candidate, limit: float) -> str:
        best = self.best()
        if best is not None and limit <= PRUNE_FACTOR * best + self.start_cost + 1e-9:
            return (
                f"stopped after {fmt_seconds_prose(limit)}: already {PRUNE_FACTOR:g}x the best "
                f"time so far ({fmt_seconds_prose(best)})"
            )
        self.result.out_of_budget.add(c.key)
        return f"stopped after {fmt_seconds_prose(limit)}: the budget ran out"

    def skip(self, c: Candidate, reason: str) -> None:
        """``c`` gets no (more) runs, for ``reason``."""
        left = self.planned(c)
        self.closed.add(c.key)
        record = self.runs.get(c.key)
        if record is None:
            self.result.not_measured[c.key] = reason
        elif record.reason is None:
            record.reason = reason
        if left:
            self.tracker.step(self.label(f"{c.label}: {reason}"), runs=left)

    # -- without a budget ------------------------------------------------------------
    def exhaustive(self, to_measure: list[Candidate], slate: Slate, pick: Candidate | None) -> None:
        """``repeats`` rounds of every candidate; prune after the first; recheck a close call."""
        self._rounds(to_measure, self.options.repeats, prune=True)
        eligible = settle(slate.eligible, self.result)
        chosen = choose(eligible, measured=True)
        rival = _close_rival(chosen, eligible, pick)
        if chosen is None or rival is None:
            return
        extra = max(2, self.options.repeats)
        self.tracker.plan(2 * extra, "measuring the close call against the tree's pick again")
        again = [c for c in to_measure if c.key in (chosen.key, rival.key)]
        for c in again:  # pruned or not: measured again, and the pruning no longer stands
            self.closed.discard(c.key)
            record = self.runs.get(c.key)
            if record is not None and not record.failed:
                record.reason = None
        self._rounds(again, extra, prune=False)
        self.result.notes.append(
            f"{chosen.label} and the tree's {rival.label} were within 20% of each other, so "
            f"both were measured {extra} more times before deciding"
        )

    def _rounds(self, candidates: Sequence[Candidate], rounds: int, *, prune: bool) -> None:
        """Rounds rather than all runs of one candidate in a row: a burst of other work
        on the machine then slows every candidate alike."""
        active = list(candidates)
        for round_index in range(rounds):
            for c in list(active):
                if not self.measure(c):
                    active.remove(c)
                    left = rounds - round_index - 1  # this call's runs of it that will not be
                    if left:
                        self.tracker.step(self.label(f"{c.label}: no more runs"), runs=left)
            if prune and round_index == 0 and rounds > 1:
                best = self.best()
                for c in list(active):
                    median = self.runs[c.key].median
                    if best is not None and median is not None and median > PRUNE_FACTOR * best:
                        self.skip(
                            c,
                            f"stopped after 1 of {rounds} runs: {median / best:.1f}x slower than "
                            "the best",
                        )
                        active.remove(c)

    # -- within a budget -------------------------------------------------------------
    def budgeted(self, to_measure: list[Candidate], pick: Candidate | None) -> None:
        """One run each while the budget lasts, then repeats for the contenders only."""
        for c in to_measure:
            if c.key in self.runs:
                continue
            if not self._affordable(c):
                continue
            best = self.best()
            cap = None if best is None else PRUNE_FACTOR * best + self.start_cost
            self.measure(c, _tighter(cap, self.budget.left()))
        while True:
            contenders = self._contenders(to_measure, pick)
            wanting = [c for c in contenders if self.planned(c) > 0]
            if len(contenders) < 2 or not wanting:
                break
            progressed = False
            for c in wanting:
                if self._affordable(c):
                    progressed = self.measure(c, self.budget.left()) or progressed
            if not progressed:
                break
        settled = self._contenders(to_measure, pick)
        for c in to_measure:
            if self.planned(c) and c.key in self.runs and not self.runs[c.key].failed:
                why = (
                    "no more runs: the decision was settled without them"
                    if len(settled) < 2 or c not in settled
                    else "no more runs: the budget ran out"
                )
                self.skip(c, why)

    def _affordable(self, c: Candidate) -> bool:
        """Whether the time left covers a run of ``c``; if not, say so and plan no more."""
        need = self.estimate(c)
        if need <= self.budget.left():
            return True
        reason = (
            f"not measured: the budget ({self.budget.seconds:.1f} s for advise) ran out "
            f"(a run would take about {fmt_seconds_prose(need)})"
        )
        if c.key in self.runs:
            reason = "no more runs" + reason[len("not measured") :]
        self.result.out_of_budget.add(c.key)
        self.skip(c, reason)
        return False

    def _contenders(
        self, candidates: Sequence[Candidate], pick: Candidate | None
    ) -> list[Candidate]:
        """The measured candidates the decision is still open between (the best first)."""
        measured = [
            (self.runs[c.key], c)
            for c in candidates
            if c.key in self.runs and self.runs[c.key].status == OK and self.runs[c.key].walls
        ]
        if not measured:
            return []
        best_runs, best = min(measured, key=lambda rc: (rc[0].median, simplicity(rc[1])))
        out = [best]
        for runs, c in measured:
            if c is best:
                continue
            single = len(runs.walls) < 2 or len(best_runs.walls) < 2
            margin = CONTENTION * best_runs.median if single else 0.0
            overlap = min(runs.walls) <= max(best_runs.walls) + margin + TIE_SECONDS
            is_pick = pick is not None and c.key == pick.key
            close_to_tree = is_pick and runs.median <= RECHECK * best_runs.median
            if overlap or close_to_tree:
                out.append(c)
        return out


def _tighter(a: float | None, b: float) -> float | None:
    values = [v for v in (a, b) if v is not None and v != float("inf")]
    return min(values) if values else None


def _close_rival(
    chosen: Candidate | None, eligible: Sequence[Candidate], pick: Candidate | None
) -> Candidate | None:
    """The tree's pick as measured, when it lost to ``chosen`` by less than 20%."""
    if chosen is None or pick is None or chosen.key == pick.key or chosen.median is None:
        return None
    rival = next((c for c in eligible if c.key == pick.key and c.status == OK), None)
    if rival is None or rival.median is None or rival.median > RECHECK * chosen.median:
        return None
    return rival


def settle(candidates: Sequence[Candidate], result: CampaignResult) -> list[Candidate]:
    """The candidates with what the campaign found: measured times, statuses, reasons."""
    out = []
    for c in candidates:
        record = result.runs.get(c.key)
        if record is not None:
            c = replace(
                c,
                measured=tuple(record.walls),
                median=None,
                spread=None,
                peak_rss=record.peak_rss,
                status=record.status,
                reason=record.reason,
            )
        elif c.key in result.not_measured:
            c = replace(c, status=SKIPPED, reason=result.not_measured[c.key])
        out.append(c)
    return with_speedups(out)


def with_speedups(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Each candidate's speedup over the baseline: measured where both were, else predicted."""
    base = next((c for c in candidates if c.kind == BASELINE_KIND), None)
    out = []
    for c in candidates:
        speedup = None
        if base is not None and base.status == OK and c.status == OK and base.median and c.median:
            speedup = base.median / c.median
        elif base is not None and base.predicted and c.predicted:
            speedup = base.predicted / c.predicted
        out.append(replace(c, speedup=speedup))
    return out


def median_profiles(candidates: Sequence[Candidate], result: CampaignResult) -> dict[str, Any]:
    """Each measured candidate's median run's profile, by label."""
    from runadvisor.profiles import RunProfile

    profiles = {}
    for c in candidates:
        record = result.runs.get(c.key)
        profile = record.median_profile() if record is not None else None
        if profile is not None:
            profiles[c.label] = RunProfile.from_dict(profile, source=c.label)
    return profiles
