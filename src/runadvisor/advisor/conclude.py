"""The choice: which candidate, how many workers, how sure, and the Recommendation.

The recommendation is the measured best; ties within noise go to the simpler
runner and fewer workers (``recommend.choose``). With nothing measured, the
best prediction decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from runadvisor.advisor import explain, tree
from runadvisor.advisor.calibrate import MachineCosts
from runadvisor.advisor.campaign import CampaignResult, median_profiles, settle
from runadvisor.advisor.candidates import Slate
from runadvisor.advisor.choice import PREDICTED_GAP, choose
from runadvisor.advisor.facts import PipelineFacts
from runadvisor.advisor.options import AdviceOptions
from runadvisor.advisor.recommend import Candidate, Recommendation
from runadvisor.advisor.simulate import NodeCost, width
from runadvisor.advisor.status import BROKEN, CRASHED, FAILED, OK, PREDICTED, SKIPPED, TIMEOUT
from runadvisor.runners import registry
from runadvisor.units import fmt_bytes, fmt_seconds_prose

HIGH_MARGIN = 1.2  # the best must beat the runner-up by 20% for high confidence


@dataclass(frozen=True)
class Evidence:
    """Everything the earlier stages found, as the choice needs it."""

    facts: PipelineFacts
    nodes: list[NodeCost]
    costs: MachineCosts
    slate: Slate
    verdict: tree.Verdict
    campaign: CampaignResult
    profiles: dict
    warnings: tuple[str, ...] = ()
    budget: float | None = None


def conclude(evidence: Evidence, options: AdviceOptions) -> Recommendation:
    """Choose, size, explain: the :class:`Recommendation` from the evidence."""
    facts, slate, verdict, campaign = (
        evidence.facts,
        evidence.slate,
        evidence.verdict,
        evidence.campaign,
    )
    candidates = settle(slate.candidates, campaign)
    eligible = [c for c in candidates if c.key in {e.key for e in slate.eligible}]
    warnings = list(evidence.warnings) + list(slate.warnings)
    path = list(verdict.path)
    first = slate.tree_pick(verdict.runner)
    pick = next((c for c in candidates if first is not None and c.key == first.key), None)
    if pick is None:
        asked = ", ".join(registry.get(k).class_name for k in options.kinds)
        path.append(
            f"{verdict.runner} is not among the runners asked for ({asked}): choosing among those"
        )
    else:
        path.append(explain.pick_sentence(pick))
    path.append(explain.simulated_sentence(candidates, options.kinds, evidence.nodes))
    if campaign.interrupted is not None:
        warnings.append(
            "Interrupted (Ctrl-C) before every candidate was measured: this advice rests "
            "on the runs that finished."
        )
    warnings.extend(
        explain.failure_warning(c, options.timeout)
        for c in candidates
        if c.status in BROKEN and c.key in campaign.runs
    )
    chosen = choose(eligible, measured=True)
    measured = chosen is not None
    if chosen is not None:
        path.extend(campaign.notes)
        unmeasured = [c for c in eligible if c.key in campaign.out_of_budget and not c.measured]
        promising = _promising(chosen, unmeasured)
        final = promising is None
        path.append(explain.measured_sentence(candidates, chosen, pick, final=final))
        if promising is not None:
            path.append(explain.promising_sentence(promising, chosen))
            chosen, measured = promising, False
    else:
        pool = [c for c in eligible if c.status in (PREDICTED, SKIPPED, OK)]
        chosen = choose(pool, measured=False) or eligible[0]
        if not options.predict_only:
            warnings.append(
                "No candidate could be measured to completion: the recommendation rests on "
                "predictions only."
            )
    unmeasured = [c for c in candidates if c.key in campaign.out_of_budget]
    if unmeasured and evidence.budget is not None:
        path.append(explain.budget_sentence(unmeasured, evidence.budget))
    workers, note, memory = worker_count(chosen, candidates, facts, evidence.nodes, slate)
    if note:
        path.append(note)
    if memory:
        warnings.append(memory)
    spec = chosen.spec
    if spec is not None and spec.model in ("processes", "hybrid"):
        path.append(explain.start_method_sentence(facts, chosen.runner))
    if spec is not None and spec.model == "hybrid":
        from runadvisor.advisor import hybrid

        path.append(
            hybrid.sentence(chosen.options, evidence.nodes, evidence.costs, facts.unpicklable_nodes)
        )
    return Recommendation(
        runner=chosen.runner,
        kind=chosen.kind,
        max_workers=workers,
        speedup=chosen.speedup,
        confidence=confidence(chosen, eligible, pick, measured, options.predict_only),
        path=path,
        warnings=warnings,
        facts=facts,
        candidates=candidates,
        profiles={**evidence.profiles, **median_profiles(candidates, campaign)},
        predict_only=options.predict_only,
        calibration=evidence.costs.to_dict(),
        options=dict(chosen.options),
    )


def _promising(chosen: Candidate | None, unmeasured: list[Candidate]) -> Candidate | None:
    """An unmeasured candidate (the budget ran out) predicted clearly faster than the
    measured choice, predictions scaled by how the choice measured against its own."""
    if chosen is None or not unmeasured or not chosen.predicted or not chosen.median:
        return None
    scale = chosen.median / chosen.predicted
    best = choose(unmeasured, measured=False)
    if best is not None and best.predicted * scale * PREDICTED_GAP < chosen.median:
        return best
    return None


def worker_count(
    chosen: Candidate,
    candidates: Sequence[Candidate],
    facts: PipelineFacts,
    nodes: list[NodeCost],
    slate: Slate,
) -> tuple[int, str | None, str | None]:
    """The workers to recommend, a sentence saying why that many, and a memory warning."""
    spec = chosen.spec
    if spec is None or not spec.takes_workers:
        return 1, None, None
    workers = chosen.workers
    if spec.model == "hybrid":  # both pools sized by simulation (advisor/hybrid.py)
        from runadvisor.advisor import hybrid

        return workers, hybrid.sizing_sentence(chosen.options), None
    need = facts.peak_node_memory or 0
    limit = slate.memory_limit
    more = sorted(
        (c for c in candidates if c.kind == chosen.kind and c.workers > workers),
        key=lambda c: c.workers,
    )
    wide = width(nodes)
    if more:
        nxt = more[0]
        over_memory = bool(need) and nxt.workers * need > limit
        if nxt.status not in (OK, PREDICTED, SKIPPED) or over_memory:
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
    elif spec.model == "processes" and workers == facts.cores:
        note = (
            f"max_workers={workers}: one process per core ({facts.cores} cores); more would "
            "only take turns"
        )
    elif workers >= wide:
        note = f"max_workers={workers}: the pipeline never has more than {wide} nodes ready at once"
    else:
        note = f"max_workers={workers}: the most workers tried"
    if need and workers * need > limit:
        capped = max(1, limit // need)
        note += (
            f"; capped at {capped} so that {capped} x {fmt_bytes(need)} fits in {fmt_bytes(limit)}"
        )
        return capped, note, explain.memory_cap_warning(workers, need, limit, capped)
    return workers, note, None


def confidence(
    chosen: Candidate,
    eligible: Sequence[Candidate],
    pick: Candidate | None,
    measured: bool,
    predict_only: bool,
) -> str:
    """``high`` when measured, clear of the runner-up and agreeing with the tree."""
    if predict_only or not measured or chosen.status != OK:
        return "low"
    if any(c.status in (FAILED, CRASHED, TIMEOUT) for c in eligible):
        return "low"
    rivals = [c for c in eligible if c.kind != chosen.kind and c.time is not None]
    rival = min(rivals, key=lambda c: c.time, default=None)
    clear = rival is None or rival.time > HIGH_MARGIN * chosen.time
    agrees = pick is not None and chosen.kind == pick.kind
    once = len(chosen.measured) < 2 or (rival is not None and len(rival.measured) == 1)
    if once and not agrees:
        return "low"  # one run each overruled the tree: too little to lean on
    return "high" if clear and agrees and not once else "medium"
