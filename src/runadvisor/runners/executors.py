"""Executors for the scheduler loop: inline (sequential) and a thread pool.

The process pool lives in ``process_pool.py``. Each executor runs
``execute_node`` with the catalog's datasets, so loading and saving happen in
the worker thread and overlap with other nodes' work.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from typing import Any

from runadvisor.runners.scheduler import Completion
from runadvisor.runners.task import execute_node


class _CatalogTasks:
    """Shared by the in-process executors: how a node finds its datasets."""

    def __init__(self, catalog: Any, probes: Sequence[Any]) -> None:
        self._catalog = catalog
        self._probes = tuple(probes)

    def _run(self, node: Any) -> Completion:
        # Every dataset is here: the catalog itself is the node's mapping of datasets.
        _, event, error = execute_node(node, {}, self._catalog, self._probes)
        return Completion(node, event, error)

    def release(self, dataset: str) -> None:
        self._catalog.release(dataset)


class InlineExecutor(_CatalogTasks):
    """Runs each task when it is submitted, in the calling thread."""

    capacity = 1

    def __init__(self, catalog: Any, probes: Sequence[Any] = ()) -> None:
        super().__init__(catalog, probes)
        self._done: list[Completion] = []

    def submit(self, node: Any) -> None:
        self._done.append(self._run(node))

    def wait(self, timeout: float | None) -> list[Completion]:
        done, self._done = self._done, []
        return done

    def shutdown(self, cancel: bool = False) -> None:
        self._done.clear()


class ThreadExecutor(_CatalogTasks):
    """A minimal thread pool: one task queue in, one completion queue out.

    Lighter than ``concurrent.futures.ThreadPoolExecutor`` (no futures, no
    callbacks): a hand-off is one ``SimpleQueue.put`` each way. Threads start on
    demand, are daemons (a hung node cannot block interpreter exit; Python
    cannot kill a thread) and are named ``runadvisor-thread-N``.
    """

    def __init__(self, catalog: Any, max_workers: int, probes: Sequence[Any] = ()) -> None:
        super().__init__(catalog, probes)
        self.capacity = max_workers
        self._tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[Completion] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._busy = 0

    def _work(self) -> None:
        tasks, results, run = self._tasks, self._results, self._run
        while True:
            node = tasks.get()
            if node is None:
                return
            results.put(run(node))

    def submit(self, node: Any) -> None:
        self._busy += 1
        if self._busy > len(self._threads):
            thread = threading.Thread(
                target=self._work, name=f"runadvisor-thread-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        self._tasks.put(node)

    def wait(self, timeout: float | None) -> list[Completion]:
        try:
            done = [self._results.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                done.append(self._results.get_nowait())
            except queue.Empty:
                break
        self._busy -= len(done)
        return done

    def shutdown(self, cancel: bool = False) -> None:
        """Stop the threads once their current node ends; never blocks on a hung one."""
        for _ in self._threads:
            self._tasks.put(None)
        if not cancel:
            for thread in self._threads:
                thread.join()
        self._threads.clear()
