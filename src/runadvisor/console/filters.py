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
        raise OptionError(unknown_names(flag, exc.what, exc.unknown, exc.known)) from exc
    except EmptySelectionError as exc:
        raise OptionError(exc.render(FLAGS, subject="The node filters")) from exc
    _check_left_out(pipe, subset, catalog)
    return subset, resume


def suggest(name: str, known: list[str], limit: int = 3) -> list[str]:
    """The names in ``known`` that ``name`` most likely meant, best first.

    The same name in another case; a namespaced name (``ns.name``) or a
    Kedro-style default name (``name__1a2b3c4d``) that it is the short form
    of; then spelling slips: the closest names, if close (ratio >= 0.75) and
    within 0.05 of the best, so one good guess is not diluted by weak ones.
    """
    import difflib

    folded = [k for k in known if k.lower() == name.lower() and k != name]
    short = [
        k for k in known if k.endswith(f".{name}") or k.rsplit(".", 1)[-1].startswith(f"{name}__")
    ]
    scored = sorted(
        ((difflib.SequenceMatcher(None, name, k).ratio(), k) for k in known),
        key=lambda pair: (-pair[0], pair[1]),
    )
    best = scored[0][0] if scored else 0.0
    close = [k for ratio, k in scored if ratio >= 0.75 and ratio >= best - 0.05]
    return list(dict.fromkeys([*folded, *short, *close]))[:limit]


def unknown_names(flag: str, what: str, unknown: list[str], known: list[str]) -> str:
    """``--nodes: unknown node name(s) 'clen' (did you mean 'clean'?); ...`` with the fix."""
    parts = []
    for name in unknown:
        guesses = suggest(name, known)
        hint = f" (did you mean {', '.join(repr(g) for g in guesses)}?)" if guesses else ""
        parts.append(f"{name!r}{hint}")
    if not known:
        tail = f"the pipeline has no {what}s"
    elif len(known) <= 10:
        tail = f"the pipeline's {what}s are: {', '.join(repr(k) for k in sorted(known))}"
    else:
        tail = f"the pipeline has {len(known)} {what}s; pipeline.describe() lists them"
    return (
        f"{flag}: unknown {what} name(s) {', '.join(parts)}; {tail}. Check the spelling, or "
        "filter a pipeline that contains them."
    )


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
