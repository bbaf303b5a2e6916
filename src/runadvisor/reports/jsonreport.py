"""report.json: the recommendation (profiles included) as versioned JSON, and reading it back.

``write_json`` stores ``recommendation.to_dict()`` atomically. A profile-only
report stores ``{"schema": "runadvisor.profiles", "version": 1, "profiles": [...]}``.
:func:`load_any` reads any of the three kinds of file runadvisor writes and
says clearly what is wrong with one it cannot read.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runadvisor.exceptions import RunAdvisorError
from runadvisor.jsonfile import read_json, to_json, write_file
from runadvisor.profiles.records import SCHEMA as PROFILE_SCHEMA
from runadvisor.profiles.records import SCHEMA_VERSION as PROFILE_VERSION
from runadvisor.profiles.records import RunProfile
from runadvisor.reports.common import ReportError

ADVICE_SCHEMA = "runadvisor.advice"
PROFILES_SCHEMA = "runadvisor.profiles"
PROFILES_VERSION = 1
KNOWN_SCHEMAS = (ADVICE_SCHEMA, PROFILE_SCHEMA, PROFILES_SCHEMA)


def dumps(data: Any) -> str:
    """Strict JSON text (no NaN or Infinity), indented for people and diffs."""
    try:
        return to_json(data)
    except ValueError as exc:
        raise ReportError(f"cannot write report.json: {exc}") from exc


def write_json(recommendation: Any, path: Path) -> Path:
    """Write ``recommendation.to_dict()`` atomically and return the path."""
    return write_file(Path(path), dumps(recommendation.to_dict()))


def write_profiles_json(profiles: Mapping[str, RunProfile], path: Path) -> Path:
    """Write the profiles of a profile-only report, each under its label."""
    data = {
        "schema": PROFILES_SCHEMA,
        "version": PROFILES_VERSION,
        "profiles": [
            {"label": label, "profile": profile.to_dict()} for label, profile in profiles.items()
        ],
    }
    return write_file(Path(path), dumps(data))


def load_any(path: str | os.PathLike[str]) -> Any:
    """Read a runadvisor JSON file, whichever kind it is.

    Returns a ``Recommendation`` for ``"runadvisor.advice"`` files (report.json,
    ``Recommendation.save``), a ``RunProfile`` for ``"runadvisor.profile"`` files
    and a ``dict[str, RunProfile]`` (label -> profile) for the report.json of
    :func:`write_profile_report`. Raises :class:`ReportError` naming the file,
    what was found and what was expected when the file is missing, not JSON,
    truncated, of an unknown schema or of another version.
    """
    source = os.fspath(path)
    data = read_json(source, ReportError, "JSON")
    return from_data(data, source)


def from_data(data: Any, source: str = "<data>") -> Any:
    """Dispatch parsed JSON on its ``schema`` field; see :func:`load_any`."""
    if not isinstance(data, dict):
        raise ReportError(
            f"{source}: found a JSON {type(data).__name__}, expected an object with a "
            f'"schema" field ({_expected()})'
        )
    schema = data.get("schema")
    version = data.get("version")
    if schema == PROFILE_SCHEMA:
        _check_version(source, "profile", version, PROFILE_VERSION)
        return _wrap(source, lambda: RunProfile.from_dict(data, source))
    if schema == PROFILES_SCHEMA:
        _check_version(source, "profile report", version, PROFILES_VERSION)
        return _wrap(source, lambda: _profiles_from_dict(data, source))
    if schema == ADVICE_SCHEMA:
        try:
            from runadvisor.advisor import Recommendation
        except ImportError as exc:  # pragma: no cover - the advisor ships with runadvisor
            raise ReportError(f"{source}: cannot read advice here: {exc}") from exc
        takes_source = "source" in inspect.signature(Recommendation.from_dict).parameters
        if takes_source:
            return _wrap(source, lambda: Recommendation.from_dict(data, source=source))
        return _wrap(source, lambda: Recommendation.from_dict(data))
    found = f'"schema": {json.dumps(schema)}' if schema is not None else 'no "schema" field'
    raise ReportError(f"{source}: not a runadvisor file: found {found}, expected {_expected()}")


def _expected() -> str:
    return " or ".join(f'"{s}"' for s in KNOWN_SCHEMAS)


def _check_version(source: str, kind: str, found: Any, expected: int) -> None:
    if found != expected:
        raise ReportError(
            f"{source}: {kind} schema version {found!r}, but this runadvisor reads version "
            f"{expected}; write it again with this version of runadvisor"
        )


def _wrap(source: str, build: Any) -> Any:
    """Run ``build`` and turn whatever a malformed file makes it raise into ReportError."""
    try:
        return build()
    except ReportError:
        raise
    except RunAdvisorError as exc:
        message = str(exc)
        raise ReportError(message if source in message else f"{source}: {message}") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ReportError(f"{source}: malformed file: {what}") from exc


def _profiles_from_dict(data: dict[str, Any], source: str) -> dict[str, RunProfile]:
    items = data["profiles"]
    if not isinstance(items, list):
        raise TypeError(f'"profiles" is a {type(items).__name__}, expected a list')
    out: dict[str, RunProfile] = {}
    for i, item in enumerate(items):
        label = str(item["label"])
        out[label] = RunProfile.from_dict(item["profile"], f"{source} (profile {i + 1})")
    return out
