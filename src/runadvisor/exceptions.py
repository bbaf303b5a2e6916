"""The base class of every error that is the user's to fix.

The CLI prints these as one line (no traceback) and exits 2; anything else is a
bug in runadvisor or an exception raised by the user's own node code.
"""

from __future__ import annotations


class RunAdvisorError(Exception):
    """A mistake the user can fix: a bad pipeline, catalog, option or file."""


def add_note(exc: BaseException, note: str) -> None:
    """Attach ``note`` to ``exc`` (PEP 678), on Python 3.10 too."""
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:  # pragma: no cover - Python 3.10
        notes = getattr(exc, "__notes__", None)
        if notes is None:
            notes = []
            try:
                exc.__notes__ = notes  # type: ignore[attr-defined]
            except AttributeError:
                return
        notes.append(note)
