"""Candidates and the Recommendation (saved as versioned JSON).

How the choice is made among candidates is in ``choice.py``. pandas is
imported only in :meth:`Recommendation.to_frame`.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from runadvisor.advisor.errors import AdviceError
from runadvisor.advisor.facts import PipelineFacts
from runadvisor.advisor.status import OK, PREDICTED, SKIPPED
from runadvisor.jsonfile import check_header, read_json, write_json
from runadvisor.runners import registry
from runadvisor.units import fmt_seconds_prose

SCHEMA = "runadvisor.advice"
SCHEMA_VERSION = 1

NOISE_SPEEDUP = 1.05  # a measured speedup under this is no speedup
BASELINE_KIND = "sequential"  # every speedup is measured against this kind
UNKNOWN_RANK = 99  # a kind no longer registered (an old advice file) counts as least simple

FRAME_COLUMNS = [
    "label",
    "kind",
    "runner",
    "workers",
    "status",
    "predicted",
    "lower_bound",
    "upper_bound",
    "median",
    "spread",
    "runs",
    "peak_rss",
    "speedup",
    "chosen",
    "reason",
]


@dataclass(frozen=True)
class Candidate:
    """One (runner kind, workers) the advisor considered: predicted, and measured unless skipped.

    ``kind`` is a registered kind's name (``"thread"``) and ``runner`` its class
    name (``"ThreadRunner"``); times in seconds; ``lower_bound``/``upper_bound``
    are max(T1/P, T_inf) and T1/P + T_inf; ``measured`` the wall time of each
    run, ``median`` and ``spread`` (max - min) over them; ``peak_rss`` the
    process tree's peak memory (bytes); ``status`` one of the words in
    :mod:`runadvisor.advisor.status`; ``reason`` why (for anything but a clean
    measurement); ``speedup`` sequential time / this time (measured where both
    were measured, else predicted).
    """

    kind: str
    workers: int
    runner: str = ""
    predicted: float | None = None
    lower_bound: float | None = None
    upper_bound: float | None = None
    measured: tuple[float, ...] = ()
    median: float | None = None
    spread: float | None = None
    peak_rss: int | None = None
    status: str = PREDICTED
    reason: str | None = None
    speedup: float | None = None
    #: How to build the runner beyond its worker count (HybridRunner's assignment).
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        found = registry.find(self.kind)  # a class name or alias names its kind too
        if found is not None:
            object.__setattr__(self, "kind", found.name)
        if not self.runner:
            object.__setattr__(self, "runner", found.class_name if found else self.kind)
        if self.measured and self.median is None:
            walls = tuple(float(w) for w in self.measured)
            object.__setattr__(self, "measured", walls)
            object.__setattr__(self, "median", statistics.median(walls))
            object.__setattr__(self, "spread", max(walls) - min(walls))

    @property
    def key(self) -> tuple[str, int]:
        """``(kind, workers)``: what tells candidates apart."""
        return self.kind, self.workers

    @property
    def spec(self) -> registry.RunnerKind | None:
        """The registry's description of this kind (None if no longer registered)."""
        return registry.find(self.kind)

    @property
    def rank(self) -> int:
        """Simplicity of the kind (lower is simpler)."""
        spec = self.spec
        return spec.rank if spec is not None else UNKNOWN_RANK

    @property
    def label(self) -> str:
        """``SequentialRunner`` or ``ThreadRunner(4)``: the key of its profile."""
        spec = self.spec
        if spec is None:
            return f"{self.runner}({self.workers})"
        return spec.label(self.workers, self.options)

    @property
    def time(self) -> float | None:
        """The measured median if measured, else the prediction."""
        return self.median if self.status == OK and self.median is not None else self.predicted

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (with ``label``)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["measured"] = list(self.measured)
        data["options"] = dict(self.options)
        data["label"] = self.label
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Candidate:
        """Inverse of :meth:`to_dict`; unknown keys are ignored (older files lack ``kind``)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "kind" not in values:
            found = registry.find(str(values.get("runner", "")))
            values["kind"] = found.name if found else str(values.get("runner", ""))
        values["measured"] = tuple(values.get("measured") or ())
        values["options"] = dict(values.get("options") or {})
        return cls(**values)


def _measured(c: Candidate) -> bool:
    return c.status == OK and c.median is not None


def _quoted(c: Candidate) -> str:
    """``measured 0.50 s`` or ``predicted 0.48 s``: a time and where it comes from."""
    return f"{'measured' if _measured(c) else 'predicted'} {fmt_seconds_prose(c.time)}"


@dataclass
class Recommendation:
    """Which runner and how many workers, with the evidence.

    ``runner`` is a class name and ``kind`` its registered kind (``"thread"``),
    ``max_workers`` the workers to give it (1 for SequentialRunner), ``speedup``
    the expected speedup over SequentialRunner,
    ``confidence`` "high", "medium" or "low", ``path`` the decision tree's steps
    and what the simulation and measurements said, in words; ``profiles`` maps
    a label ("facts" for the profiled sequential run the facts come from,
    "ThreadRunner(2)" for a measured candidate's median run) to its RunProfile.
    ``calibration`` holds the machine costs the predictions used. ``source``
    names the saved profile the advice was predicted from (empty when advise()
    ran the pipeline) and ``lacks`` what that profile did not measure.
    ``command`` is the exact command line that runs the recommendation, when
    the target has one (a Kedro project: ``kedro run --runner ...``); empty
    otherwise. ``options`` builds the runner beyond its worker count
    (HybridRunner's assignment and pool sizes); ``projection`` is the predicted
    DaskRunner wall time on clusters larger than this machine
    (``advisor/projection.py``).
    """

    runner: str
    max_workers: int
    speedup: float | None
    confidence: str
    path: list[str]
    warnings: list[str]
    facts: PipelineFacts
    candidates: list[Candidate]
    profiles: dict[str, Any] = field(default_factory=dict)
    predict_only: bool = False
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    calibration: dict[str, Any] = field(default_factory=dict)
    kind: str = ""
    source: str = ""
    lacks: list[str] = field(default_factory=list)
    command: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    projection: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.kind:
            found = registry.find(self.runner)
            self.kind = found.name if found else self.runner

    # -- using it ---------------------------------------------------------------------
    def make_runner(self) -> Any:
        """A fresh runner as recommended."""
        return registry.get(self.kind).build(self.max_workers, **self.options)

    @property
    def chosen(self) -> Candidate | None:
        """The candidate the recommendation is based on."""
        for candidate in self.candidates:
            if candidate.kind == self.kind and candidate.workers == self.max_workers:
                return candidate
        return None

    @property
    def baseline(self) -> Candidate | None:
        """The SequentialRunner candidate (every speedup is against it)."""
        return next((c for c in self.candidates if c.kind == BASELINE_KIND), None)

    def __repr__(self) -> str:
        """One line: the runner as code, the speed-up, confidence, what the evidence holds."""
        speedup = "None" if self.speedup is None else f"{self.speedup:.2f}"
        measured = sum(1 for c in self.candidates if c.measured)
        how = ", predicted only" if self.predict_only else ""
        return (
            f"Recommendation({self.runner_call}, speedup={speedup}, "
            f"confidence={self.confidence!r}{how}, {len(self.candidates)} candidates "
            f"({measured} measured), profiles={list(self.profiles)})"
        )

    def __str__(self) -> str:
        lines = [self._headline()]
        reason = next((p for p in reversed(self.path) if "->" in p), None)
        if reason:
            lines.append(f"Why: {reason}.")
        tail = f"Confidence: {self.confidence}"
        if self.predict_only:
            tail += " (predicted, not measured)"
        lines.append(tail + ".")
        for warning in self.warnings:
            lines.append(f"Warning: {warning}")
        return "\n".join(lines)

    @property
    def runner_call(self) -> str:
        """The runner as code to paste: ``SequentialRunner()`` or ``X(max_workers=N)``."""
        spec = registry.find(self.kind)
        if spec is not None:
            return spec.call(self.max_workers, self.options)
        return registry.call_for(self.runner, self.max_workers)

    def _headline(self) -> str:
        """``Use X: 2.0x faster than sequential (measured 0.5 s vs measured 1.0 s).``

        Every time quoted says whether it was measured or predicted, and every
        ratio is computed from the times it quotes.
        """
        call = self.command or self.runner_call
        chosen, base = self.chosen, self.baseline
        if chosen is None or base is None or chosen.time is None or base.time is None:
            return f"Use {call}."
        if chosen is base:
            basis = _measured(base)
            others = [
                c
                for c in self.candidates
                if c is not base
                and c.time is not None
                and _measured(c) == basis
                and c.status in (OK, PREDICTED, SKIPPED)
            ]
            if not others:
                return f"Use {call} ({_quoted(base)})."
            rival = min(others, key=lambda c: c.time)
            verdict = (
                "nothing beat it" if rival.time >= base.time else "nothing beat it beyond noise"
            )
            return (
                f"Use {call}: {verdict} ({_quoted(base)}; best alternative {rival.label} "
                f"{_quoted(rival)})."
            )
        ratio = base.time / chosen.time
        if ratio < NOISE_SPEEDUP and _measured(chosen) and chosen.predicted and base.predicted:
            # Measured no faster: only noise kept the prediction's pick (see ``choose``).
            return (
                f"Use {call}: predicted {base.predicted / chosen.predicted:.1f}x faster than "
                f"sequential ({fmt_seconds_prose(chosen.predicted)} vs "
                f"{fmt_seconds_prose(base.predicted)}); {_quoted(chosen)} vs {_quoted(base)}, "
                "too noisy here to tell them apart."
            )
        return (
            f"Use {call}: {ratio:.1f}x faster than sequential "
            f"({_quoted(chosen)} vs {_quoted(base)})."
        )

    # -- data -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data, schema header first, profiles included."""
        return {
            "schema": SCHEMA,
            "version": SCHEMA_VERSION,
            "runner": self.runner,
            "kind": self.kind,
            "max_workers": self.max_workers,
            "speedup": self.speedup,
            "confidence": self.confidence,
            "predict_only": self.predict_only,
            "created_at": self.created_at,
            "path": list(self.path),
            "warnings": list(self.warnings),
            "facts": self.facts.to_dict(),
            "candidates": [c.to_dict() for c in self.candidates],
            "calibration": dict(self.calibration),
            "source": self.source,
            "lacks": list(self.lacks),
            "command": self.command,
            "options": dict(self.options),
            "projection": dict(self.projection),
            "profiles": {
                label: (p.to_dict() if hasattr(p, "to_dict") else p)
                for label, p in self.profiles.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "<data>") -> Recommendation:
        """Build from :meth:`to_dict` output; AdviceError unless it is version-1 advice."""
        from runadvisor.profiles import ProfileError, RunProfile

        check_header(data, SCHEMA, SCHEMA_VERSION, source, AdviceError, "advice")
        try:
            return cls(
                runner=str(data["runner"]),
                kind=str(data.get("kind") or ""),
                max_workers=int(data["max_workers"]),
                speedup=data.get("speedup"),
                confidence=str(data["confidence"]),
                path=[str(p) for p in data.get("path", [])],
                warnings=[str(w) for w in data.get("warnings", [])],
                facts=PipelineFacts.from_dict(data["facts"]),
                candidates=[Candidate.from_dict(c) for c in data.get("candidates", [])],
                profiles={
                    str(label): RunProfile.from_dict(p, source=f"{source} profile {label!r}")
                    for label, p in (data.get("profiles") or {}).items()
                },
                predict_only=bool(data.get("predict_only", False)),
                created_at=str(data.get("created_at", "")),
                calibration=dict(data.get("calibration") or {}),
                source=str(data.get("source") or ""),
                lacks=[str(item) for item in data.get("lacks") or ()],
                command=str(data.get("command") or ""),
                options=dict(data.get("options") or {}),
                projection=dict(data.get("projection") or {}),
            )
        except ProfileError as exc:
            raise AdviceError(str(exc)) from exc
        except (KeyError, TypeError, ValueError) as exc:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise AdviceError(f"{source}: malformed advice: {what}") from exc

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write as JSON (atomically) and return the path."""
        return write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Recommendation:
        """Read advice saved by :meth:`save`; AdviceError if corrupt or of another version."""
        source = os.fspath(path)
        data = read_json(source, AdviceError, "advice")
        return cls.from_dict(data, source)

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per candidate (columns: ``FRAME_COLUMNS``)."""
        import pandas as pd

        chosen = self.chosen
        rows = [
            {
                "label": c.label,
                "kind": c.kind,
                "runner": c.runner,
                "workers": c.workers,
                "status": c.status,
                "predicted": c.predicted,
                "lower_bound": c.lower_bound,
                "upper_bound": c.upper_bound,
                "median": c.median,
                "spread": c.spread,
                "runs": len(c.measured),
                "peak_rss": c.peak_rss,
                "speedup": c.speedup,
                "chosen": c is chosen,
                "reason": c.reason,
            }
            for c in self.candidates
        ]
        frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
        for column in ("predicted", "lower_bound", "upper_bound", "median", "spread", "speedup"):
            frame[column] = frame[column].astype("float64")
        frame["peak_rss"] = frame["peak_rss"].astype("Int64")
        return frame
