"""advise(): profile once, walk the tree, simulate, measure, choose, explain.

A short orchestration of stages, each a function of its inputs:

1. options (``options.py``): what was asked, checked once;
2. facts (``facts.py``): one profiled SequentialRunner run in a fresh
   subprocess, with the machine's calibrated costs (``calibrate.py``);
3. candidates (``candidates.py``): every (kind, workers) simulated, those that
   cannot run ruled out; the decision tree's pick (``tree.py``);
4. campaign (``campaign.py``): the promising candidates measured, each run in a
   fresh subprocess (skipped with ``predict_only``);
5. choice and explanation (``conclude.py``, ``explain.py``): the Recommendation.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from runadvisor import machine
from runadvisor.advisor import explain, projection, tree
from runadvisor.advisor.calibrate import calibrate
from runadvisor.advisor.campaign import CampaignResult, run_campaign
from runadvisor.advisor.candidates import plan_slate
from runadvisor.advisor.conclude import Evidence, conclude
from runadvisor.advisor.errors import AdviceError
from runadvisor.advisor.facts import baseline_run, build_facts, profile_facts
from runadvisor.advisor.options import check_options
from runadvisor.advisor.progress import Budget, ProgressCallback, Tracker
from runadvisor.advisor.recommend import Recommendation

Progress = ProgressCallback


def advise(
    pipeline: Any,
    catalog: Any,
    *,
    runners: Iterable[str] | None = None,
    workers: int | Iterable[int] | None = None,
    repeats: int = 3,
    predict_only: bool = False,
    timeout: float | None = 60.0,
    memory_limit: int | None = None,
    progress: Progress | None = None,
    budget: float | str | None = "auto",
) -> Recommendation:
    """Recommend a runner and a worker count for ``pipeline`` on ``catalog``, with evidence.

    ``runners``: the kinds to choose from (registered names such as "sequential",
    "thread", "parallel", "hybrid", "dask", or class names; None, the default:
    every kind advised by default, DaskRunner only where the ``dask`` extra is
    installed). With DaskRunner among them, the advice also predicts it on
    clusters of 4 to 64 workers (``Recommendation.projection``).
    ``workers``: worker counts to try instead of the sweep. ``repeats``: measured
    runs per candidate, at most. ``predict_only``: no measured runs, only the
    profiled one the facts come from. ``timeout``: seconds per run (None: no
    limit). ``memory_limit``: bytes the workers may use together (default 80%
    of the available memory). ``progress(done, total, label)`` is called as runs
    complete. ``budget``: seconds the whole of advise may take; ``"auto"`` (the
    default) is three times the profiled sequential run; None measures every
    selected candidate ``repeats`` times, however long that takes. The budget
    counts from the end of the machine's calibration, which happens once per
    machine (and per version of the kinds that bring their own cost probes).

    Every run happens in a fresh subprocess: the caller's catalog is not
    touched and nothing is left running. Datasets that save to files do write
    them, on every run. Raises the pipeline's own error when its profiled
    sequential run fails, and AdviceError for bad options or when that run
    times out or crashes. A KeyboardInterrupt during the measured runs stops
    the running child and is re-raised carrying ``.recommendation``, built from
    the runs that finished.
    """
    options = check_options(runners, workers, repeats, predict_only, timeout, memory_limit, budget)
    if not list(getattr(pipeline, "nodes", ())):
        raise AdviceError("The pipeline has no nodes: there is nothing to advise on.")
    if catalog is None:
        from runadvisor.io import DataCatalog

        catalog = DataCatalog()
    tracker = Tracker(progress)
    tracker.report(0, 1, "profiling one sequential run")
    cores = machine.usable_cores()
    busy = explain.machine_load_warning(cores, not options.predict_only)  # before our runs
    costs = calibrate(kinds=options.kinds)
    started = time.monotonic()  # calibration is once per machine: not this advice's cost
    answer = profile_facts(pipeline, catalog, options.timeout)
    facts, nodes, facts_profile = build_facts(answer)
    costs = costs.for_start_method(facts.start_method)  # how this process's workers start
    tracker.report(1, 1, explain.facts_label(facts))
    baseline = baseline_run(answer, facts_profile)
    slate = plan_slate(nodes, facts, costs, options)
    verdict = tree.walk(facts, costs, nodes, slate.best_predicted_by_kind())
    if not slate.eligible:
        reasons = "; ".join(
            f"{c.label}: {c.reason}" for c in slate.candidates if c.kind in options.kinds
        )
        raise AdviceError(
            f"None of the runners asked for can run this pipeline ({reasons}). Allow "
            "another runner (runners=...) or a larger memory_limit."
        )
    campaign = CampaignResult()
    seconds = options.budget_seconds(baseline.wall)
    if not options.predict_only:
        limit = Budget(seconds, started)
        pick = slate.tree_pick(verdict.runner)
        args = (slate, pick, options, tracker, limit, baseline, facts.start_method)
        campaign = run_campaign(pipeline, catalog, *args)
    warnings = tuple(w for w in (busy, costs.default_warning()) if w)
    profiles = {"facts": facts_profile}
    evidence = Evidence(facts, nodes, costs, slate, verdict, campaign, profiles, warnings, seconds)
    recommendation = conclude(evidence, options)
    recommendation.projection = projection.for_advice(
        nodes, facts_profile, answer.get("travels"), costs
    )
    if campaign.interrupted is not None:
        campaign.interrupted.recommendation = recommendation  # type: ignore[attr-defined]
        raise campaign.interrupted
    return recommendation


__all__ = ["advise"]
