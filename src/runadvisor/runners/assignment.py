"""Which executor each node of a HybridRunner goes to, and a configuration as code.

An assignment is ``{node name or tag: executor}`` (a name beats a tag; a node
whose tags name different executors is an error; a key that is neither a node
name nor a tag is an error with the closest match), a function of the node
(None: the default), or a ``Recommendation`` (its ``options["assign"]``, or its
runner's executor for every node). Without one, a node tagged ``inline``,
``threads`` or ``processes`` goes there. Executors may be written ``thread``,
``process``, ``parallel``, ``sequential`` or ``main`` too.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from runadvisor.runners import registry
from runadvisor.runners.errors import RunnerError

INLINE, THREADS, PROCESSES = "inline", "threads", "processes"
EXECUTORS = (INLINE, THREADS, PROCESSES)
#: The order the loop feeds them: pools first, so a node run inline never delays them.
LANE_ORDER = (PROCESSES, THREADS, INLINE)
_ALIASES = {
    "inline": INLINE,
    "main": INLINE,
    "sequential": INLINE,
    "thread": THREADS,
    "threads": THREADS,
    "process": PROCESSES,
    "processes": PROCESSES,
    "parallel": PROCESSES,
}
_MODEL_EXECUTOR = {"inline": INLINE, "threads": THREADS, "processes": PROCESSES}

Assign = Mapping[str, str] | Callable[[Any], "str | None"] | Any


def executor_name(value: Any, where: str) -> str:
    """``"threads"`` for ``"thread"``, ``"threads"``, ...; RunnerError naming ``where`` else."""
    name = _ALIASES.get(str(value).strip().lower()) if isinstance(value, str) else None
    if name is None:
        raise RunnerError(
            f"HybridRunner: {where} is {value!r}; give one of {', '.join(map(repr, EXECUTORS))}."
        )
    return name


def resolve(nodes: Sequence[Any], assign: Any, default: str) -> dict[Any, str]:
    """``{node: executor}`` for ``nodes`` under ``assign`` (see the module doc)."""
    if assign is None:
        return {node: _by_executor_tag(node, default) for node in nodes}
    if is_recommendation(assign):
        mapping, _ = recommendation_plan(assign)
        return {node: mapping.get(node.name, default) for node in nodes}
    if isinstance(assign, Mapping):
        return _by_mapping(nodes, assign, default)
    if callable(assign):
        out = {}
        for node in nodes:
            value = assign(node)
            where = f"assign({node.name!r})"
            out[node] = default if value is None else executor_name(value, where)
        return out
    raise RunnerError(
        f"HybridRunner(assign={assign!r}): give a mapping of node names or tags to "
        "executors, a function of the node, or a Recommendation."
    )


def is_recommendation(value: Any) -> bool:
    return isinstance(getattr(value, "options", None), Mapping) and isinstance(
        getattr(value, "kind", None), str
    )


def recommendation_plan(rec: Any) -> tuple[dict[str, str], tuple[int | None, int | None]]:
    """A Recommendation as ``({node name: executor}, (threads, processes))``.

    A hybrid recommendation carries its assignment and pool sizes in
    ``options``; any other puts every node on its runner's executor.
    """
    options = rec.options
    if "assign" in options:
        mapping = {
            str(name): executor_name(value, f"the recommendation's assignment of {name!r}")
            for name, value in dict(options["assign"]).items()
        }
        return mapping, (options.get("max_threads"), options.get("max_processes"))
    kind = registry.get(rec.kind)
    executor = _MODEL_EXECUTOR.get(kind.model, THREADS)
    workers = getattr(rec, "max_workers", None)
    everything = _Everything(executor)
    if executor == THREADS:
        return everything, (workers, None)
    return everything, (None, workers if executor == PROCESSES else None)


class _Everything(dict):  # type: ignore[type-arg]
    """``{any name: executor}``: every node on one executor."""

    def __init__(self, executor: str) -> None:
        super().__init__()
        self.executor = executor

    def get(self, key: Any, default: Any = None) -> Any:
        return self.executor


def _by_executor_tag(node: Any, default: str) -> str:
    tagged = sorted(set(getattr(node, "tags", ()) or ()) & set(EXECUTORS))
    if len(tagged) > 1:
        raise RunnerError(
            f"HybridRunner: node '{node.name}' is tagged {tagged}; tag it with one executor."
        )
    return tagged[0] if tagged else default


def _by_mapping(nodes: Sequence[Any], assign: Mapping[str, Any], default: str) -> dict[Any, str]:
    names = {node.name for node in nodes}
    tags = {tag for node in nodes for tag in (getattr(node, "tags", ()) or ())}
    unknown = [str(key) for key in assign if key not in names and key not in tags]
    if unknown:
        known = sorted(names | tags)
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise RunnerError(
            f"HybridRunner(assign=...): {', '.join(hints)} is neither a node name nor a tag "
            "of this pipeline; assign node names or tags that the pipeline has."
        )
    chosen = {str(key): executor_name(value, f"assign[{key!r}]") for key, value in assign.items()}
    out = {}
    for node in nodes:
        if node.name in chosen:
            out[node] = chosen[node.name]
            continue
        tags = sorted(getattr(node, "tags", ()) or ())
        by_tag = {tag: chosen[tag] for tag in tags if tag in chosen}
        if len(set(by_tag.values())) > 1:
            raise RunnerError(
                f"HybridRunner(assign=...): node '{node.name}' has tags assigned to different "
                f"executors ({', '.join(f'{t!r}: {e!r}' for t, e in by_tag.items())}); assign "
                "the node by name to settle it."
            )
        out[node] = next(iter(by_tag.values()), default)
    return out


def render(workers: int | None, options: Mapping[str, Any]) -> tuple[str, str]:
    """A configuration as (label, code to paste): ``HybridRunner(4 threads + 2 processes)``
    and the ``HybridRunner(...)`` call with its assignment, grouped by executor."""
    assign = dict(options.get("assign") or {})
    threads, processes = options.get("max_threads"), options.get("max_processes")
    words = ((threads, "thread", "threads"), (processes, "process", "processes"))
    sizes = [f"{n} {one if n == 1 else many}" for n, one, many in words if n]
    label = f"HybridRunner({' + '.join(sizes) or workers})"
    lines = ["HybridRunner(", "    {"]
    for executor in EXECUTORS:
        names = [name for name, value in assign.items() if value == executor]
        if not names:
            continue
        one_line = f"        **dict.fromkeys({json.dumps(names)}, {json.dumps(executor)}),"
        if len(one_line) <= 88:
            lines.append(one_line)
            continue
        lines += ["        **dict.fromkeys(", "            ["]
        row = ""
        for text in (json.dumps(name) + "," for name in names):
            if row and len(row) + len(text) > 70:
                lines.append(f"                {row}")
                row = ""
            row = f"{row} {text}" if row else text
        lines += [f"                {row}", "            ],"]
        lines += [f"            {json.dumps(executor)},", "        ),"]
    lines.append("    },")
    for key in ("default", "max_threads", "max_processes"):
        if options.get(key) is not None:
            lines.append(f"    {key}={json.dumps(options[key])},")
    lines.append(")")
    return label, "\n".join(lines)
