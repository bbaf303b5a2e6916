"""A Kedro pipeline as runadvisor's engine runs it: every node fires the project's hooks.

:class:`HookedNode` wraps one Kedro node. The engine hands it the node's
inputs and stores what it returns, as for any node; in between it fires
Kedro's hooks in Kedro's order (``before_dataset_loaded``,
``after_dataset_loaded``, ``before_node_run``, the node, ``on_node_error`` or
``after_node_run``, ``before_dataset_saved``, ``after_dataset_saved``), in
whichever thread or process runs it. Datasets that can be used anywhere
(files; see :mod:`runadvisor.kedro.catalog`) are loaded and saved by the node
itself, between their hooks: the engine passes it a :data:`DEFERRED` marker
for them and stores the :data:`SAVED` marker it returns. Everything else (data
in memory, datasets that must stay in one process) the engine moves as usual,
and its hooks fire around the hand-over.

:class:`RunPipeline` is the pipeline the engine sees: the Kedro pipeline's
nodes wrapped, its dependencies, inputs and filters, nothing else.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from runadvisor.kedro.relay import HookRelay


class _Marker:
    """A marker that pickles to itself (so ``is`` works in every process)."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"<{self._name}>"

    def __reduce__(self) -> str:
        return self._name


#: What the engine "loads" from a dataset the node loads itself.
DEFERRED: Any = _Marker("DEFERRED")
#: What the node returns for an output it saved itself.
SAVED: Any = _Marker("SAVED")


class HookedNode:
    """One Kedro node, run with the project's hooks (see the module doc).

    ``own`` maps the names of the datasets this node loads and saves itself to
    those datasets (the run's Kedro dataset objects); ``elsewhere`` names the
    outputs saved to datasets the engine keeps in another process (a generator
    node returns all their chunks, as the engine's ``Chunks``). The node
    streams chunks and confirms datasets itself, so the engine sees
    ``yields_chunks = False`` and no ``confirms``.
    """

    yields_chunks = False
    confirms: tuple[str, ...] = ()

    def __init__(
        self,
        node: Any,
        relay: HookRelay,
        own: Mapping[str, Any],
        elsewhere: Iterable[str] = (),
    ) -> None:
        self.node = node
        self.relay = relay
        self.own = dict(own)
        self.elsewhere = frozenset(elsewhere)
        self.name: str = node.name
        self.inputs: list[str] = list(node.inputs)
        self.outputs: list[str] = list(node.outputs)
        self.tags = set(node.tags)
        self.namespace = node.namespace
        self.func = node.func
        self._confirms = list(getattr(node, "confirms", ()) or ())

    def __repr__(self) -> str:
        return f"HookedNode({self.name!r})"

    # -- running ------------------------------------------------------------------------
    def run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Fire the hooks, load what the node loads itself, run it, save what it saves."""
        relay = self.relay
        hook, node = relay.hook, self.node
        values = self._load(inputs, hook)
        before = hook.before_node_run(
            node=node,
            catalog=relay.catalog,
            inputs=dict(values),
            is_async=relay.is_async,
            run_id=relay.run_id,
        )
        for response in before or ():
            if response is not None and not isinstance(response, dict):
                raise TypeError(
                    "'before_node_run' must return either None or a dictionary mapping "
                    f"dataset names to updated values, got '{type(response).__name__}' instead."
                )
            values.update(response or {})
        try:
            outputs = node.run(values)
        except Exception as exc:
            hook.on_node_error(
                error=exc,
                node=node,
                catalog=relay.catalog,
                inputs=values,
                is_async=relay.is_async,
                run_id=relay.run_id,
            )
            raise
        hook.after_node_run(
            node=node,
            catalog=relay.catalog,
            inputs=values,
            outputs=outputs,
            is_async=relay.is_async,
            run_id=relay.run_id,
        )
        returned = self._save(outputs, hook)
        for name in self._confirms:
            self._confirm(name)
        return returned

    def _load_one(self, name: str, value: Any, hook: Any) -> Any:
        hook.before_dataset_loaded(dataset_name=name, node=self.node)
        if value is DEFERRED:
            value = self.relay.load(name, self.own[name])
        hook.after_dataset_loaded(dataset_name=name, data=value, node=self.node)
        return value

    def _load(self, inputs: dict[str, Any], hook: Any) -> dict[str, Any]:
        names = self.inputs
        deferred = [name for name in names if inputs.get(name) is DEFERRED]
        if self.relay.is_async and len(deferred) > 1:
            with ThreadPoolExecutor(max_workers=len(names)) as pool:
                futures = {
                    name: pool.submit(self._load_one, name, inputs[name], hook) for name in names
                }
                return {name: futures[name].result() for name in names}
        return {name: self._load_one(name, inputs[name], hook) for name in names}

    def _save_one(self, name: str, data: Any, hook: Any) -> Any:
        hook.before_dataset_saved(dataset_name=name, data=data, node=self.node)
        dataset = self.own.get(name)
        if dataset is not None:
            self.relay.save(name, dataset, data)
        hook.after_dataset_saved(dataset_name=name, data=data, node=self.node)
        return SAVED if dataset is not None else data

    def _save(self, outputs: dict[str, Any], hook: Any) -> dict[str, Any]:
        if outputs and inspect.isgeneratorfunction(self.node.func):
            return self._save_chunks(outputs, hook)
        if self.relay.is_async and sum(name in self.own for name in outputs) > 1:
            with ThreadPoolExecutor(max_workers=len(outputs)) as pool:
                futures = {
                    name: pool.submit(self._save_one, name, data, hook)
                    for name, data in outputs.items()
                }
                return {name: future.result() for name, future in futures.items()}
        return {name: self._save_one(name, data, hook) for name, data in outputs.items()}

    def _save_chunks(self, outputs: dict[str, Any], hook: Any) -> dict[str, Any]:
        """A generator node's outputs, chunk by chunk, as Kedro streams them.

        Chunks of outputs saved elsewhere come back together (the engine saves
        them in order where the dataset lives); in-memory outputs keep the last.
        """
        from runadvisor.runners.task import Chunks

        returned: dict[str, Any] = {}
        streams = [iter(stream) for stream in outputs.values()]
        keys = list(outputs)
        for name, chunk in zip(itertools.cycle(keys), _interleave(streams)):
            value = self._save_one(name, chunk, hook)
            if name in self.elsewhere:
                returned.setdefault(name, Chunks()).append(value)
            else:
                returned[name] = value
        return returned

    def _confirm(self, name: str) -> None:
        dataset = self.own.get(name)
        if dataset is not None and hasattr(dataset, "confirm"):
            dataset.confirm()
        elif self.relay.catalog is not None:
            self.relay.catalog.confirm(name)


def _count(pipeline: Any, filters: dict[str, Any]) -> int:
    """How many nodes Kedro's ``filter`` keeps (0 where Kedro refuses an empty result)."""
    try:
        return len(pipeline.filter(**filters).nodes)
    except ValueError:
        return 0


def _interleave(streams: list[Any]) -> Iterable[Any]:
    """One item of each stream in turn, until every stream is exhausted."""
    active = list(streams)
    while active:
        for stream in list(active):
            try:
                yield next(stream)
            except StopIteration:
                active.remove(stream)


class RunPipeline:
    """What runadvisor's engine needs of a pipeline, for a Kedro pipeline with hooked nodes.

    ``RunPipeline(kedro_pipeline, hooked)``: ``hooked`` maps each Kedro node to
    its :class:`HookedNode`; filtered views share it. ``RunPipeline([hooked
    nodes])`` builds one from hooked nodes (the engine asks for an empty one).
    """

    def __init__(self, source: Any = (), hooked: Mapping[Any, HookedNode] | None = None) -> None:
        if hooked is None:
            from kedro.pipeline import Pipeline

            wrapped = list(source)
            hooked = {h.node: h for h in wrapped}
            source = Pipeline([h.node for h in wrapped])
        self.source = source
        self._hooked = hooked
        self._nodes: list[HookedNode] | None = None
        self._parents: dict[HookedNode, set[HookedNode]] | None = None

    def _view(self, source: Any) -> RunPipeline:
        return RunPipeline(source, self._hooked)

    def __repr__(self) -> str:
        return f"RunPipeline({len(self.nodes)} nodes)"

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def nodes(self) -> list[HookedNode]:
        """The hooked nodes in Kedro's topological order."""
        if self._nodes is None:
            self._nodes = [self._hooked[n] for n in self.source.nodes]
        return self._nodes

    @property
    def node_dependencies(self) -> dict[HookedNode, set[HookedNode]]:
        """Each hooked node's parents."""
        if self._parents is None:
            hooked = self._hooked
            self._parents = {
                hooked[child]: {hooked[p] for p in parents}
                for child, parents in self.source.node_dependencies.items()
            }
        return self._parents

    @property
    def grouped_nodes(self) -> list[list[HookedNode]]:
        """The nodes level by level."""
        return [[self._hooked[n] for n in group] for group in self.source.grouped_nodes]

    def inputs(self) -> set[str]:
        """Free inputs."""
        return set(self.source.inputs())

    def outputs(self) -> set[str]:
        """Free outputs."""
        return set(self.source.outputs())

    def all_inputs(self) -> set[str]:
        """Every dataset a node reads."""
        return set(self.source.all_inputs())

    def all_outputs(self) -> set[str]:
        """Every dataset a node writes."""
        return set(self.source.all_outputs())

    def datasets(self) -> set[str]:
        """Every dataset the pipeline reads or writes."""
        return set(self.source.datasets())

    def only_nodes(self, *names: str) -> RunPipeline:
        """Only the named nodes."""
        return self._view(self.source.only_nodes(*names))

    def from_nodes(self, *names: str) -> RunPipeline:
        """The named nodes and everything downstream."""
        return self._view(self.source.from_nodes(*names))

    def to_nodes(self, *names: str) -> RunPipeline:
        """The named nodes and everything upstream."""
        return self._view(self.source.to_nodes(*names))

    def filter(self, **options: Any) -> RunPipeline:
        """Kedro's ``Pipeline.filter`` (tags, node_names, from_nodes, ...), with runadvisor's
        typed errors: UnknownNamesError (with the argument) and EmptySelectionError."""
        from runadvisor.pipeline.errors import EmptySelectionError, UnknownNamesError

        given = {k: ([v] if isinstance(v, str) else list(v)) for k, v in options.items() if v}
        nodes = {n.name for n in self.source.nodes}
        known = {
            "node_names": ("node", nodes),
            "from_nodes": ("node", nodes),
            "to_nodes": ("node", nodes),
            "from_inputs": ("dataset", set(self.source.datasets())),
            "to_outputs": ("dataset", set(self.source.datasets())),
            "node_namespaces": ("namespace", {n.namespace for n in self.source.nodes}),
        }
        applied = []
        for argument, names in given.items():
            what, names_known = known.get(argument, ("", None))
            unknown = [] if names_known is None else [n for n in names if n not in names_known]
            if unknown:
                error = UnknownNamesError(what, unknown, names_known, "filter()")
                error.argument = argument
                raise error
            count = _count(self.source, {argument: names})
            applied.append((argument, names, count, None if count else "it selects no node"))
        if given and _count(self.source, given) == 0:
            raise EmptySelectionError(applied)
        return self._view(self.source.filter(**given) if given else self.source)

    def dataset_producers(self) -> dict[str, HookedNode]:
        """Each output's producing node."""
        return {name: node for node in self.nodes for name in node.outputs}
