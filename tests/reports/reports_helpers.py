"""Fixtures for the report tests: real profiled runs of a small pipeline and a
stand-in Recommendation that has exactly the attributes docs/architecture.md
lists (used until, and next to, the real advisor).
"""

from __future__ import annotations

import hashlib
import time
import zlib
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from runadvisor.io import DataCatalog
from runadvisor.pipeline import node, pipeline
from runadvisor.profiles import RunProfile, profile_run
from runadvisor.runners import ParallelRunner, SequentialRunner, ThreadRunner

SPAN = 0.04


def load(span: float) -> bytes:
    time.sleep(span)
    return bytes(range(256)) * 2000


def crunch(data: bytes) -> int:
    total = 0
    for i in range(120_000):
        total += i * i % 7
    return total + len(data)


def compress(data: bytes) -> int:
    return len(zlib.compress(data * 4, 6))


def digest(data: bytes) -> str:
    return hashlib.sha256(data * 20).hexdigest()


def fetch(span: float) -> str:
    time.sleep(span * 1.5)
    return "remote"


def combine(a: int, b: int, c: str, d: str) -> dict[str, Any]:
    return {"a": a, "b": b, "c": c, "d": d}


def publish(summary: dict[str, Any], span: float) -> str:
    time.sleep(span / 2)
    return str(summary)


def small_pipeline() -> Any:
    """Two levels of width four, so runners differ visibly; CPU and waiting nodes."""
    return pipeline(
        [
            node(load, "span", "raw", name="load_raw", tags="io"),
            node(fetch, "span", "remote", name="fetch_remote", tags="io"),
            node(crunch, "raw", "crunched", name="crunch_numbers", tags="cpu"),
            node(compress, "raw", "packed", name="compress", tags="cpu"),
            node(digest, "raw", "digested", name="digest", tags="cpu"),
            node(combine, ["crunched", "packed", "digested", "remote"], "summary", name="combine"),
            node(publish, ["summary", "span"], "published", name="publish", tags="io"),
        ]
    )


RUNNERS = {
    "SequentialRunner": lambda: SequentialRunner(),
    "ThreadRunner(2)": lambda: ThreadRunner(max_workers=2),
    "ThreadRunner(4)": lambda: ThreadRunner(max_workers=4),
    "ParallelRunner(2)": lambda: ParallelRunner(max_workers=2),
}


def profile_all(labels: tuple[str, ...] = tuple(RUNNERS)) -> dict[str, RunProfile]:
    """A real profiled run of the small pipeline under each runner."""
    pipe = small_pipeline()
    return {
        label: profile_run(
            pipe, DataCatalog({"span": SPAN}), RUNNERS[label](), measure_output_bytes=True
        )
        for label in labels
    }


def critical_path(profile: RunProfile) -> tuple[float, list[str]]:
    parents = profile.dependencies()
    best: dict[str, tuple[float, list[str]]] = {}
    for name in sorted(parents, key=lambda n: profile.node(n).start):
        before = max((best[p] for p in parents[name] if p in best), default=(0.0, []))
        best[name] = (before[0] + profile.node(name).wall, [*before[1], name])
    return max(best.values(), default=(0.0, []))


def stand_in_recommendation(
    profiles: dict[str, RunProfile], *, predict_only: bool = False
) -> SimpleNamespace:
    """An object with the Recommendation attributes of the contract, built from real runs."""
    seq = profiles["SequentialRunner"]
    t1 = sum(r.wall for r in seq.nodes)
    t_inf, path = critical_path(seq)
    walls = [r.wall for r in seq.nodes]
    cpu = sum(r.cpu for r in seq.nodes)
    gil = sum(min(r.gil_held or 0.0, r.cpu) for r in seq.nodes)
    facts = SimpleNamespace(
        n_nodes=len(seq.nodes),
        t1=t1,
        t_inf=t_inf,
        parallelism=t1 / t_inf,
        widest_level=4,
        cpu_share=cpu / sum(walls),
        noncpu_share=1 - cpu / sum(walls),
        gil_share=gil / sum(walls),
        bytes_moved=sum(r.out_bytes or 0 for r in seq.nodes),
        peak_node_memory=max(r.peak_rss_delta or 0 for r in seq.nodes),
        node_memory={r.name: r.peak_rss_delta for r in seq.nodes},
        picklable=True,
        unpicklable=[],
        cores=seq.machine.cores,
        available_memory=seq.machine.available_memory,
        gil_enabled=seq.machine.gil_enabled,
        start_method=seq.machine.start_method,
        critical_path=path,
    )
    candidates = []
    for label, runner, workers in [
        ("SequentialRunner", "SequentialRunner", 1),
        ("ThreadRunner(2)", "ThreadRunner", 2),
        ("ThreadRunner(4)", "ThreadRunner", 4),
        ("ParallelRunner(2)", "ParallelRunner", 2),
        (None, "ParallelRunner", 4),
    ]:
        lower, upper = max(t1 / workers, t_inf), t1 / workers + t_inf
        predicted = (lower + upper) / 2 * (1.0 if runner == "ThreadRunner" else 1.2)
        if workers == 1:
            predicted = t1
        profile = profiles.get(label) if label else None
        measured = (
            []
            if predict_only or profile is None
            else [profile.wall * 0.97, profile.wall, profile.wall * 1.06]
        )
        status = "predicted" if predict_only else "ok" if measured else "timeout"
        candidates.append(
            SimpleNamespace(
                runner=runner,
                workers=workers,
                predicted=predicted,
                lower_bound=lower,
                upper_bound=upper,
                measured=measured,
                median=sorted(measured)[1] if measured else None,
                spread=(max(measured) - min(measured)) if measured else None,
                peak_rss=max(profile.samples.rss, default=None) if profile else None,
                status=status,
                reason=None if measured or predict_only else "took longer than <b>&</b> 60 s",
                speedup=None,
            )
        )
    base = candidates[0]
    for c in candidates:
        if c.median and base.median:
            c.speedup = base.median / c.median
        elif c.predicted:
            c.speedup = base.predicted / c.predicted
    best = max(candidates, key=lambda c: c.speedup or 0)
    rec = SimpleNamespace(
        runner=best.runner,
        max_workers=best.workers if best.runner != "SequentialRunner" else None,
        speedup=best.speedup,
        confidence="high",
        path=[
            f"The graph's parallelism T1/T∞ is {t1 / t_inf:.1f}, so extra workers can help.",
            "Most node time is spent off the CPU or in C code that releases the GIL.",
            f"{best.runner} with {best.workers} workers was fastest in the measured runs.",
        ],
        warnings=["Memory use could not be measured for <b>&</b> one node."],
        facts=facts,
        candidates=candidates,
        profiles={} if predict_only else dict(profiles),
        predict_only=predict_only,
        created_at="2024-05-01T12:00:00+00:00",
    )
    rec.to_dict = lambda: {
        "schema": "runadvisor.advice",
        "version": 1,
        **{
            k: v
            for k, v in vars(rec).items()
            if k not in ("facts", "candidates", "profiles", "to_dict")
        },
        "facts": vars(facts),
        "candidates": [vars(c) for c in candidates],
        "profiles": {k: p.to_dict() for k, p in rec.profiles.items()},
    }
    return rec


HOSTILE_NODE = "<script>alert(1)</script>"
HOSTILE_TEXT = "<b>&"


def hostile(profiles: dict[str, RunProfile]) -> dict[str, RunProfile]:
    """Copies whose user strings are HTML: a node name, a tag, a dataset, an error."""
    out = {}
    for label, profile in profiles.items():
        p = RunProfile.from_dict(profile.to_dict())
        renamed = {"crunch_numbers": HOSTILE_NODE}
        for r in p.nodes:
            r.name = renamed.get(r.name, r.name)
            if r.name == "compress":
                r.tags = [HOSTILE_TEXT]
                r.inputs = [f"raw {HOSTILE_TEXT} `x` | y"]
            if r.name == "digest":
                r.error = f"ValueError: bad {HOSTILE_TEXT} value $x$"
        p.edges = [(renamed.get(a, a), renamed.get(b, b)) for a, b in p.edges]
        p.error = f"ValueError: bad {HOSTILE_TEXT} value"
        out[label] = p
    return out


def hostile_recommendation_of(rec: Any) -> Any:
    """A copy of a real Recommendation with HTML in every user string it can hold."""
    from runadvisor.advisor import Recommendation

    bad = Recommendation.from_dict(rec.to_dict())
    bad.profiles = hostile(bad.profiles)
    bad.warnings = [*bad.warnings, f"dataset 'raw {HOSTILE_TEXT}' could not be measured"]
    bad.path = [*bad.path, f"{HOSTILE_NODE} dominates the critical path"]
    bad.facts.critical_path = [
        HOSTILE_NODE if name == "crunch_numbers" else name for name in bad.facts.critical_path
    ] + [HOSTILE_NODE]
    bad.facts.unpicklable = [f"{HOSTILE_NODE}: lambda {HOSTILE_TEXT}"]
    bad.candidates[-1] = replace(
        bad.candidates[-1], reason=f"crashed: RuntimeError: {HOSTILE_TEXT}"
    )
    return bad
