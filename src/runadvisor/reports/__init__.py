"""Reports: a Recommendation (or saved profiles) as report.html, report.md and report.json.

    from runadvisor.reports import write_report
    paths = write_report(recommendation, "advice/")   # {"html": ..., "md": ..., "json": ...}

``report.html`` is one self-contained page (charts inline, no scripts, no
network); ``report.md`` says the same for a pull request or a terminal, with
its charts as PNG files beside it; ``report.json`` is the recommendation with
all profiles, readable again with :func:`load_any`. matplotlib and jinja2 load
only when a report is written or a figure drawn.

In a notebook, :func:`wall_time_figure` and :func:`speedup_figure` draw the
report's two comparison charts of a Recommendation, and :func:`scaling_summary`
says in sentences, computed from its candidates, how each runner scaled.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from runadvisor.reports.common import ReportError
from runadvisor.reports.jsonreport import load_any

FORMATS = ("html", "md", "json")
FILE_NAMES = {"html": "report.html", "md": "report.md", "json": "report.json"}

__all__ = [
    "FORMATS",
    "ReportError",
    "load_any",
    "scaling_summary",
    "speedup_figure",
    "wall_time_figure",
    "write_profile_report",
    "write_report",
]


def wall_time_figure(recommendation: Any, *, width: float = 7.0) -> Any:
    """The report's wall-time chart of ``recommendation`` (a matplotlib Figure)."""
    from runadvisor.reports.candidates import wall_time_figure as draw

    return draw(recommendation, width=width)


def speedup_figure(recommendation: Any, *, width: float = 7.0) -> Any:
    """The report's speed-up chart of ``recommendation``, inside its bounds band."""
    from runadvisor.reports.candidates import speedup_figure as draw

    return draw(recommendation, width=width)


def scaling_summary(recommendation: Any) -> list[str]:
    """How each runner scaled, one sentence each, computed from the candidates."""
    from runadvisor.reports.candidates import scaling_summary as summary

    return summary(recommendation)


def write_report(
    recommendation: Any,
    out_dir: str | os.PathLike[str],
    formats: Iterable[str] | str = FORMATS,
    *,
    title: str | None = None,
) -> dict[str, Path]:
    """Write the report of ``recommendation`` into ``out_dir`` (created if needed).

    ``formats`` is any of ``"html"``, ``"md"``, ``"json"``; ``title`` names
    what was advised (e.g. the pipeline) in the page's heading. Returns
    ``{format: path}``. Raises :class:`ReportError` for an unknown format or
    an ``out_dir`` that cannot be a folder.
    """
    wanted = _check_formats(formats)
    if not (hasattr(recommendation, "candidates") and hasattr(recommendation, "facts")):
        hint = (
            "; for profiles use write_profile_report"
            if hasattr(recommendation, "nodes") or isinstance(recommendation, (list, tuple, dict))
            else ""
        )
        raise ReportError(
            f"write_report needs a Recommendation, got {type(recommendation).__name__}{hint}"
        )
    folder = _folder(out_dir)
    paths: dict[str, Path] = {}
    if "json" in wanted:
        from runadvisor.reports.jsonreport import write_json

        paths["json"] = write_json(recommendation, folder / FILE_NAMES["json"])
    if "html" in wanted or "md" in wanted:
        from runadvisor.reports.content import from_recommendation

        paths.update(_write_views(from_recommendation(recommendation), folder, wanted, title))
    return {fmt: paths[fmt] for fmt in wanted}


def write_profile_report(
    profiles: Any,
    out_dir: str | os.PathLike[str],
    formats: Iterable[str] | str = FORMATS,
    *,
    title: str | None = None,
) -> dict[str, Path]:
    """Write a report of saved profiles alone (no recommendation) into ``out_dir``.

    ``profiles`` is a RunProfile, a list of them, a ``{label: RunProfile}``
    mapping, or paths of profile JSON files (a profile report's report.json
    included). Each run gets its Gantt with memory, per-node time bars and a
    per-node table. Returns ``{format: path}``.
    """
    from runadvisor.reports.content import from_profiles
    from runadvisor.reports.jsonreport import write_profiles_json

    wanted = _check_formats(formats)
    labelled = _labelled_profiles(profiles)
    folder = _folder(out_dir)
    paths: dict[str, Path] = {}
    if "json" in wanted:
        paths["json"] = write_profiles_json(labelled, folder / FILE_NAMES["json"])
    if "html" in wanted or "md" in wanted:
        paths.update(_write_views(from_profiles(labelled), folder, wanted, title))
    return {fmt: paths[fmt] for fmt in wanted}


# ---------------------------------------------------------------------------------------
def _check_formats(formats: Iterable[str] | str) -> list[str]:
    items = [formats] if isinstance(formats, str) else list(formats)
    unknown = [f for f in items if f not in FORMATS]
    if unknown:
        raise ReportError(
            f"unknown report format {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(map(repr, FORMATS))}"
        )
    if not items:
        raise ReportError(f"no report format given; choose from {', '.join(map(repr, FORMATS))}")
    return list(dict.fromkeys(items))


def _folder(out_dir: str | os.PathLike[str]) -> Path:
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise ReportError(f"{folder}: exists and is not a folder; give a folder for the report")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"{folder}: cannot create the report folder: {exc.strerror or exc}"
        ) from exc
    return folder


def _write_views(
    report: Any, folder: Path, wanted: list[str], title: str | None
) -> dict[str, Path]:
    if title:
        report.subject = str(title)
    paths: dict[str, Path] = {}
    if "html" in wanted:
        from runadvisor.reports.html import write_html

        paths["html"] = write_html(report, folder / FILE_NAMES["html"])
    if "md" in wanted:
        from runadvisor.reports.markdown import write_markdown

        paths["md"] = write_markdown(report, folder / FILE_NAMES["md"])
    return paths


def _labelled_profiles(profiles: Any) -> dict[str, Any]:
    """``{label: RunProfile}`` from a profile, a list, a mapping or file paths."""
    from runadvisor.profiles.records import RunProfile
    from runadvisor.reports.content import profile_label

    if isinstance(profiles, Mapping):
        items = list(profiles.items())
    else:
        seq = [profiles] if isinstance(profiles, (RunProfile, str, os.PathLike)) else profiles
        items = [(None, p) for p in seq]
    out: dict[str, Any] = {}
    for label, item in items:
        profile = item
        if isinstance(item, (str, os.PathLike)):
            profile = load_any(item)
            if isinstance(profile, dict):  # the report.json of an earlier profile report
                for sub_label, sub in profile.items():
                    out[_unique(out, sub_label)] = sub
                continue
            if not isinstance(profile, RunProfile):
                raise ReportError(
                    f"{os.fspath(item)}: holds a {type(profile).__name__}, not a profile; "
                    "use write_report for advice"
                )
        elif not hasattr(profile, "nodes") or not hasattr(profile, "samples"):
            raise ReportError(
                f"write_profile_report needs RunProfiles, got {type(profile).__name__}"
            )
        out[_unique(out, str(label) if label is not None else profile_label(profile))] = profile
    if not out:
        raise ReportError("write_profile_report got no profiles")
    return out


def _unique(taken: Mapping[str, Any], label: str) -> str:
    if label not in taken:
        return label
    n = 2
    while f"{label} #{n}" in taken:
        n += 1
    return f"{label} #{n}"
