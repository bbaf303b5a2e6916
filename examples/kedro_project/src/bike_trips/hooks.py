"""A project hook: an audit trail of every node and dataset event.

With ``BIKE_TRIPS_AUDIT_LOG=/path/file`` set, each event is appended to that
file as one line ``event<TAB>name<TAB>pid``, from whichever process runs it
(under a parallel runner, the worker processes); without it, the events are
logged at DEBUG level.
"""

from __future__ import annotations

import logging
import os

from kedro.framework.hooks import hook_impl

logger = logging.getLogger(__name__)


class AuditHook:
    """Records each node run and each dataset load and save."""

    def _record(self, event: str, name: str) -> None:
        path = os.environ.get("BIKE_TRIPS_AUDIT_LOG")
        if not path:
            logger.debug("%s %s", event, name)
            return
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{event}\t{name}\t{os.getpid()}\n")

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog):
        self._record("before_pipeline_run", str(run_params.get("runner", "")))

    @hook_impl
    def before_node_run(self, node, catalog, inputs, is_async, run_id):
        self._record("before_node_run", node.name)

    @hook_impl
    def after_node_run(self, node, catalog, inputs, outputs, is_async, run_id):
        self._record("after_node_run", node.name)

    @hook_impl
    def on_node_error(self, error, node, catalog, inputs, is_async, run_id):
        self._record("on_node_error", node.name)

    @hook_impl
    def after_dataset_loaded(self, dataset_name, data, node):
        self._record("after_dataset_loaded", dataset_name)

    @hook_impl
    def after_dataset_saved(self, dataset_name, data, node):
        self._record("after_dataset_saved", dataset_name)

    @hook_impl
    def after_pipeline_run(self, run_params, run_result, pipeline, catalog):
        self._record("after_pipeline_run", ",".join(sorted(run_result)))
