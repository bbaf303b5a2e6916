"""The node filters of ``run`` and ``profile`` (as ``kedro run`` has them).

:func:`apply_filters` turns the options into a pipeline subset and the
options to repeat in the resume hint; its errors speak of the options.
"""

from __future__ import annotations

import re
from typing import Any

from runadvisor.console.options import OptionError, split_names

# Pipeline.filter()'s words for its arguments -> the options that set them.
_FILTER_FLAGS = {
    "only_nodes_with_tags()": "--tags",
    "only_nodes()": "--nodes",
    "from_nodes()": "--from-nodes",
    "to_nodes()": "--to-nodes",
    "from_inputs()": "--from-inputs",
    "to_outputs()": "--to-outputs",
    "Pipeline.filter()": "The node filters",
    "node_names=": "--nodes=",
    "tags=": "--tags=",
    "from_nodes=": "--from-nodes=",
    "to_nodes=": "--to-nodes=",
    "from_inputs=": "--from-inputs=",
    "to_outputs=": "--to-outputs=",
}
_FILTER_WORDS = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(k) for k in sorted(_FILTER_FLAGS, key=len, reverse=True))
    + ")"
)


def apply_filters(pipe: Any, catalog: Any, options: dict[str, Any]) -> tuple[Any, list[str]]:
    """Apply the node filters; return the pipeline and the options to repeat on resume.

    Filter errors speak of the options, and a filter that leaves out the node
    producing an input that holds no data is caught before anything runs.
    """
    from runadvisor.pipeline import PipelineError

    chosen = {
        "tags": [tag for value in options["tags"] for tag in split_names(value)],
        "node_names": split_names(options["node_names"] or ""),
        "from_nodes": split_names(options["from_nodes"] or ""),
        "to_nodes": split_names(options["to_nodes"] or ""),
        "from_inputs": split_names(options["from_inputs"] or ""),
        "to_outputs": split_names(options["to_outputs"] or ""),
    }
    resume: list[str] = []
    for key, flag in (
        ("tags", "--tags"),
        ("node_names", "--nodes"),
        ("to_nodes", "--to-nodes"),
        ("from_inputs", "--from-inputs"),
        ("to_outputs", "--to-outputs"),
    ):
        if chosen[key]:
            resume += [flag, ",".join(chosen[key])]
    if not any(chosen.values()):
        return pipe, resume
    try:
        subset = pipe.filter(**{k: v for k, v in chosen.items() if v})
    except PipelineError as exc:
        message = _FILTER_WORDS.sub(lambda m: _FILTER_FLAGS[m.group(1)], str(exc))
        raise OptionError(message) from exc
    _check_left_out(pipe, subset, catalog)
    return subset, resume


def _check_left_out(full: Any, subset: Any, catalog: Any) -> None:
    """OptionError if ``subset`` needs datasets that only left-out nodes would fill."""
    from runadvisor.io import dataset_exists

    producers = full.dataset_producers()
    kept = set(subset.nodes)
    lost: dict[str, Any] = {}  # dataset -> the left-out node that produces it
    in_memory = True
    for name in sorted(subset.inputs()):
        producer = producers.get(name)
        if producer is None or producer in kept:
            continue
        dataset = catalog.get(name) if name in catalog else None
        if dataset is not None and dataset_exists(dataset):
            continue
        lost[name] = producer
        in_memory = in_memory and dataset is None
    if not lost:
        return
    nodes = list(dict.fromkeys(node.name for node in lost.values()))
    what = ", ".join(f"'{node.name}' (produces '{name}')" for name, node in lost.items())
    datasets = ", ".join(f"'{name}'" for name in lost)
    why = "live in memory only during a run" if in_memory else "hold no data yet"
    raise OptionError(
        f"The node filters leave out node(s) {what}, and {datasets} {why}. Include "
        f"{'that node' if len(nodes) == 1 else 'those nodes'} (e.g. --from-nodes "
        f'"{",".join(nodes)}"), or save {datasets} to file datasets so they outlive a run.'
    )
