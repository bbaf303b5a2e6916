"""Advice from a saved profile: no run, only what the profile measured.

A profile saved by ``runadvisor profile``, ``profile_run(...).save()`` or the
Kedro hook holds every node's times and the DAG, so the tree and the
simulation can work from it alone. What it lacks is said: a profile may not
have measured GIL holding, waiting for a CPU, output sizes or memory, never
checks whether the data pickles, and node times from a run that was not
sequential include waiting for other nodes.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from runadvisor.advisor import projection, tree
from runadvisor.advisor.calibrate import calibrate
from runadvisor.advisor.campaign import CampaignResult
from runadvisor.advisor.candidates import plan_slate
from runadvisor.advisor.conclude import Evidence, conclude
from runadvisor.advisor.errors import AdviceError
from runadvisor.advisor.facts import facts_from_nodes
from runadvisor.advisor.options import check_options
from runadvisor.advisor.recommend import Recommendation
from runadvisor.advisor.simulate import nodes_from_profile
from runadvisor.runners import registry


def profile_gaps(profile: Any) -> list[str]:
    """What ``profile`` did not measure that the advice would use, in words."""
    records = list(profile.nodes)
    gaps = []
    if all(r.gil_held is None for r in records):
        gaps.append("GIL holding (CPU work is assumed to hold the GIL, as pure Python does)")
    if all(r.cpu_wait is None for r in records):
        gaps.append("waiting for a CPU (a busy machine's delays look like I/O)")
    if all(r.out_bytes is None for r in records):
        gaps.append(
            "output sizes (moving data to worker processes is taken as free; profile with "
            "--output-bytes to measure it)"
        )
    if all(r.peak_rss is None for r in records):
        gaps.append("peak memory (worker counts are not capped by memory)")
    gaps.append("whether the data pickles (ParallelRunner may not be able to run it)")
    kind = registry.find(profile.runner)
    if kind is None or kind.takes_workers:
        gaps.append(
            f"a sequential run (node times come from {profile.runner}, so they include waiting "
            "for the GIL, CPUs or locks that other nodes held)"
        )
    return gaps


def advise_from_profile(
    profile: Any,
    *,
    runners: Any = ("sequential", "thread", "parallel"),
    workers: Any = None,
    memory_limit: int | None = None,
) -> Recommendation:
    """Recommend a runner from a saved profile (a RunProfile, or the path of its JSON file).

    Nothing runs: the advice is predicted from the profile's node times, with
    this machine's calibrated engine costs and the profiled machine's cores.
    Its ``lacks`` says what the profile did not measure; its confidence is low.
    Raises AdviceError for a file that is not a profile, or a failed run.
    """
    from runadvisor.profiles import ProfileError, RunProfile

    source = ""
    if isinstance(profile, (str, os.PathLike)):
        source = os.fspath(profile)
        try:
            profile = RunProfile.load(Path(source))
        except ProfileError as exc:
            raise AdviceError(str(exc)) from None
    if profile.error:
        raise AdviceError(
            f"The profile {source or ''} is of a run that failed ({profile.error}): advice needs "
            "a complete run. Profile a run that succeeds."
        )
    if not profile.nodes:
        raise AdviceError("The profile has no nodes: there is nothing to advise on.")
    options = check_options(runners, workers, 1, True, None, memory_limit)
    nodes = nodes_from_profile(profile)
    facts = facts_from_nodes(nodes, profile, start_method=profile.machine.start_method)
    here = calibrate(kinds=options.kinds)
    costs = replace(here, cores=facts.cores, gil_enabled=facts.gil_enabled)
    costs = costs.for_start_method(facts.start_method)  # as the profiled process started them
    slate = plan_slate(nodes, facts, costs, options)
    verdict = tree.walk(facts, costs, nodes, slate.best_predicted_by_kind())
    lacks = profile_gaps(profile)
    described = source or f"a {profile.runner} profile"
    warnings = [
        f"This advice is predicted from {described} (recorded {profile.started_at or 'earlier'}),"
        f" with no run; the profile lacks: {'; '.join(lacks)}. Run `runadvisor advise` on the "
        "pipeline for measured advice."
    ]
    if here.cores != facts.cores:
        warnings.append(
            f"The profile was recorded on a machine with {facts.cores} cores; this one has "
            f"{here.cores}: engine costs are this machine's, cores the profile's."
        )
    if costs.default_warning():
        warnings.append(costs.default_warning())
    evidence = Evidence(
        facts, nodes, costs, slate, verdict, CampaignResult(), {"profile": profile}, tuple(warnings)
    )
    recommendation = conclude(evidence, options)
    recommendation.projection = projection.for_advice(nodes, profile, None, costs)
    recommendation.source = source or described
    recommendation.lacks = lacks
    return recommendation
