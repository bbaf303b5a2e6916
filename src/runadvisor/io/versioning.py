"""Versioned datasets with Kedro's on-disk layout: ``<filepath>/<version>/<basename>``.

A version is a timestamp string (``VERSION_FORMAT``, milliseconds, UTC), so
sorting the version folders by name sorts them by time. ``Version(load, save)``
pins either side; ``None`` means "the newest" for loading and "now" for saving.
A save never overwrites a version: saving twice to one version is an error.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections import namedtuple
from pathlib import PurePath, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from runadvisor.io.core import AbstractDataset, _wrap_save
from runadvisor.io.errors import DatasetError, VersionNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

VERSION_FORMAT = "%Y-%m-%dT%H.%M.%S.%fZ"

_CONSISTENCY_WARNING = (
    "Save version '{}' did not match load version '{}' for {}. This is strongly "
    "discouraged due to inconsistencies it may cause between 'save' and "
    "'load' operations. Please refrain from setting exact load version for "
    "intermediate datasets where possible to avoid this warning."
)


class Version(namedtuple("Version", ["load", "save"])):
    """The versions a versioned dataset loads and saves; None means newest / now."""

    __slots__ = ()


def generate_timestamp() -> str:
    """The current UTC time as a version string, to the millisecond."""
    from datetime import datetime, timezone  # not on `import runadvisor.io`

    stamp = datetime.now(tz=timezone.utc).strftime(VERSION_FORMAT)
    return stamp[:-4] + stamp[-1:]  # microseconds -> milliseconds


def is_unsafe_version(version: str) -> bool:
    """Whether ``version`` is not one plain path component (empty, '.', '..', separators)."""
    return not version or "/" in version or "\\" in version or version in (".", "..")


_DI = TypeVar("_DI")
_DO = TypeVar("_DO")


class AbstractVersionedDataset(AbstractDataset[_DI, _DO]):
    """Base class of datasets stored as ``<filepath>/<version>/<basename>``.

    Subclasses read from ``self._get_load_path()`` and write to
    ``self._get_save_path()``; with ``version=None`` both are ``filepath``
    itself. ``exists_function`` and ``glob_function`` let a remote filesystem
    answer for the local ``os.path.exists`` and ``glob.iglob``.
    """

    def __init__(
        self,
        filepath: PurePosixPath,
        version: Version | None,
        exists_function: Callable[[str], bool] | None = None,
        glob_function: Callable[[str], Iterable[str]] | None = None,
    ) -> None:
        self._filepath = filepath
        self._version = version
        self._exists_function = exists_function or os.path.exists
        self._glob_function = glob_function or _local_glob
        self._cached_load_version: str | None = None
        self._cached_save_version: str | None = None

    def _clear_version_cache(self) -> None:
        self._cached_load_version = None
        self._cached_save_version = None

    def _get_versions(self) -> list[str]:
        """Paths of every saved version, newest first."""
        pattern = str(self._get_versioned_path("*"))
        try:
            paths = sorted(self._glob_function(pattern), reverse=True)
        except Exception as exc:
            raise VersionNotFoundError(
                f"Did not find any versions for {self}. This could be due to "
                f"insufficient permission. Exception: {exc}"
            ) from exc
        return [path for path in paths if self._exists_function(path)]

    def _fetch_latest_load_version(self) -> str:
        if self._cached_load_version is None:
            paths = self._get_versions()
            if not paths:
                raise VersionNotFoundError(
                    f"Did not find any versions for {self}: nothing was saved under "
                    f"'{self._filepath}'. Save it first, or run the node that produces it."
                )
            self._cached_load_version = PurePath(paths[0]).parent.name
        return self._cached_load_version

    def _fetch_latest_save_version(self) -> str:
        if self._cached_save_version is None:
            self._cached_save_version = generate_timestamp()
        return self._cached_save_version

    def resolve_load_version(self) -> str | None:
        """The version ``load`` reads: pinned, else the newest saved; None if unversioned."""
        if not self._version:
            return None
        if self._version.load:
            return str(self._version.load)
        return self._fetch_latest_load_version()

    def resolve_save_version(self) -> str | None:
        """The version ``save`` writes: the pinned one, else now; None if unversioned."""
        if not self._version:
            return None
        if self._version.save:
            return str(self._version.save)
        return self._fetch_latest_save_version()

    def _get_load_path(self) -> PurePosixPath:
        if not self._version:
            return self._filepath
        return self._get_versioned_path(self.resolve_load_version())  # type: ignore[arg-type]

    def _get_save_path(self) -> PurePosixPath:
        if not self._version:
            return self._filepath
        path = self._get_versioned_path(self.resolve_save_version())  # type: ignore[arg-type]
        if self._exists_function(str(path)):
            raise DatasetError(
                f"Save path '{path}' for {self} must not exist if versioning is enabled."
            )
        return path

    def _get_versioned_path(self, version: str) -> PurePosixPath:
        if is_unsafe_version(version):
            raise DatasetError(
                f"Version string '{version}' is not allowed. Version strings must be a "
                "single non-empty path component with no path separators ('/' or '\\') "
                "and must not be '.' or '..'."
            )
        return self._filepath / version / self._filepath.name

    def _get_version_from_path(self, path: str) -> str:
        return PurePath(path).parent.name

    def list_versions(self, full_path: bool = True) -> list[str]:
        """Every saved version, newest first: full paths, or the version strings."""
        paths = self._get_versions()
        return paths if full_path else [self._get_version_from_path(p) for p in paths]

    @classmethod
    def _save_wrapper(cls, save_func: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
        """Kedro's versioned save: fix the save version, save, warn if load differs."""

        def save_once(self: Any, data: Any) -> None:
            try:
                save_func(self, data)
            except (FileNotFoundError, NotADirectoryError) as err:
                raise DatasetError(_unversioned_file_message(self._filepath)) from err

        checked = _wrap_save(save_once)

        @functools.wraps(save_func)
        def save(self: Any, data: Any) -> None:
            self._clear_version_cache()
            save_version = self.resolve_save_version()
            checked(self, data)
            load_version = self.resolve_load_version()
            if load_version != save_version:
                warnings.warn(
                    _CONSISTENCY_WARNING.format(save_version, load_version, self),
                    UserWarning,
                    stacklevel=2,
                )
                self._clear_version_cache()

        save.__savewrapped__ = True  # type: ignore[attr-defined]
        return save

    def exists(self) -> bool:
        """Whether the version to load is there; False when no version was saved.

        Unlike a load, the check does not fix the version later loads read: a
        copy of this dataset in a worker process may save a newer one meanwhile.
        """
        resolved = self._cached_load_version
        try:
            return bool(self._exists())
        except VersionNotFoundError:
            return False
        except DatasetError:
            raise
        except Exception as exc:
            raise DatasetError(f"Failed during exists check for dataset {self}.\n{exc}") from exc
        finally:
            self._cached_load_version = resolved

    def _release(self) -> None:
        super()._release()
        self._clear_version_cache()


def _local_glob(pattern: str) -> Iterable[str]:
    from glob import iglob  # not on `import runadvisor.io`

    return iglob(pattern)


def _unversioned_file_message(filepath: PurePosixPath) -> str:
    placeholder = "YYYY-MM-DDThh.mm.ss.sssZ"
    return (
        f"Cannot save versioned dataset '{filepath.name}' to "
        f"'{filepath.parent.as_posix()}' because a file with the same name already exists "
        "in the directory. This is likely because versioning was enabled on a dataset "
        f"already saved previously. Either remove '{filepath.name}' from the directory or "
        "manually convert it into a versioned dataset by placing it in a versioned "
        f"directory (e.g. with default versioning format "
        f"'{filepath.as_posix()}/{placeholder}/{filepath.name}')."
    )
