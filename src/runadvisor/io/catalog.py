"""``DataCatalog``: the mapping from dataset names to datasets that a run reads and writes.

Kedro 1.x's catalog: datasets given as objects, or described by entries (from
``from_config``) that become datasets when first asked for; names that match a
dataset factory pattern become datasets the same way. Any object with
``load()`` and ``save(data)`` is a dataset (so Kedro's own datasets work
unchanged); any other value is data and is wrapped in a ``MemoryDataset``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from runadvisor.exceptions import add_note
from runadvisor.io.config import TYPE_KEY, dataset_from_config, resolve_dataset_type
from runadvisor.io.config_resolver import CatalogConfigResolver
from runadvisor.io.core import (
    DatasetError,
    DatasetNotFoundError,
    VersionAlreadyExistsError,
    dataset_exists,
    is_ephemeral,
    release_dataset,
)
from runadvisor.io.entries import LazyDataset, as_dataset, is_memory_dataset, version_of
from runadvisor.io.memory import MemoryDataset
from runadvisor.io.versioning import Version, generate_timestamp

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["DataCatalog", "dataset_exists", "is_ephemeral", "release_dataset"]


def _log_warning(message: str) -> None:
    import logging  # only on these rare paths: logging costs ~10 ms to import

    logging.getLogger(__name__).warning(message)


def _type_path(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


class DataCatalog:
    """Datasets by name: ``load``, ``save``, ``exists``, ``release`` and mapping access.

    ``datasets`` maps names to datasets or raw values (wrapped in
    ``MemoryDataset``); ``config_resolver`` holds the entries and patterns of
    ``from_config``; ``load_versions``/``save_version`` pin the versions of
    versioned datasets. ``validation_enabled`` is accepted for Kedro 1.7 code,
    but catalog validators are not applied. ``raw_data`` (runadvisor's) maps
    names to values that are always stored as data, even if they have
    ``load``/``save`` methods.
    """

    default_runtime_patterns: ClassVar[dict[str, dict[str, Any]]] = {
        "{default}": {"type": "MemoryDataset"}
    }

    def __init__(
        self,
        datasets: dict[str, Any] | None = None,
        config_resolver: CatalogConfigResolver | None = None,
        load_versions: dict[str, str] | None = None,
        save_version: str | None = None,
        validation_enabled: bool = True,
        *,
        raw_data: dict[str, Any] | None = None,
    ) -> None:
        self._config_resolver = config_resolver or CatalogConfigResolver(
            default_runtime_patterns=self.default_runtime_patterns
        )
        self._datasets: dict[str, Any] = {}
        self._lazy_datasets: dict[str, LazyDataset] = {}
        self._load_versions: dict[str, str] = dict(load_versions or {})
        self._save_version = save_version
        self.validation_enabled = validation_enabled  # accepted; validators are not applied
        for name, value in (datasets or {}).items():
            self[name] = value
        for name in list(self._config_resolver.config):
            if name in self._datasets:  # the object given wins over the entry, as in Kedro
                _log_warning(
                    f"Cannot register dataset '{name}' from config: a dataset with the same "
                    "name was already provided in the `datasets` argument."
                )
                self._config_resolver.config.pop(name)
            else:
                self._add_from_config(name, self._config_resolver.config[name])
        for name, value in (raw_data or {}).items():
            self._lazy_datasets.pop(name, None)
            self._datasets[name] = MemoryDataset(data=value)

    @classmethod
    def from_config(
        cls,
        catalog: dict[str, dict[str, Any]] | None,
        credentials: dict[str, dict[str, Any]] | None = None,
        load_versions: dict[str, str] | None = None,
        save_version: str | None = None,
        validation_enabled: bool = True,
    ) -> DataCatalog:
        """A catalog from Kedro's ``catalog.yml`` shape (entries and patterns by name).

        Entries become datasets when first asked for. ``credentials`` are looked
        up by the entries' ``credentials: <name>``; versioned datasets save to
        ``save_version`` (now, by default) and load ``load_versions[name]``
        (the newest, by default).
        """
        resolver = CatalogConfigResolver(catalog or {}, credentials, cls.default_runtime_patterns)
        load_versions = dict(load_versions or {})
        missing = [
            name
            for name in load_versions
            if not (name in resolver.config or resolver.match_dataset_pattern(name))
        ]
        if missing:
            raise DatasetNotFoundError(
                f"'load_versions' keys [{', '.join(sorted(missing))}] are not found in the catalog."
            )
        return cls(
            config_resolver=resolver,
            load_versions=load_versions,
            save_version=save_version or generate_timestamp(),
            validation_enabled=validation_enabled,
        )

    @property
    def config_resolver(self) -> CatalogConfigResolver:
        """The entries and dataset factory patterns this catalog resolves names with."""
        return self._config_resolver

    def _add_from_config(self, name: str, config: dict[str, Any]) -> None:
        if not isinstance(config, dict) or TYPE_KEY not in config:
            dataset_from_config(name, config)  # raises the error that says what is wrong
        self[name] = LazyDataset(name, config, self._load_versions.get(name), self._save_version)

    # -- the mapping ---------------------------------------------------------

    def __setitem__(self, key: str, value: Any) -> None:
        """Register ``value`` (a dataset, or data for a ``MemoryDataset``) as ``key``."""
        if key in self._datasets or key in self._lazy_datasets:
            _log_warning(f"Replacing dataset '{key}'")
            self._datasets.pop(key, None)
            self._lazy_datasets.pop(key, None)
            self._config_resolver.config.pop(key, None)
            self._load_versions.pop(key, None)
        if isinstance(value, LazyDataset):
            self._lazy_datasets[key] = value
            return
        dataset = as_dataset(key, value)
        self._check_versions(key, dataset)
        self._datasets[key] = dataset

    def _check_versions(self, name: str, dataset: Any) -> None:
        """Take a versioned dataset's load version; refuse a second save version."""
        version = version_of(dataset)
        if version is None:
            return
        if version.save:
            current = self._save_version or version.save
            if current != version.save:
                raise VersionAlreadyExistsError(
                    f"Cannot add a dataset `{name}` with `{version.save}` save version. Save "
                    f"version set for the catalog is `{current}`. All datasets in the "
                    "catalog must have the same save version."
                )
            self._save_version = current
        if version.load:
            self._load_versions[name] = version.load

    def get(
        self, key: str, fallback_to_runtime_pattern: bool = False, version: Version | None = None
    ) -> Any:
        """The dataset called ``key``, created from its entry or pattern if need be; else None.

        With ``fallback_to_runtime_pattern`` a name that matches nothing gets
        the runtime pattern's dataset (a ``MemoryDataset``). ``version`` gives a
        copy of a versioned dataset that loads that version.
        """
        dataset = self._datasets.get(key)
        if dataset is None and key not in self._datasets:
            lazy = self._lazy_datasets.get(key)
            if lazy is None:
                if key not in self and not fallback_to_runtime_pattern:
                    return None
                lazy = LazyDataset(
                    key,
                    self._config_resolver.resolve_pattern(key),
                    self._load_versions.get(key),
                    self._save_version,
                )
            dataset = lazy.materialize()
            self._lazy_datasets.pop(key, None)
            self._check_versions(key, dataset)
            self._datasets[key] = dataset
        if version and callable(getattr(dataset, "resolve_load_version", None)):
            dataset = dataset._copy(_version=version)
        return dataset

    def __getitem__(self, ds_name: str) -> Any:
        dataset = self._datasets.get(ds_name)  # the runners' hot path
        if dataset is not None:
            return dataset
        dataset = self.get(ds_name)
        if dataset is None:
            raise self._not_found(ds_name)
        return dataset

    def __contains__(self, name: object) -> bool:
        """Registered, or matched by a dataset factory pattern (the runtime one aside)."""
        if name in self._datasets or name in self._lazy_datasets:
            return True
        if not isinstance(name, str):
            return False
        resolver = self._config_resolver
        return (
            resolver.match_dataset_pattern(name) is not None
            or resolver.match_user_catch_all_pattern(name) is not None
        )

    def keys(self) -> list[str]:
        """The registered names: entries not yet created first, then datasets (as Kedro)."""
        return [*self._lazy_datasets, *self._datasets]

    def values(self) -> list[Any]:
        """The datasets, in ``keys()`` order (entries are created)."""
        return [self[name] for name in self.keys()]

    def items(self) -> list[tuple[str, Any]]:
        """``(name, dataset)`` pairs, in ``keys()`` order (entries are created)."""
        return [(name, self[name]) for name in self.keys()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._lazy_datasets) + len(self._datasets)

    def _ipython_key_completions_(self) -> list[str]:
        return self.keys()

    def __repr__(self) -> str:
        if not len(self):
            return f"{type(self).__name__}()"
        entries = {**self._lazy_datasets, **self._datasets}
        lines = [f"  {name!r}: {entry!r}," for name, entry in entries.items()]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def _not_found(self, name: str) -> DatasetNotFoundError:
        import difflib  # only on this error path

        message = f"Dataset '{name}' not found in the catalog"
        matches = difflib.get_close_matches(str(name), [str(k) for k in self.keys()], n=3)
        if matches:
            message += " - did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
        else:
            message += ". Register it (catalog[name] = dataset) or check the spelling."
        return DatasetNotFoundError(message)

    # -- types and config ----------------------------------------------------

    def get_type(self, ds_name: str) -> str | None:
        """The dataset class of ``ds_name`` as ``module.Class``, without creating it; None if
        the catalog has no such name."""
        if ds_name not in self:
            return None
        if ds_name in self._datasets:
            return _type_path(type(self._datasets[ds_name]))
        lazy = self._lazy_datasets.get(ds_name)
        config = lazy.config if lazy is not None else self._config_resolver.resolve_pattern(ds_name)
        return _type_path(resolve_dataset_type(config.get(TYPE_KEY), ds_name))

    def filter(
        self,
        name_regex: re.Pattern[str] | str | None = None,
        type_regex: re.Pattern[str] | str | None = None,
        by_type: type | list[type] | None = None,
    ) -> list[str]:
        """Names whose name matches ``name_regex`` and whose type path matches
        ``type_regex`` or is one of ``by_type`` (each filter optional)."""
        names = self.keys()
        if name_regex:
            names = [name for name in names if re.search(name_regex, name)]
        wanted = set()
        if by_type:
            for kind in by_type if isinstance(by_type, list) else [by_type]:
                wanted.add(_type_path(kind))
        if not (wanted or type_regex):
            return names
        chosen = []
        for name in names:
            path = self.get_type(name) or ""
            if (not type_regex or re.search(type_regex, path)) and (not wanted or path in wanted):
                chosen.append(name)
        return chosen

    def to_config(
        self,
    ) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, str | None], str | None]:
        """``(catalog, credentials, load_versions, save_version)`` that ``from_config``
        turns back into this catalog; memory datasets are left out, as in Kedro."""
        catalog: dict[str, dict[str, Any]] = {}
        credentials: dict[str, Any] = {}
        load_versions: dict[str, str | None] = {}
        configs: list[tuple[str, dict[str, Any]]] = []
        for name, lazy in self._lazy_datasets.items():
            if not is_memory_dataset(str(lazy.config.get(TYPE_KEY, ""))):
                configs.append((name, lazy.config))
        for name, dataset in self._datasets.items():
            if is_memory_dataset(dataset):
                continue
            init_config = getattr(dataset, "_init_config", None)
            if not callable(init_config):
                raise DatasetError(
                    f"catalog.to_config(): dataset '{name}' ({type(dataset).__name__}) cannot "
                    "be written as config: it has no _init_config(). Subclass AbstractDataset, "
                    "or leave it out of the catalog before calling to_config()."
                )
            configs.append((name, init_config()))
        for name, config in configs:
            unresolved, found = self._config_resolver._unresolve_credentials(name, config)
            catalog[name] = unresolved
            credentials.update(found)
            load_versions[name] = self._load_versions.get(name)
        return catalog, credentials, load_versions, self._save_version

    # -- data ----------------------------------------------------------------

    def load(self, ds_name: str, version: str | None = None) -> Any:
        """Load the data of dataset ``ds_name`` (``version``: of a versioned dataset)."""
        dataset = self[ds_name]
        if version is not None:
            if not callable(getattr(dataset, "resolve_load_version", None)):
                raise DatasetError(
                    f"catalog.load({ds_name!r}, version={version!r}): {dataset} is not a "
                    "versioned dataset. Load it without a version, or version it "
                    "(versioned: true)."
                )
            dataset = dataset._copy(_version=Version(version, None))
        try:
            return dataset.load()
        except Exception as exc:  # ours, Kedro's, or a duck-typed dataset's own
            add_note(exc, f"while loading catalog['{ds_name}']")
            raise

    def save(self, ds_name: str, data: Any) -> None:
        """Save ``data`` to dataset ``ds_name``, which must be registered or match a pattern.

        An unknown name raises ``DatasetNotFoundError`` (with close matches), as in
        Kedro, so a misspelt name is not saved silently to memory; add in-memory
        data with ``catalog[name] = data``.
        """
        dataset = self[ds_name]
        try:
            dataset.save(data)
        except Exception as exc:
            add_note(exc, f"while saving catalog['{ds_name}']")
            raise

    def exists(self, ds_name: str) -> bool:
        """Whether dataset ``ds_name`` is in the catalog and its data is there to load."""
        dataset = self.get(ds_name)
        return dataset is not None and dataset_exists(dataset)

    def release(self, ds_name: str) -> None:
        """Let dataset ``ds_name`` drop data it holds in memory."""
        release_dataset(self[ds_name])

    def confirm(self, ds_name: str) -> None:
        """Call ``confirm()`` of dataset ``ds_name`` (incremental datasets mark what they read)."""
        dataset = self[ds_name]
        confirm = getattr(dataset, "confirm", None)
        if not callable(confirm):
            raise DatasetError(f"Dataset '{ds_name}' does not have 'confirm' method")
        confirm()
