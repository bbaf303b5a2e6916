"""The runner kinds runadvisor knows, each described once.

A :class:`RunnerKind` says what a kind is called (``thread``), which class
runs it (``ThreadRunner``, imported only when needed), how to build it with N
workers, how the advisor's simulation models it, whether its data must pickle,
how simple it is (ties go to the simpler kind) and how reports colour it. The
advisor, the reports, the command line and the benchmarks read this registry;
adding a kind is one :func:`register` call plus the runner and its executor.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from runadvisor.runners.errors import RunnerError

#: How the simulation predicts a kind (``advisor/simulate.py``; ``hybrid`` and ``dask``
#: in ``advisor/hybrid.py`` and ``advisor/projection.py``).
MODELS = ("inline", "threads", "processes", "hybrid", "dask")


class UnknownRunnerError(RunnerError):
    """A runner name that is no registered kind."""

    def __init__(self, name: str, choices: list[str]) -> None:
        self.name = name
        self.choices = choices
        close = difflib.get_close_matches(name.lower(), choices, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        super().__init__(f"{name!r} is not a runner; use one of {', '.join(choices)}.{hint}")


@dataclass(frozen=True)
class RunnerKind:
    """One kind of runner, as every layer of runadvisor needs to know it.

    ``name``: what users type (``--runner thread``, ``advise(runners=["thread"])``).
    ``class_name``: how advice and reports name it. ``runner``: the class, or
    ``"module:Class"`` to import it lazily. ``model``: how the simulation
    predicts it (one of :data:`MODELS`). ``takes_workers``: False for a kind
    that always runs one node at a time. ``pickles``: data must pickle to
    reach its workers. ``rank``: simplicity, lowest first (ties go to it).
    ``advised``: a candidate of ``advise()`` unless the caller names kinds.

    Two optional fields serve kinds that are not runadvisor's own engine (such
    as Kedro's runners): ``probe`` ("module:function") measures the kind's own
    engine costs on this machine, in the fields of the advisor's
    ``MachineCosts``, once per machine and per version of the distributions in
    ``probe_versions`` (None: the machine's figures for its ``model``);
    ``fixed_workers(width, cores)`` is the one worker count the kind runs with
    when its users cannot choose one (a command line that takes only a class);
    it may return None where they can. Ranks of the built-in kinds are 10, 20
    and 30, leaving room for kinds that count as simpler than one of them.

    ``render`` ("module:function") serves kinds configured by more than a
    worker count (HybridRunner's assignment): ``function(workers, options)``
    returns ``(label, code)`` for a candidate with those ``options``.
    """

    name: str
    class_name: str
    runner: Any
    model: str
    takes_workers: bool = True
    pickles: bool = False
    rank: int = 10
    colour: str = "#5f7a3a"
    summary: str = ""
    aliases: tuple[str, ...] = ()
    advised: bool = True
    probe: str | None = None
    probe_versions: tuple[str, ...] = ()
    fixed_workers: Callable[[int, int], int] | None = None
    render: str | None = None

    def runner_class(self) -> type:
        """The runner class (imported on first use)."""
        if isinstance(self.runner, str):
            module, _, attr = self.runner.partition(":")
            return getattr(importlib.import_module(module), attr)
        return self.runner

    def build(self, workers: int | None = None, **options: Any) -> Any:
        """A fresh runner of this kind with ``workers`` workers (None: its default)."""
        cls = self.runner_class()
        if self.takes_workers and workers is not None:
            options["max_workers"] = workers
        return cls(**options)

    def _rendered(self, workers: int | None, options: dict[str, Any] | None) -> Any:
        if not options or not self.render:
            return None
        module, _, attr = self.render.partition(":")
        return getattr(importlib.import_module(module), attr)(workers, options)

    def label(self, workers: int | None, options: dict[str, Any] | None = None) -> str:
        """``ThreadRunner(4)``, or ``SequentialRunner`` for a kind without workers."""
        rendered = self._rendered(workers, options)
        if rendered is not None:
            return rendered[0]
        if not self.takes_workers or not workers:
            return self.class_name
        return f"{self.class_name}({workers})"

    def call(self, workers: int | None, options: dict[str, Any] | None = None) -> str:
        """The runner as code to paste: ``ThreadRunner(max_workers=4)``."""
        rendered = self._rendered(workers, options)
        if rendered is not None:
            return rendered[1]
        if not self.takes_workers or not workers:
            return f"{self.class_name}()"
        return f"{self.class_name}(max_workers={workers})"


_KINDS: dict[str, RunnerKind] = {}


def register(kind: RunnerKind, *, replace: bool = False) -> RunnerKind:
    """Add ``kind`` to the registry (``replace`` to redefine an existing name)."""
    if kind.model not in MODELS:
        raise ValueError(f"RunnerKind {kind.name!r}: model {kind.model!r} is not one of {MODELS}")
    if kind.name in _KINDS and not replace:
        raise ValueError(f"a runner kind named {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a kind (tests use this to clean up a fake one)."""
    _KINDS.pop(name, None)


def kinds() -> list[RunnerKind]:
    """Every registered kind, simplest first."""
    return sorted(_KINDS.values(), key=lambda k: (k.rank, k.name))


def names() -> list[str]:
    """The names of every registered kind, simplest first."""
    return [kind.name for kind in kinds()]


def advised() -> list[str]:
    """The kinds ``advise()`` considers when the caller names none."""
    return [kind.name for kind in kinds() if kind.advised]


def find(name: str) -> RunnerKind | None:
    """The kind called ``name``: its name, an alias or its class name, in any case."""
    key = name.strip().lower()
    for kind in _KINDS.values():
        if key in (kind.name.lower(), kind.class_name.lower(), *kind.aliases):
            return kind
    return None


def get(name: str) -> RunnerKind:
    """Like :func:`find`, but an unknown name raises :class:`UnknownRunnerError`."""
    kind = find(name)
    if kind is None:
        raise UnknownRunnerError(name, names())
    return kind


def of_runner(runner: Any) -> RunnerKind | None:
    """The kind a runner object (or class) belongs to, if it is registered."""
    cls = runner if isinstance(runner, type) else type(runner)
    for kind in _KINDS.values():
        try:
            if kind.runner_class() is cls:
                return kind
        except (ImportError, AttributeError):
            continue
    return None


def label_for(name: str, workers: int | None) -> str:
    """``ThreadRunner(4)`` for a kind or class name, registered or not."""
    kind = find(name)
    if kind is not None:
        return kind.label(workers)
    return f"{name}({workers})" if workers else name


def call_for(name: str, workers: int | None) -> str:
    """``ThreadRunner(max_workers=4)`` for a kind or class name, registered or not."""
    kind = find(name)
    if kind is not None:
        return kind.call(workers)
    return f"{name}(max_workers={workers})" if workers else f"{name}()"


def takes_workers(name: str) -> bool:
    """Whether the kind or class ``name`` runs several nodes at once (unknown: assume so)."""
    kind = find(name)
    return True if kind is None else kind.takes_workers


def resolve(names_or_kinds: Iterable[str]) -> list[RunnerKind]:
    """Kinds for a list of names (unknown ones raise), duplicates dropped, order kept."""
    out: list[RunnerKind] = []
    for name in names_or_kinds:
        kind = get(str(name))
        if kind not in out:
            out.append(kind)
    return out


register(
    RunnerKind(
        name="sequential",
        class_name="SequentialRunner",
        runner="runadvisor.runners.sequential:SequentialRunner",
        model="inline",
        takes_workers=False,
        rank=10,
        colour="#6b7280",
        summary="one node at a time, in the calling thread",
    )
)
register(
    RunnerKind(
        name="thread",
        class_name="ThreadRunner",
        runner="runadvisor.runners.thread:ThreadRunner",
        model="threads",
        rank=20,
        colour="#2a9d8f",
        summary="a pool of threads sharing this process's memory",
        aliases=("threads",),
    )
)
register(
    RunnerKind(
        name="parallel",
        class_name="ParallelRunner",
        runner="runadvisor.runners.parallel:ParallelRunner",
        model="processes",
        pickles=True,
        rank=30,
        colour="#7b5ea7",
        summary="a pool of worker processes",
        aliases=("process", "processes"),
    )
)


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, checked without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


register(
    RunnerKind(
        name="hybrid",
        class_name="HybridRunner",
        runner="runadvisor.runners.hybrid:HybridRunner",
        model="hybrid",
        rank=40,
        colour="#d17a22",
        summary="each node in its own executor: inline, a thread pool or a process pool",
        render="runadvisor.runners.assignment:render",
    )
)
register(
    RunnerKind(
        name="dask",
        class_name="DaskRunner",
        runner="runadvisor.dask.runner:DaskRunner",
        model="dask",
        pickles=True,
        rank=50,
        colour="#c0392b",
        summary="a Dask cluster: a LocalCluster here, or a scheduler address",
        advised=_installed("distributed"),  # a candidate where the extra is installed
        probe="runadvisor.dask.probe:probe",
        probe_versions=("dask", "distributed"),
    )
)
