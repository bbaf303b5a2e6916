"""Where the command line's files go: saved profiles and report folders."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runadvisor.console.options import OptionError
from runadvisor.console.output import err_console, say


def timestamp() -> str:
    """The local time for file names: ``20250101-120000``."""
    return time.strftime("%Y%m%d-%H%M%S")


def slug(name: str) -> str:
    """``name`` safe for a file name (never empty)."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or "pipeline"


def profile_path(out: str | None, name: str, result: Any) -> Path:
    """``--out`` ending in .json is the file; anything else is a folder for it."""
    file_name = f"{slug(name)}-{timestamp()}-{result.runner}.json"
    if out is None:
        return Path("profiles") / file_name
    path = Path(out)
    if path.suffix.lower() == ".json" and not path.is_dir():
        return path
    return path / file_name


def save_partial_profile(exc: BaseException, out: str | None, name: str, quiet: bool) -> None:
    """Save the partial profile a failed profiled run left on ``exc`` (if any); say where."""
    partial = getattr(exc, "profile", None)
    if partial is None:
        return
    saved = partial.save(profile_path(out, name, partial))
    if not quiet:
        say(err_console(), f"The partial profile of the failed run is in {saved}")


def default_report_dir(name: str) -> Path:
    """``reports/<name>-<time>``."""
    return Path("reports") / f"{slug(name)}-{timestamp()}"


def write_reports(recommendation: Any, out: Path, kinds: Sequence[str]) -> dict[str, Path]:
    """The advice's reports in ``out``, one per format in ``kinds``."""
    from runadvisor.reports import write_report

    return dict(write_report(recommendation, out, formats=tuple(kinds)))


def is_recommendation(item: Any) -> bool:
    """Advice (a Recommendation) rather than a profile or a profile report's profiles."""
    return hasattr(item, "candidates") and hasattr(item, "facts")


def regenerate_reports(
    files: Sequence[Path], out: Path | None, kinds: Sequence[str]
) -> list[tuple[str, Path]]:
    """Reports from saved profile or advice JSON files: (format, path) for each written.

    One advice file gives its full report in ``out``; several go to one
    subfolder each. Profiles are reported together (in ``profiles/`` beside
    advice).
    """
    from runadvisor.reports import load_any, write_profile_report

    for file in files:
        if not file.is_file():
            raise OptionError(
                f"No such file: '{file}' (looked in {Path.cwd()}); give saved profile or "
                "advice JSON files (from `runadvisor profile` or report.json)."
            )
    loaded = [(file, load_any(file)) for file in files]
    advice = [(f, item) for f, item in loaded if is_recommendation(item)]
    profile_files = [f for f, item in loaded if not is_recommendation(item)]
    out = out or default_report_dir(files[0].stem)
    written: list[tuple[str, Path]] = []
    for file, item in advice:
        folder = out if len(advice) == 1 else out / slug(file.stem)
        written += list(write_reports(item, folder, kinds).items())
    if profile_files:
        folder = out / "profiles" if advice else out
        written += list(dict(write_profile_report(profile_files, folder, tuple(kinds))).items())
    return written
