"""The node filters of ``run`` and ``profile`` (as ``kedro run`` has them).

:func:`apply_filters` turns the options into a pipeline subset and the
options to repeat in the resume hint; its errors speak of the options.
"""

from __future__ import annotations

from typing import Any

from runadvisor.console.options import OptionError, split_names

# Pipeline.filter()'s arguments -> the options that set them.
FLAGS = {
    "tags": "--tags",
    "node_names": "--nodes",
    "from_nodes": "--from-nodes",
    "to_nodes": "--to-nodes",
    "from_inputs": "--from-inputs",
    "to_outputs": "--to-outputs",
}


def apply_filters(pipe: Any, catalog: Any, options: dict[str, Any]) -> tuple[Any, list[str]]:
    """Apply the node filters; return the pipeline and the options to repeat on resume.

    Filter errors speak of the options, and a filter that leaves out the node
    producing an input that holds no data is caught before anything runs.
    """
    from runadvisor.pipeline import EmptySelectionError, UnknownNamesError
    from runadvisor.pipeline.errors import close_matches

    chosen = {
        "tags": [tag for value in options["tags"] for tag in split_names(value)],
        "node_names": split_names(options["node_names"] or ""),
        "from_nodes": split_names(options["from_nodes"] or ""),
        "to_nodes": split_names(options["to_nodes"] or ""),
        "from_inputs": split_names(options["from_inputs"] or ""),
        "to_outputs": split_names(options["to_outputs"] or ""),
    }
    resume: list[str] = []
    for key, flag in FLAGS.items():
        if chosen[key] and key != "from_nodes":  # the resume hint gives its own --from-nodes
            resume += [flag, ",".join(chosen[key])]
    if not any(chosen.values()):
        return pipe, resume
    try:
        subset = pipe.filter(**{k: v for k, v in chosen.items() if v})
    except UnknownNamesError as exc:
        flag = FLAGS.get(exc.argument or "", "The node filters")
        raise OptionError(
            f"{flag}: unknown {exc.what} name(s) {close_matches(exc.what, exc.unknown, exc.known)}"
            ". Check the spelling, or filter a pipeline that contains them."
        ) from exc
    except EmptySelectionError as exc:
        raise OptionError(exc.render(FLAGS, subject="The node filters")) from exc
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
