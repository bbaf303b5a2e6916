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
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runadvisor.exceptions import RunAdvisorError
from runadvisor.profiles.records import SCHEMA as PROFILE_SCHEMA
from runadvisor.profiles.records import SCHEMA_VERSION as PROFILE_VERSION
from runadvisor.profiles.records import RunProfile
from runadvisor.reports.common import ReportError, atomic_write

ADVICE_SCHEMA = "runadvisor.advice"
PROFILES_SCHEMA = "runadvisor.profiles"
PROFILES_VERSION = 1
KNOWN_SCHEMAS = (ADVICE_SCHEMA, PROFILE_SCHEMA, PROFILES_SCHEMA)


def dumps(data: Any) -> str:
    """Strict JSON text (no NaN or Infinity), indented for people and diffs."""
    try:
        return json.dumps(data, indent=1, allow_nan=False, default=_json_default) + "\n"
    except ValueError as exc:
        raise ReportError(f"cannot write report.json: {exc}") from exc


def write_json(recommendation: Any, path: Path) -> Path:
    """Write ``recommendation.to_dict()`` atomically and return the path."""
    return atomic_write(Path(path), dumps(recommendation.to_dict()))


def write_profiles_json(profiles: Mapping[str, RunProfile], path: Path) -> Path:
    """Write the profiles of a profile-only report, each under its label."""
    data = {
        "schema": PROFILES_SCHEMA,
        "version": PROFILES_VERSION,
        "profiles": [
            {"label": label, "profile": profile.to_dict()} for label, profile in profiles.items()
        ],
    }
    return atomic_write(Path(path), dumps(data))


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
    try:
        raw = Path(source).read_bytes()
    except FileNotFoundError:
        raise ReportError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise ReportError(f"{source}: is a folder; give a runadvisor JSON file") from None
    except OSError as exc:
        raise ReportError(f"{source}: cannot read: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise ReportError(f"{source}: empty file; expected a runadvisor JSON file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(
            f"{source}: not a runadvisor JSON file (binary, not UTF-8 text: byte "
            f"{raw[exc.start]:#04x} at offset {exc.start})"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        what = "truncated JSON (it ends early)" if _truncated(text, exc) else "not valid JSON"
        raise ReportError(
            f"{source}: {what}: {exc.msg} at line {exc.lineno} column {exc.colno}; "
            "expected a file written by runadvisor"
        ) from None
    return from_data(data, source)


def _truncated(text: str, exc: json.JSONDecodeError) -> bool:
    """Whether the JSON broke off: the error is in a last token that runs to the end.

    A strict prefix of valid JSON fails either at its very end or at the start
    of a token cut short (a string, number or literal) with nothing after it.
    """
    if exc.msg.startswith("Unterminated string"):
        return True
    return not re.search(r'[\[\]{},:"]', text[exc.pos :])


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


def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to report.json")
