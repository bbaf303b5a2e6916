"""Errors raised while defining, combining, filtering or running nodes and pipelines.

Every error here is the user's to fix, so each one subclasses
:class:`~runadvisor.exceptions.RunAdvisorError`. They are also ``ValueError``
(and ``TypeError`` for signature mismatches), because Kedro raises those and
code written against Kedro catches them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from runadvisor.exceptions import RunAdvisorError


class PipelineError(RunAdvisorError, ValueError):
    """A node or pipeline is defined, combined, filtered or called wrongly."""


class CircularDependencyError(PipelineError):
    """The nodes of a pipeline depend on each other in a cycle, so no order can run them."""


class OutputNotUniqueError(PipelineError):
    """Two nodes of one pipeline produce the same dataset."""


class ConfirmNotUniqueError(PipelineError):
    """Two nodes of one pipeline confirm the same dataset."""


class UnknownNamesError(PipelineError):
    """Names given to a call (a filter) that the pipeline does not have.

    ``what`` is the kind of name ("node", "dataset", "namespace"), ``unknown``
    the names not found, ``known`` the pipeline's names of that kind, ``where``
    the call (``"from_nodes()"``) and ``argument`` the ``filter()`` argument
    that passed them, when it was ``filter()``.
    """

    def __init__(self, what: str, unknown: Iterable[str], known: Iterable[str], where: str) -> None:
        self.what = what
        self.unknown = sorted(set(unknown))
        self.known = sorted(set(known))
        self.where = where
        self.argument: str | None = None
        super().__init__(unknown_names_message(what, self.unknown, self.known, where))

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.what, self.unknown, self.known, self.where))


class EmptySelectionError(PipelineError):
    """``filter()`` left no node.

    ``applied`` holds, per filter given, ``(argument, names, nodes selected,
    why it selected none)``; ``why`` is None for a filter that selected some.
    """

    def __init__(self, applied: list[tuple[str, list[str], int, str | None]]) -> None:
        self.applied = applied
        super().__init__(self.render())

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.applied,))

    def render(
        self, names: dict[str, str] | None = None, subject: str = "Pipeline.filter()"
    ) -> str:
        """The message, with each argument called as ``names`` says (``{"tags": "--tags"}``)."""
        names = names or {}
        if not self.applied:
            return f"{subject}: the pipeline has no nodes, so there is nothing to run."
        shown = [
            (names.get(arg, arg), given, count, why) for arg, given, count, why in self.applied
        ]
        empty = [
            f"{arg}={given} selected no nodes ({why})"
            for arg, given, count, why in shown
            if not count
        ]
        if empty:
            return (
                f"{subject}: no nodes left, because {' and '.join(empty)}. Check the names, "
                "or drop that filter."
            )
        counts = "; ".join(f"{arg}={given}: {count} node(s)" for arg, given, count, _ in shown)
        return (
            f"{subject}: no nodes left. Each filter selects nodes ({counts}), but no node is "
            "selected by all of them: the filters are intersected, not chained. Loosen one of "
            "them."
        )


class NodeSignatureError(PipelineError, TypeError):
    """A node's inputs do not fit the parameters of its function."""


class NodeOutputError(PipelineError):
    """A node's function returned a value that does not fit the node's declared outputs."""


def _quote_list(names: Iterable[str]) -> str:
    """``a, b`` -> ``'a', 'b'``: names quoted so that empty or odd names stay visible."""
    return ", ".join(repr(n) for n in names)


def unknown_names_message(
    what: str, unknown: Iterable[str], known: Iterable[str], where: str, *, limit: int = 3
) -> str:
    """Say which ``what`` names are not in ``known``, with close matches for each.

    ``where`` names the call that was given them (for example ``"only_nodes()"``).
    """
    return (
        f"{where}: unknown {what} name(s) {close_matches(what, unknown, known, limit=limit)}. "
        f"Check the spelling, or filter a pipeline that contains them."
    )


def close_matches(
    what: str, unknown: Iterable[str], known: Iterable[str], *, limit: int = 3
) -> str:
    """``'prpe' (did you mean 'prep'?); the pipeline's tags are: 'misc', 'prep'``."""
    known_list = sorted(set(known))
    parts = []
    for name in sorted(set(unknown)):
        close = difflib.get_close_matches(name, known_list, n=limit, cutoff=0.6)
        # Namespaced pipelines prefix node names: 'prep' is probably 'ns.prep'.
        close += [k for k in known_list if k.endswith(f".{name}") and k not in close][:limit]
        hint = f" (did you mean {_quote_list(close)}?)" if close else ""
        parts.append(f"{name!r}{hint}")
    count = len(known_list)
    if count == 0:
        tail = f"the pipeline has no {what}s"
    elif count <= 10:
        tail = f"the pipeline's {what}s are: {_quote_list(known_list)}"
    else:
        tail = f"the pipeline has {count} {what}s; pipeline.describe() lists them"
    return f"{', '.join(parts)}; {tail}"
