"""The base of every error that is the user's to fix, and notes on exceptions.

The CLI prints a :class:`RunAdvisorError` as one line (no traceback) and exits
2; anything else is a bug in runadvisor or an exception raised by the user's
own node code.
"""

from __future__ import annotations

_STRUCTURED = "runadvisor_structured_notes"


class RunAdvisorError(Exception):
    """A mistake the user can fix: a bad pipeline, catalog, option or file."""


def add_note(exc: BaseException, note: str, *, structured: bool = False) -> None:
    """Attach ``note`` to ``exc`` (PEP 678), on Python 3.10 too.

    ``structured``: the note only says in words what ``exc`` also carries as
    data (a failure record, a partial profile), so a renderer that shows that
    data itself can leave the note out (see :func:`structured_notes`).
    """
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
    if structured:
        marked = getattr(exc, _STRUCTURED, None)
        if marked is None:
            marked = []
            setattr(exc, _STRUCTURED, marked)
        marked.append(note)


def structured_notes(exc: BaseException) -> list[str]:
    """The notes added with ``structured=True``: words for data ``exc`` also carries."""
    return list(getattr(exc, _STRUCTURED, None) or ())


def free_notes(exc: BaseException) -> list[str]:
    """The notes on ``exc`` that carry no data of their own (the user's, a load's context)."""
    marked = structured_notes(exc)
    return [str(n) for n in getattr(exc, "__notes__", None) or () if n not in marked]
