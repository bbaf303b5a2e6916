"""Transcoding: ``ds@pandas`` and ``ds@spark`` are two views of one dataset ``ds``.

Kedro lets one node write a dataset in one format and another node read it in
another, by naming both ``<dataset>@<format>``. For dependencies, ordering,
free inputs and outputs, and filters, every name with the same part before the
``@`` (its *base*) is the same dataset; the runner still loads and saves each
full name through its own catalog entry. A name may carry at most one ``@``.
"""

from __future__ import annotations

from runadvisor.pipeline.errors import PipelineError

__all__ = ["TRANSCODING_SEPARATOR", "split_transcoding", "strip_transcoding"]

TRANSCODING_SEPARATOR = "@"


def split_transcoding(name: str) -> tuple[str, str]:
    """``"ds@pandas"`` -> ``("ds", "pandas")``; ``"ds"`` -> ``("ds", "")``.

    Raises:
        PipelineError: the name has more than one ``@``.
    """
    base, sep, fmt = name.partition(TRANSCODING_SEPARATOR)
    if sep and TRANSCODING_SEPARATOR in fmt:
        count = name.count(TRANSCODING_SEPARATOR)
        raise PipelineError(
            f"Dataset name {name!r} has {count} transcoding separators '@'; a name may have "
            f"at most one ('dataset@format', e.g. {base + '@' + fmt.split('@')[0]!r})."
        )
    return base, fmt


def strip_transcoding(name: str) -> str:
    """The dataset a name refers to: ``"ds@pandas"`` -> ``"ds"``, ``"ds"`` -> ``"ds"``."""
    if TRANSCODING_SEPARATOR not in name:
        return name
    return split_transcoding(name)[0]
