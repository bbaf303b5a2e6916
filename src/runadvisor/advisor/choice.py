"""Choosing among candidates: ties within noise, and the simpler runner when tied.

The fastest candidate wins, but any candidate within noise of it (median
within max(5%, the spreads of both, 10 ms); a single run's noise is taken as
10% of it; for predictions, within 15%) counts as a tie, and ties go to the
simpler runner (the registry's ``rank``), then to fewer workers. Measured
times decide when there are any; predicted ones otherwise. One refinement: a
tied candidate predicted 25% slower than another tied one is not a real tie
but measurements too noisy to tell them apart (a busy machine); the prediction
breaks it.
"""

from __future__ import annotations

from collections.abc import Sequence

from runadvisor.advisor.recommend import Candidate
from runadvisor.advisor.status import OK

TIE_SHARE = 0.05
TIE_SHARE_PREDICTED = 0.15  # predictions are rougher than measurements (benchmarks/README.md)
TIE_SECONDS = (
    0.010  # below this, runs differ by harness jitter (start-up, scheduling), not by runner
)
SINGLE_RUN_NOISE = 0.10  # one run's noise, unknown: taken as this share of its time
PREDICTED_GAP = 1.25  # tied measurements, but predictions this far apart: noise, not a tie


def simplicity(candidate: Candidate) -> tuple[int, int]:
    """Sort key: simpler runner first, then fewer workers."""
    return candidate.rank, candidate.workers


def tie_margin(a: Candidate, b: Candidate) -> tuple[float, str]:
    """How far apart two measured candidates may be and still tie, and what sets that:
    max(5% of the faster, either's spread (max - min of its runs; a single run's noise
    is unknown and taken as 10% of it), 10 ms)."""
    faster = min(a.median or 0.0, b.median or 0.0)
    terms = [
        (TIE_SHARE * faster, f"{TIE_SHARE:.0%} of the faster time"),
        *(_noise(c) for c in (a, b)),
        (TIE_SECONDS, "the harness's own jitter"),
    ]
    return max(terms, key=lambda term: term[0])


def _noise(c: Candidate) -> tuple[float, str]:
    if len(c.measured) == 1:
        return (
            SINGLE_RUN_NOISE * (c.median or 0.0),
            f"{c.label} ran once, so its noise is taken as {SINGLE_RUN_NOISE:.0%}",
        )
    return c.spread or 0.0, f"the spread of {c.label}'s runs"


def tied(candidates: Sequence[Candidate], *, measured: bool = True) -> list[Candidate]:
    """The candidates within noise of the fastest (measured "ok" ones, or all predicted)."""
    if measured:
        timed = [(c.median, c) for c in candidates if c.status == OK and c.median is not None]
    else:
        timed = [(c.predicted, c) for c in candidates if c.predicted is not None]
    if not timed:
        return []
    best_time, best = min(timed, key=lambda tc: (tc[0], simplicity(tc[1])))
    if measured:
        return [c for t, c in timed if t <= best_time + tie_margin(best, c)[0]]
    share = TIE_SHARE_PREDICTED
    return [c for t, c in timed if t <= best_time + max(share * best_time, TIE_SECONDS)]


def choose(candidates: Sequence[Candidate], *, measured: bool) -> Candidate | None:
    """The simplest candidate that ties with the fastest.

    ``measured``: compare the measured medians of the candidates measured "ok"
    (ties the simulation clearly separates are broken by it); else compare the
    predictions of all the candidates given.
    """
    ties = tied(candidates, measured=measured)
    if not ties:
        return None
    return min(separated(ties) if measured else ties, key=simplicity)


def separated(ties: Sequence[Candidate]) -> list[Candidate]:
    """The tied candidates the simulation does not find clearly slower than another tied one."""
    predicted = [c.predicted for c in ties if c.predicted]
    if not predicted:
        return list(ties)
    fastest = min(predicted)
    return [c for c in ties if not c.predicted or c.predicted <= PREDICTED_GAP * fastest]
