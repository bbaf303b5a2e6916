"""Which Kedro names map onto which runadvisor names: the shim's only data.

A Kedro name is identified by where Kedro defines it (``kedro.io.core:Version``),
so every module that re-exports it maps it the same way. Only public names are
mapped; a private name never is.
"""

from __future__ import annotations

# A public name Kedro defines under the key maps onto the same name in the value
# package when runadvisor exports it there (its ``__all__``). Names runadvisor adds
# later under Kedro's name are picked up without touching this file.
SAME_NAME_PACKAGES: dict[str, str] = {
    "kedro.pipeline": "runadvisor.pipeline",
    "kedro.io": "runadvisor.io",
    "kedro.runner": "runadvisor.runners",
}

# Kedro names whose runadvisor counterpart lives elsewhere or is named differently.
EXPLICIT: dict[str, str] = {
    "kedro_datasets.pandas:CSVDataset": "runadvisor.io:CSVDataset",
    "kedro_datasets.pandas:ParquetDataset": "runadvisor.io:ParquetDataset",
    "kedro_datasets.pickle:PickleDataset": "runadvisor.io:PickleDataset",
    "kedro_datasets.json:JSONDataset": "runadvisor.io:JSONDataset",
}

# Public names runadvisor exports under Kedro's name but with another meaning:
# never mapped, so a test of Kedro's meaning fails instead of testing ours.
NEVER: frozenset[str] = frozenset()

# Harness plumbing, not a mapping: tests/test_utils.py (a helper module whose own
# tests are not collected) applies ``@experimental`` at import time, and
# tests/runner/conftest.py imports its helper functions. No collected test checks it.
PLUMBING: dict[str, str] = {
    "kedro.utils:experimental": "_kedro_shim.plumbing:experimental",
}

# Diagnostic only (run.py --null-hooks): Kedro's private hook-manager factories
# become a manager whose hooks do nothing, to see the runner behaviour behind the
# hook plumbing. Never used for the headline counts.
NULL_HOOKS: dict[str, str] = {
    "kedro.framework.hooks.manager:_create_hook_manager": "_kedro_shim.plumbing:NullHookManager",
    "kedro.framework.hooks.manager:_NullPluginManager": "_kedro_shim.plumbing:NullHookManager",
}

# kedro-datasets is not in Kedro's repository: its modules and the names the shim
# knows there (other public names there become placeholders).
KEDRO_DATASETS: dict[str, tuple[str, ...]] = {
    "kedro_datasets": ("pandas", "pickle", "json"),
    "kedro_datasets.pandas": ("CSVDataset", "ParquetDataset"),
    "kedro_datasets.pickle": ("PickleDataset",),
    "kedro_datasets.json": ("JSONDataset",),
}
