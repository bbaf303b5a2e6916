"""Files runadvisor writes and reads back: atomic writes and versioned JSON.

One place for what profiles, advice, reports, calibration caches and file
datasets all need: a write that leaves the old file or the new one, never half
of either, and a JSON reader whose errors say what is wrong with the file
(missing, empty, binary, truncated, not JSON, another schema or version).
Standard library only, so every package may import it.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

_temp_counter = itertools.count()


def atomic_write(path: str | os.PathLike[str], write: Callable[[str], None]) -> Path:
    """Call ``write(temp_path)``, then rename the temporary file onto ``path``.

    The temporary file lives in the target's folder (so the rename is atomic)
    and ends with the target's name (so pandas infers the same compression).
    Parent folders are created; on failure the temporary file is removed.
    """
    folder, name = os.path.split(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    temp = os.path.join(folder, f".tmp-{os.getpid()}-{next(_temp_counter)}-{name}")
    try:
        write(temp)
        os.replace(temp, path)
    except BaseException:
        try:
            os.remove(temp)
        except OSError:
            pass
        raise
    return Path(path)


def write_file(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes atomically; returns the path."""

    def write(temp: str) -> None:
        if isinstance(data, str):
            with open(temp, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(data)
        else:
            with open(temp, "wb") as fh:
                fh.write(data)

    return atomic_write(path, write)


def to_json(data: Any) -> str:
    """Strict JSON text (no NaN or Infinity), indented for people and diffs.

    Sets become sorted lists, paths strings, numpy scalars numbers, and objects
    with ``to_dict()`` their dict.
    """
    return json.dumps(data, indent=1, allow_nan=False, default=_json_default) + "\n"


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as strict JSON, atomically; returns the path."""
    return write_file(path, to_json(data))


def read_json(path: str | os.PathLike[str], error: type[Exception], kind: str) -> Any:
    """Parse a JSON file, raising ``error`` with a message naming the file and the fault.

    ``kind`` says what the file should be ("profile", "advice", ...), for the message.
    """
    source = os.fspath(path)
    try:
        raw = Path(source).read_bytes()
    except FileNotFoundError:
        raise error(f"{source}: no such file (expected a runadvisor {kind} file)") from None
    except IsADirectoryError:
        raise error(f"{source}: is a folder; give a runadvisor {kind} JSON file") from None
    except OSError as exc:
        raise error(f"{source}: cannot read: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise error(f"{source}: empty file; expected a runadvisor {kind} file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"{source}: not a runadvisor {kind} file (binary, not UTF-8 text: byte "
            f"{raw[exc.start]:#04x} at offset {exc.start})"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        what = "truncated JSON (it ends early)" if _truncated(text, exc) else "not valid JSON"
        raise error(
            f"{source}: {what}: {exc.msg} at line {exc.lineno} column {exc.colno}; "
            f"expected a runadvisor {kind} file"
        ) from None


def check_header(
    data: Any, schema: str, version: int, source: str, error: type[Exception], kind: str
) -> None:
    """Raise ``error`` unless ``data`` is a JSON object of ``schema`` at ``version``."""
    if not isinstance(data, dict) or data.get("schema") != schema:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise error(
            f'{source}: not a runadvisor {kind} (expected "schema": "{schema}", found {found!r})'
        )
    found_version = data.get("version")
    if found_version != version:
        raise error(
            f"{source}: {kind} schema version {found_version!r}, but this runadvisor reads "
            f"version {version}; write it again with this version of runadvisor"
        )


def _truncated(text: str, exc: json.JSONDecodeError) -> bool:
    """Whether the JSON broke off: the error is in a last token that runs to the end."""
    if exc.msg.startswith("Unterminated string"):
        return True
    if not text[: exc.pos].strip():
        return False  # it does not even start as JSON
    return not re.search(r'[\[\]{},:"]', text[exc.pos :])


def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
