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
