"""What a report says, independent of its format, in the order a person reads it.

:func:`from_recommendation` builds a page that reads top to bottom in a few
screens: the answer, why, the candidates, the key charts (wall time and
speed-up side by side, the recommended run's workers, memory of the
recommended and sequential runs), the pipeline's facts, and then each
profiled run collapsed. :func:`from_profiles` does the same for saved
profiles alone. Only the attributes that docs/architecture.md lists for
Recommendation, Candidate, PipelineFacts and RunProfile are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runadvisor.reports import charts
from runadvisor.reports.beyond import projection_table, runner_code
from runadvisor.reports.candidates import (
    candidate_table,
    recommended_index,
    speedup_chart,
    tagline,
    wall_chart,
)
from runadvisor.reports.common import shorten
from runadvisor.reports.contention import summarise_cpu_wait
from runadvisor.reports.factsheet import meta, pipeline_facts
from runadvisor.reports.model import Cell, Chart, Fact, Report, Section, Table
from runadvisor.reports.sections import (
    GANTT_CAPTION,
    cpu_wait_cause,
    gantt_figure,
    known_sizes,
    profile_section,
    utilisation,
)
from runadvisor.runners import registry
from runadvisor.units import fmt_bytes, fmt_seconds

FACTS_LABEL = "facts"  # the advisor's key for the profiled run its facts come from

__all__ = [
    "Cell",
    "Chart",
    "Fact",
    "Report",
    "Section",
    "Table",
    "display_label",
    "from_profiles",
    "from_recommendation",
    "profile_label",
]


def from_recommendation(rec: Any) -> Report:
    """The report of an advisor's Recommendation."""
    candidates = list(rec.candidates)
    raw: Mapping[str, Any] = getattr(rec, "profiles", None) or {}
    predict_only = bool(getattr(rec, "predict_only", False))
    best = recommended_index(rec, candidates)
    report = Report(
        title="runadvisor report",
        verdict=f"Use {_verdict_call(rec)}",
        tagline=tagline(rec, candidates[best] if best is not None else None),
        confidence=str(rec.confidence) if rec.confidence else None,
        predict_only=predict_only,
        reasons=[_sentence(step) for step in (getattr(rec, "path", None) or [])],
        warnings=[str(w) for w in (getattr(rec, "warnings", None) or [])],
        candidates=candidate_table(candidates, best),
        code=runner_code(rec),
        projection=projection_table(getattr(rec, "projection", None) or {}),
        projection_note=_sentence((getattr(rec, "projection", None) or {}).get("sentence", "")),
    )
    report.charts = [
        wall_chart(candidates, best, predict_only),
        speedup_chart(rec.facts, candidates, best),
    ]
    chosen = getattr(rec, "chosen", None)
    picked = chosen.label if chosen is not None else registry.label_for(rec.runner, rec.max_workers)
    recommended = picked if picked in raw else None
    sequential = next(
        (k for k in (registry.label_for("SequentialRunner", 1), FACTS_LABEL) if k in raw), None
    )
    if recommended is None and registry.find(rec.runner) is registry.find("SequentialRunner"):
        recommended = sequential
    report.charts += _key_run_charts(raw, recommended, sequential)
    facts_profile = raw.get(FACTS_LABEL)
    cause = ""
    if facts_profile is not None:
        cause = cpu_wait_cause(summarise_cpu_wait(facts_profile.nodes, _cores(facts_profile)))
    report.facts = pipeline_facts(rec.facts, wait_cause=cause)
    sizes = known_sizes(raw)
    kept, same_as = _distinct(raw)
    report.sections = [
        profile_section(
            display_label(label, p),
            p,
            i,
            sizes=sizes,
            badge="recommended" if recommended and same_as[recommended] == label else "",
        )
        for i, (label, p) in enumerate(kept.items())
    ]
    for label, profile in raw.items():
        if getattr(profile, "error", None):
            report.warnings.append(
                f"The profiled run {display_label(label, profile)} failed: {profile.error}"
            )
    report.meta = meta(getattr(rec, "created_at", ""), next(iter(raw.values()), None))
    return report


def _distinct(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Each run once (the advisor may file one run under two labels, e.g. the facts run
    as the sequential candidate's first run), and which kept label each label is."""
    kept: dict[str, Any] = {}
    same_as: dict[str, str] = {}
    seen: dict[tuple[Any, ...], str] = {}
    for label, profile in raw.items():
        key = (profile.runner, profile.max_workers, profile.started_at, profile.wall)
        if key in seen and profile.started_at:
            same_as[label] = seen[key]
            continue
        seen[key] = label
        kept[label] = profile
        same_as[label] = label
    return kept, same_as


def _key_run_charts(
    raw: Mapping[str, Any], recommended: str | None, sequential: str | None
) -> list[Chart]:
    """The recommended run's Gantt, and memory of the recommended and sequential runs."""
    out: list[Chart] = []
    shown = [k for k in dict.fromkeys([sequential, recommended]) if k is not None]
    if recommended is not None:
        profile = raw[recommended]
        alone = len(shown) == 1  # no second run to compare memory with: draw it under the Gantt
        label = display_label(recommended, profile)
        out.append(
            Chart(
                "recommended-gantt",
                f"The recommended run, {label}: nodes on workers",
                GANTT_CAPTION + (" Below: memory of the whole process tree." if alone else ""),
                gantt_figure(profile, memory=alone),
                f"Gantt chart of the nodes of {label} on their worker lanes",
            )
        )
    memory = {display_label(k, raw[k]): raw[k] for k in shown if len(raw[k].samples.t)}
    if len(memory) > 1:
        out.append(_memory_chart(memory, "Memory: sequential and recommended runs"))
    return out


def _memory_chart(profiles: Mapping[str, Any], title: str) -> Chart:
    series = {
        label: (list(p.samples.t), [float(r) for r in p.samples.rss])
        for label, p in profiles.items()
    }
    return Chart(
        "memory",
        title,
        "Resident memory (RSS) of the whole process tree, worker processes included, one panel "
        "per run on the same scale; the dot marks each peak. Every run's memory is also under "
        "its own Gantt chart in the run details below.",
        charts.memory_chart(series, runners={k: p.runner for k, p in profiles.items()}),
        "Small line charts of each run's process-tree memory over time, on one scale",
    )


def from_profiles(profiles: Mapping[str, Any]) -> Report:
    """The report of saved profiles alone: a summary table, memory, then one section per run."""
    report = Report(title="runadvisor profile report", candidates_title="Profiled runs")
    n = len(profiles)
    report.verdict = f"{n} profiled run{'s' if n != 1 else ''}"
    report.tagline = ", ".join(
        f"{shorten(label, 32)} in {fmt_seconds(p.wall)}" for label, p in list(profiles.items())[:4]
    ) + (", …" if n > 4 else "")
    rows: list[list[Cell]] = []
    muted = set()
    for i, (label, p) in enumerate(profiles.items()):
        lanes = {(r.pid, r.thread) for r in p.nodes}
        rows.append(
            [
                (label, registry.call_for(p.runner, p.max_workers)),
                fmt_seconds(p.wall),
                str(len(p.nodes)),
                str(len(lanes)),
                fmt_seconds(sum(r.cpu for r in p.nodes)),
                utilisation(p),
                fmt_bytes(max(p.samples.rss, default=None)),
                ("failed", str(p.error)) if p.error else "ok",
            ]
        )
        if p.error:
            muted.add(i)
            report.warnings.append(f"The run {label} failed: {p.error}")
    report.candidates = Table(
        columns=[
            "Run",
            "Wall time",
            "Nodes",
            "Lanes used",
            "CPU time",
            "CPU use",
            "Peak memory",
            "Status",
        ],
        rows=rows,
        numeric=[False, True, True, True, True, True, True, False],
        muted=muted,
    )
    with_samples = {k: p for k, p in profiles.items() if len(p.samples.t)}
    if len(with_samples) > 1:
        report.charts.append(_memory_chart(with_samples, "Memory over time"))
    sizes = known_sizes(profiles)
    report.sections = [
        profile_section(label, p, i, sizes=sizes) for i, (label, p) in enumerate(profiles.items())
    ]
    if n == 1:
        report.sections[0].open = True
    report.meta = meta("", next(iter(profiles.values()), None))
    return report


def display_label(label: str, profile: Any) -> str:
    """How a run is titled: its label, with the runner when the label does not say it.

    The advisor files the profiled run its facts come from under ``"facts"``.
    """
    if label == FACTS_LABEL:
        return f"{profile_label(profile)}, profiled for the facts"
    if label.startswith(profile.runner):
        return label
    return f"{label}: {profile_label(profile)}"


def profile_label(profile: Any) -> str:
    """``ThreadRunner(4)`` or ``SequentialRunner``: how a run is named in a report."""
    return registry.label_for(profile.runner, profile.max_workers)


def _cores(profile: Any) -> int:
    return getattr(getattr(profile, "machine", None), "cores", 1) or 1


def _sentence(text: object) -> str:
    """A reason as a sentence: first letter upper case (the advisor writes fragments)."""
    s = str(text).strip()
    first = s.split(" ", 1)[0].rstrip(":,;")
    if first.isalpha() and first.islower():  # a plain word, not max_workers=2 or a name
        return s[:1].upper() + s[1:]
    return s


def _verdict_call(rec: Any) -> str:
    """The command line that runs the advice, when it has one; else the runner as code."""
    if runner_code(rec):  # the code itself is shown under the verdict
        return rec.chosen.label if getattr(rec, "chosen", None) else rec.runner
    return getattr(rec, "command", "") or registry.call_for(rec.runner, rec.max_workers)
