"""A Kedro hook that measures every node of a ``kedro run``, under any runner, in any process.

Registered in every Kedro project through the ``kedro.hooks`` entry point
once runadvisor is installed, and idle (one attribute check per hook call)
until something turns it on:

- ``RUNADVISOR_PROFILE=1`` (or ``RUNADVISOR_PROFILE = True`` in the project's
  ``settings.py``): each ``kedro run`` saves a runadvisor profile as JSON under
  ``<project>/profiles/`` (``RUNADVISOR_PROFILE_DIR`` to put it elsewhere),
  which ``kedro advise --from-profile`` turns into advice without another run;
- the advisor, measuring Kedro's own runners (:mod:`runadvisor.kedro.native`).

A node's span runs from its first hook (``before_dataset_loaded`` of its
first input, or ``before_node_run``) to its last (``after_dataset_saved`` of
its last output, ``after_node_run``, or ``on_node_error``), so loading and
saving count, as in runadvisor's own profiles. The profiler's task probe runs
in the node's thread between them: CPU time, GIL holding, waiting for a CPU
and peak memory are measured under Kedro's runners too. Under Kedro's
ParallelRunner the node hooks run in its worker processes: each process
appends its measurements to a spool folder (named to spawned workers through
``RUNADVISOR_KEDRO_SPOOL``), gathered when the run ends. What a profile could
not measure is recorded in it as data (``settings["measurements"]`` and the
fields left None), never as text.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILE_ENV = "RUNADVISOR_PROFILE"
PROFILE_DIR_ENV = "RUNADVISOR_PROFILE_DIR"
SPOOL_ENV = "RUNADVISOR_KEDRO_SPOOL"
_PROBES_FILE = "probes.pkl"
_TRUE = {"1", "true", "yes", "on"}

logger = logging.getLogger("runadvisor.kedro")

try:  # the decorator only marks methods; without Kedro the class is still importable
    from kedro.framework.hooks import hook_impl
except ImportError:  # pragma: no cover - the entry point is only loaded by Kedro

    def hook_impl(func: Callable[..., Any]) -> Callable[..., Any]:
        return func


@dataclass
class _Open:
    """A node between its first and last hook, in this process."""

    start: float
    thread: int
    cpu0: float
    states: list[Any]
    saves_left: int
    node_cpu0: float | None = None
    node_thread: int | None = None
    node_cpu: float | None = None
    outputs: dict[str, Any] | None = None


@dataclass
class _Recording:
    """What this process records into: the main process keeps events, workers spool them."""

    main_pid: int
    spool: str
    probes: tuple[Any, ...] = ()
    events: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    profiler: Any = None
    pipeline: Any = None
    run_params: dict[str, Any] = field(default_factory=dict)
    env_was: str | None = None


def profiling_requested() -> bool:
    """Whether the user asked for profiles of ``kedro run`` (environment or settings)."""
    value = os.environ.get(PROFILE_ENV)
    if value is not None:
        return value.strip().lower() in _TRUE
    try:
        from kedro.framework.project import settings

        return bool(settings.get(PROFILE_ENV, False))
    except Exception:  # no project configured, or settings without the option
        return False


class RunRecorder:
    """The hook (one instance per process, the entry point's ``hooks``)."""

    def __init__(self) -> None:
        self._recording: _Recording | None = None
        self._open: dict[str, _Open] = {}
        self._lock = threading.Lock()

    # -- switching on and off --------------------------------------------------------
    def start(self, probes: Sequence[Any] = (), profiler: Any = None) -> _Recording:
        """Record in this process and its workers from now on (until :meth:`finish`)."""
        spool = tempfile.mkdtemp(prefix="runadvisor-kedro-")
        recording = _Recording(os.getpid(), spool, tuple(probes), profiler=profiler)
        if probes:
            with open(os.path.join(spool, _PROBES_FILE), "wb") as file:
                import cloudpickle

                cloudpickle.dump(recording.probes, file)
        recording.env_was = os.environ.get(SPOOL_ENV)
        os.environ[SPOOL_ENV] = spool  # for workers started by spawn or forkserver
        self._open = {}
        self._recording = recording
        return recording

    def finish(self) -> list[Any]:
        """Stop recording; every node event of the run, from every process, by end time."""
        recording, self._recording = self._recording, None
        if recording is None:
            return []
        if recording.env_was is None:
            os.environ.pop(SPOOL_ENV, None)
        else:
            os.environ[SPOOL_ENV] = recording.env_was
        events = list(recording.events)
        for path in sorted(Path(recording.spool).glob("*.events")):
            events.extend(_read_spool(path))
        shutil.rmtree(recording.spool, ignore_errors=True)
        return sorted(events, key=lambda e: (e.end, e.node))

    def _current(self) -> _Recording | None:
        recording = self._recording
        if recording is not None:
            return recording
        spool = os.environ.get(SPOOL_ENV)
        if not spool or not os.path.isdir(spool):
            return None
        # A worker started by spawn or forkserver: record into the spool it names.
        probes: tuple[Any, ...] = ()
        probes_file = os.path.join(spool, _PROBES_FILE)
        if os.path.exists(probes_file):
            with open(probes_file, "rb") as file:
                probes = tuple(pickle.load(file))
        self._recording = _Recording(main_pid=-1, spool=spool, probes=probes)
        return self._recording

    # -- pipeline hooks (the main process) -------------------------------------------
    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        if self._recording is not None or not profiling_requested():
            return
        from runadvisor.profiles import Profiler

        profiler = Profiler(pipeline)
        recording = self.start(probes=(profiler.task_probe,), profiler=profiler)
        recording.pipeline = pipeline
        recording.run_params = dict(run_params)
        profiler.start()

    @hook_impl
    def after_pipeline_run(
        self, run_params: dict[str, Any], run_result: Any, pipeline: Any, catalog: Any
    ) -> None:
        self._save_profile(None)

    @hook_impl
    def on_pipeline_error(
        self, error: BaseException, run_params: dict[str, Any], pipeline: Any, catalog: Any
    ) -> None:
        self._save_profile(error)

    def _save_profile(self, error: BaseException | None) -> None:
        recording = self._recording
        if recording is None or recording.profiler is None or os.getpid() != recording.main_pid:
            return
        profiler = recording.profiler
        for event in self.finish():
            profiler(event)
        profile = profiler.stop(error)
        describe_profile(profile, recording.run_params)
        folder = os.environ.get(PROFILE_DIR_ENV) or os.path.join(
            recording.run_params.get("project_path") or os.getcwd(), "profiles"
        )
        try:
            path = profile.save(profile_file(folder, profile))
        except OSError as exc:
            logger.warning("runadvisor: could not save the run's profile in %s: %s", folder, exc)
            return
        logger.info("runadvisor: profile of this run saved to %s", path)

    # -- node and dataset hooks (wherever the node runs) -------------------------------
    def _begin(self, node: Any) -> None:
        recording = self._current()
        if recording is None:
            return
        with self._lock:
            if node.name in self._open:
                return
            states = [probe.before() for probe in recording.probes]
            self._open[node.name] = _Open(
                start=time.perf_counter(),
                thread=threading.get_native_id(),
                cpu0=time.thread_time(),
                states=states,
                saves_left=len(node.outputs),
            )

    def _end(self, node: Any, error: BaseException | None = None) -> None:
        recording = self._current()
        if recording is None:
            return
        with self._lock:
            record = self._open.pop(node.name, None)
        if record is None:
            return
        end = time.perf_counter()
        here = threading.get_native_id()
        same_thread = here == record.thread
        extras: dict[str, Any] = {}
        for probe, state in zip(recording.probes, record.states):
            try:
                extras.update(probe.after(state, record.outputs))
            except Exception:  # a probe must never break a run
                pass
        if same_thread:
            cpu = time.thread_time() - record.cpu0
        else:  # async loading or saving in other threads: only the node's own thread counts
            cpu = record.node_cpu or 0.0
            for key in ("profile.gil_held", "profile.cpu_wait"):
                extras.pop(key, None)
        from runadvisor.runners.events import NodeEvent

        event = NodeEvent(
            node=node.name,
            start=record.start,
            end=end,
            cpu=max(0.0, cpu),
            pid=os.getpid(),
            thread=record.thread,
            error=None if error is None else f"{type(error).__name__}: {error}",
            extras=extras,
        )
        if os.getpid() == recording.main_pid:
            with recording.lock:
                recording.events.append(event)
        else:
            _append_spool(recording.spool, event)

    @hook_impl
    def before_dataset_loaded(self, dataset_name: str, node: Any) -> None:
        if self._recording is not None or SPOOL_ENV in os.environ:
            self._begin(node)

    @hook_impl
    def before_node_run(self, node: Any, catalog: Any, inputs: Any, is_async: bool, run_id: Any):
        if self._recording is None and SPOOL_ENV not in os.environ:
            return None
        self._begin(node)
        record = self._open.get(node.name)
        if record is not None:
            record.node_thread = threading.get_native_id()
            record.node_cpu0 = time.thread_time()
        return None

    @hook_impl
    def after_node_run(
        self, node: Any, catalog: Any, inputs: Any, outputs: Any, is_async: bool, run_id: Any
    ) -> None:
        if self._recording is None and SPOOL_ENV not in os.environ:
            return
        record = self._open.get(node.name)
        if record is None:
            return
        if record.node_cpu0 is not None and record.node_thread == threading.get_native_id():
            record.node_cpu = time.thread_time() - record.node_cpu0
        record.outputs = dict(outputs or {})
        if record.saves_left <= 0:
            self._end(node)

    @hook_impl
    def on_node_error(
        self,
        error: BaseException,
        node: Any,
        catalog: Any,
        inputs: Any,
        is_async: bool,
        run_id: Any,
    ) -> None:
        if self._recording is not None or SPOOL_ENV in os.environ:
            self._end(node, error)

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node: Any) -> None:
        if self._recording is None and SPOOL_ENV not in os.environ:
            return
        record = self._open.get(node.name)
        if record is None:
            return
        with self._lock:
            record.saves_left -= 1
            done = record.saves_left <= 0 and record.outputs is not None
        if done:
            self._end(node)


def _append_spool(spool: str, event: Any) -> None:
    """Append one event to this process's spool file (one write, so never interleaved)."""
    data = pickle.dumps(event, protocol=pickle.HIGHEST_PROTOCOL)
    path = os.path.join(spool, f"{os.getpid()}.events")
    try:
        with open(path, "ab") as file:
            file.write(len(data).to_bytes(8, "little") + data)
    except OSError:  # the run ended and its spool is gone: nothing to record into
        pass


def _read_spool(path: Path) -> list[Any]:
    events = []
    try:
        data = path.read_bytes()
    except OSError:
        return events
    at = 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at : at + 8], "little")
        chunk = data[at + 8 : at + 8 + size]
        if len(chunk) < size:
            break  # a worker killed mid-write: keep what is whole
        events.append(pickle.loads(chunk))
        at += 8 + size
    return events


_RUNNER_CLASS = re.compile(r"<([\w.]+) object at")
_OUR_RUNNER = re.compile(r"^runadvisor\.kedro\.(\w+?)(\d*)\((?:max_workers=(\d+))?\)$")


def runner_from_run_params(text: str) -> tuple[str, int | None]:
    """The runner's class name as runadvisor's registry knows it, and its workers if said.

    ``kedro run`` records its runner as text: ``<kedro.runner.parallel_runner.
    ParallelRunner object at ...>`` for Kedro's (-> ``kedro.ParallelRunner``),
    ``runadvisor.kedro.ParallelRunner(max_workers=4)`` for ours (->
    ``ParallelRunner``, 4).
    """
    text = (text or "").strip()
    ours = _OUR_RUNNER.match(text)
    if ours:
        workers = ours.group(3) or ours.group(2)
        return ours.group(1), int(workers) if workers else None
    found = _RUNNER_CLASS.search(text)
    path = found.group(1) if found else text
    name = path.rsplit(".", 1)[-1] or "unknown"
    if path.startswith("kedro."):
        return f"kedro.{name}", None
    return name, None


def describe_profile(profile: Any, run_params: dict[str, Any]) -> None:
    """Name the profile's runner and say, as data, how it was recorded and what it measured."""
    runner, workers = runner_from_run_params(str(run_params.get("runner", "")))
    profile.runner = runner
    profile.max_workers = workers
    profile.settings.update(
        {
            "recorder": "kedro-hooks",
            "span": "first to last hook of each node (loading and saving included)",
            "measurements": measured_fields(profile),
            "kedro_run": {
                key: run_params.get(key)
                for key in ("pipeline_names", "env", "tags", "runtime_params", "namespaces")
                if run_params.get(key)
            },
        }
    )


def measured_fields(profile: Any) -> list[str]:
    """The measurements every node record of ``profile`` has."""
    records = list(profile.nodes)
    fields = ["wall", "cpu"]
    for name in ("gil_held", "cpu_wait", "peak_rss", "out_bytes"):
        if records and all(getattr(r, name) is not None for r in records):
            fields.append(name)
    return fields


def profile_file(folder: str, profile: Any) -> Path:
    """``<folder>/<time>-<runner>.json``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    runner = re.sub(r"[^\w.-]+", "-", profile.runner) or "run"
    return Path(folder) / f"kedro-run-{stamp}-{runner}.json"


#: The instance Kedro's plugin loader registers (entry point ``kedro.hooks``).
hooks = RunRecorder()
