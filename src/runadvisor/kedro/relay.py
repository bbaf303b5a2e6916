"""Firing a Kedro project's hooks from whichever thread or process runs a node.

A :class:`HookRelay` holds the run's pluggy hook manager (the project's
``settings.HOOKS`` and the installed plugins' hooks) and the run's Kedro
catalog, which node hooks receive. Worker processes forked by runadvisor's
ParallelRunner inherit it as it is. Under spawn or forkserver it travels by
pickling without the hook manager, and the worker builds one the way Kedro's
own ParallelRunner does in its workers: the project is configured from its
package name and the hooks are registered from ``settings.HOOKS`` and the
``kedro.hooks`` entry points. The catalog travels when it pickles; hooks in
such a worker get None otherwise.
"""

from __future__ import annotations

import logging
import os
from typing import Any

logger = logging.getLogger(__name__)


class _NoHooks:
    """Stands in for a hook manager when a runner is used without one: every call is a no-op."""

    def __getattr__(self, name: str) -> Any:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


class HookRelay:
    """The hooks of one Kedro run, usable in any worker.

    ``manager``: the run's hook manager (None: no hooks). ``catalog``: the
    Kedro catalog node hooks receive. ``package``: the project's package name,
    to configure the project in a spawned worker. ``run_id`` and ``is_async``
    are what node hooks are told.
    """

    def __init__(
        self,
        manager: Any = None,
        catalog: Any = None,
        package: str | None = None,
        run_id: str | None = None,
        is_async: bool = False,
    ) -> None:
        self._manager = manager
        self._had_manager = manager is not None
        self.catalog = catalog
        self.package = package
        self.run_id = run_id
        self.is_async = is_async

    @property
    def hook(self) -> Any:
        """The hook caller (``relay.hook.before_node_run(...)``)."""
        if self._manager is None:
            if not self._had_manager:
                return _NoHooks()
            self._manager = _rebuild_manager(self.package)
        return self._manager.hook

    def manager_for_run(self) -> Any:
        """The hook manager itself (None when the run has no hooks)."""
        if self._manager is None and self._had_manager:
            self._manager = _rebuild_manager(self.package)
        return self._manager

    def load(self, name: str, dataset: Any) -> Any:
        """Load ``dataset`` as the Kedro catalog does (its logging and validation included)."""
        if self.catalog is not None:
            return self.catalog.load(name)
        return dataset.load()

    def save(self, name: str, dataset: Any, data: Any) -> None:
        """Save to ``dataset`` as the Kedro catalog does."""
        if self.catalog is not None:
            self.catalog.save(name, data)
        else:
            dataset.save(data)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_manager"] = None  # a plugin manager does not pickle; rebuilt where needed
        if self.catalog is not None and not _pickles(self.catalog):
            state["catalog"] = None
        return state


def _pickles(value: Any) -> bool:
    try:
        import cloudpickle

        cloudpickle.dumps(value)
    except Exception:
        return False
    return True


def _rebuild_manager(package: str | None) -> Any:
    """A hook manager as Kedro's own ParallelRunner builds one in its workers."""
    from kedro.framework.hooks.manager import (
        _create_hook_manager,
        _register_hooks,
        _register_hooks_entry_points,
    )
    from kedro.framework.project import PACKAGE_NAME, configure_project, settings

    if package and package != PACKAGE_NAME:
        configure_project(package)
    manager = _create_hook_manager()
    _register_hooks(manager, settings.HOOKS)
    _register_hooks_entry_points(manager, settings.DISABLE_HOOKS_FOR_PLUGINS)
    logger.debug("hook manager rebuilt in process %d for %s", os.getpid(), package)
    return manager


__all__ = ["HookRelay"]
