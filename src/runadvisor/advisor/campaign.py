"""Measuring the promising candidates, each run in a fresh subprocess.

:func:`select` picks what to measure (the baseline, the tree's pick, and the
candidates predicted within 1.5x of the best, at most three per kind);
:func:`run_campaign` measures them in interleaved rounds, stops a candidate
that is clearly slower after its first run, and measures a close call against
the tree's pick again before deciding; :func:`settle` turns the runs into
candidates. A Ctrl-C keeps what was measured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from runadvisor.advisor.candidates import Slate
from runadvisor.advisor.measure import Runs, measure_run
from runadvisor.advisor.options import AdviceOptions
from runadvisor.advisor.recommend import BASELINE_KIND, Candidate, choose, simplicity
from runadvisor.advisor.status import OK, PREDICTED, SKIPPED
from runadvisor.units import fmt_seconds_prose

PRUNE_FACTOR = 1.5  # do not measure candidates predicted this much slower than the best
RECHECK = 1.2  # measure again when the tree's pick is within 20% of the measured best
MAX_PER_KIND = 3  # measure at most this many worker counts per runner

Key = tuple[str, int]
ProgressCallback = Callable[[int, int, str], Any]


class Tracker:
    """Calls ``progress(done, total, label)``; ``total`` shrinks when runs are cut short."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.done = 0
        self.total = 1
        self.label = ""

    def report(self, done: int, total: int, label: str) -> None:
        """Say ``done`` of ``total`` runs are over, and what happened last."""
        self.done, self.total, self.label = done, total, label
        if self.callback is not None:
            self.callback(done, total, label)

    def step(self, label: str) -> None:
        """One more run is over."""
        self.report(self.done + 1, max(self.total, self.done + 1), label)


@dataclass
class CampaignResult:
    """What the measured runs found: runs per candidate, why others were not
    measured, a sentence if a close call was measured again, and the Ctrl-C
    that ended the campaign early (if one did)."""

    runs: dict[Key, Runs] = field(default_factory=dict)
    not_measured: dict[Key, str] = field(default_factory=dict)
    recheck: str | None = None
    interrupted: KeyboardInterrupt | None = None


def select(slate: Slate, tree_kind: str) -> tuple[list[Candidate], dict[Key, str]]:
    """The candidates worth measuring (fastest predicted first), and why the others are not."""
    baseline = slate.candidates[0]
    pool = list(slate.eligible) or [baseline]
    order = sorted(pool, key=lambda c: (c.predicted, simplicity(c)))
    best = order[0]
    chosen = {baseline.key}
    per_kind: dict[str, int] = {}
    for c in order:
        if c.predicted <= PRUNE_FACTOR * best.predicted and per_kind.get(c.kind, 0) < MAX_PER_KIND:
            chosen.add(c.key)
            per_kind[c.kind] = per_kind.get(c.kind, 0) + 1
    tree_best = [c for c in order if c.kind == tree_kind]
    if tree_best:
        chosen.add(tree_best[0].key)
    skipped = {
        c.key: (
            f"predicted {c.predicted / best.predicted:.1f}x slower than {best.label} "
            f"({fmt_seconds_prose(best.predicted)})"
        )
        for c in slate.candidates
        if c.key not in chosen and c.status == PREDICTED
    }
    measured = [c for c in slate.candidates if c.key in chosen]
    return sorted(measured, key=lambda c: (c.predicted, simplicity(c))), skipped


def run_campaign(
    pipeline: Any,
    catalog: Any,
    slate: Slate,
    tree_runner: str,
    options: AdviceOptions,
    tracker: Tracker,
) -> CampaignResult:
    """Measure what :func:`select` picks; a close call against the tree is measured again."""
    tree_kind = next((c.kind for c in slate.candidates if c.runner == tree_runner), "")
    to_measure, skipped = select(slate, tree_kind)
    result = CampaignResult(not_measured=skipped)
    tracker.report(tracker.done, tracker.done + options.repeats * len(to_measure), tracker.label)
    try:
        _rounds(pipeline, catalog, to_measure, options, tracker, result.runs, prune=True)
        eligible = settle(slate.eligible, result)
        chosen = choose(eligible, measured=True)
        rival = _close_rival(chosen, eligible, tree_runner)
        if chosen is not None and rival is not None:
            extra = max(2, options.repeats)
            tracker.total += 2 * extra
            again = replace(options, repeats=extra)
            _rounds(pipeline, catalog, [chosen, rival], again, tracker, result.runs, prune=False)
            result.recheck = (
                f"{chosen.label} and the tree's {rival.label} were within 20% of each other, so "
                f"both were measured {extra} more times before deciding"
            )
    except KeyboardInterrupt as exc:  # the runs that finished are evidence
        result.interrupted = exc
    return result


def _rounds(
    pipeline: Any,
    catalog: Any,
    candidates: Sequence[Candidate],
    options: AdviceOptions,
    tracker: Tracker,
    runs: dict[Key, Runs],
    *,
    prune: bool,
) -> None:
    """Measure ``candidates`` in rounds, one run of each per round.

    Rounds rather than all runs of one candidate in a row: a burst of other
    work on the machine then slows every candidate alike. After the first
    round a candidate 1.5x slower than the best so far gets no more runs.
    """
    rounds = options.repeats
    active = list(candidates)
    for round_index in range(rounds):
        for c in list(active):
            outcome = measure_run(pipeline, catalog, c.kind, c.workers, options.timeout)
            record = runs.setdefault(c.key, Runs())
            record.add(outcome)
            what = f"{outcome.value['wall']:.2f} s" if outcome.status == OK else outcome.status
            done = len(record.walls) + record.failed
            tracker.step(f"{c.label} run {done}/{done + rounds - round_index - 1}: {what}")
            if record.failed:
                active.remove(c)
                tracker.total -= rounds - round_index - 1
        if prune and round_index == 0 and rounds > 1:
            medians = [runs[c.key].median for c in active]
            best = min((m for m in medians if m is not None), default=None)
            for c in list(active):
                median = runs[c.key].median
                if best is not None and median is not None and median > PRUNE_FACTOR * best:
                    runs[c.key].reason = (
                        f"stopped after 1 of {rounds} runs: {median / best:.1f}x slower than "
                        "the best"
                    )
                    active.remove(c)
                    tracker.total -= rounds - 1


def _close_rival(
    chosen: Candidate | None, eligible: Sequence[Candidate], tree_runner: str
) -> Candidate | None:
    """The tree's best measured candidate, when it lost to ``chosen`` by less than 20%."""
    if chosen is None or chosen.runner == tree_runner or chosen.median is None:
        return None
    rivals = [c for c in eligible if c.runner == tree_runner and c.status == OK]
    rival = min(rivals, key=lambda c: c.median, default=None)
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
