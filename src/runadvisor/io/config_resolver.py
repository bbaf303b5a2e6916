"""Dataset factory patterns and credentials: Kedro's ``CatalogConfigResolver``.

A catalog key with ``{placeholders}`` is a pattern: ``"{name}_csv"`` makes a
dataset for every name that ends in ``_csv``, with the matched parts put into
its configuration. Patterns are tried most specific first (Kedro's ranking:
more characters outside the braces, then more placeholders, then by name); a
pattern that is only placeholders (``"{default}"``) is the user's catch-all,
tried last; the runtime pattern (a ``MemoryDataset``) is used only when asked
for. Matching follows the ``parse`` library Kedro uses: each placeholder takes
at least one character, as few as the rest allows, case-insensitively.
``credentials: name`` anywhere in an entry is replaced by ``credentials[name]``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from runadvisor.io.errors import CredentialsNotFoundError, DatasetError

Patterns = dict[str, dict[str, Any]]

CREDENTIALS_KEY = "credentials"
DEFAULT_RUNTIME_PATTERN: Patterns = {"{default}": {"type": "MemoryDataset"}}

_PLACEHOLDER = re.compile(r"\{.*?\}")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def _compile(pattern: str) -> re.Pattern[str]:
    """A regular expression that matches the names ``pattern`` matches."""
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for token in _TOKEN.finditer(pattern):
        parts.append(re.escape(pattern[position : token.start()]))
        position = token.end()
        text = token.group(0)
        if text in ("{{", "}}"):
            parts.append(re.escape(text[0]))
            continue
        field = token.group(1)
        if not field.isidentifier():
            raise DatasetError(
                f"Dataset pattern '{pattern}' has the placeholder '{{{field}}}': runadvisor "
                "supports plain named placeholders such as '{name}' (no format specs)."
            )
        parts.append(f"(?P={field})" if field in seen else f"(?P<{field}>.+?)")
        seen.add(field)
    parts.append(re.escape(pattern[position:]))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _credentials_for(dataset: str, name: str, credentials: dict[str, Any]) -> Any:
    try:
        return credentials[name]
    except KeyError:
        available = sorted(credentials)
        given = ", ".join(available) if available else "none"
        raise CredentialsNotFoundError(
            f"Unable to find credentials '{name}' (asked for by dataset '{dataset}'; "
            f"credentials given: {given}): check your data catalog and credentials "
            "configuration (conf/local/credentials.yml in a Kedro project).",
            credentials=name,
            available=available,
        ) from None


def resolve_credentials(
    dataset: str, config: dict[str, Any], credentials: dict[str, Any]
) -> dict[str, Any]:
    """A copy of ``config`` with every ``credentials: <name>`` replaced by its value."""

    def resolve(key: str, value: Any) -> Any:
        if key == CREDENTIALS_KEY and isinstance(value, str):
            return _credentials_for(dataset, value, credentials)
        if isinstance(value, dict):
            return {k: resolve(k, v) for k, v in value.items()}
        return value

    return {key: resolve(key, value) for key, value in copy.deepcopy(config).items()}


class CatalogConfigResolver:
    """Resolves catalog entries: credentials, and dataset factory patterns by name."""

    def __init__(
        self,
        config: dict[str, dict[str, Any]] | None = None,
        credentials: dict[str, dict[str, Any]] | None = None,
        default_runtime_patterns: Patterns | None = None,
    ) -> None:
        config = config or {}
        credentials = credentials or {}
        self._default_runtime_patterns = default_runtime_patterns or DEFAULT_RUNTIME_PATTERN
        self._compiled: dict[str, re.Pattern[str]] = {}
        self._resolved_configs: dict[str, dict[str, Any]] = {}
        patterns: Patterns = {}
        for name, entry in config.items():
            if not isinstance(entry, dict):
                raise DatasetError(
                    f"Catalog entry '{name}' is not a valid dataset configuration: give a "
                    "mapping with a 'type'. If this catalog entry is intended for variable "
                    "interpolation, make sure that the key is preceded by an underscore."
                )
            if self.is_pattern(name):
                self._validate_pattern_config(name, entry)
                patterns[name] = resolve_credentials(name, entry, credentials)
            else:
                self._resolved_configs[name] = resolve_credentials(name, entry, credentials)
        self._dataset_patterns = self._sort_patterns(patterns)
        for pattern in self._dataset_patterns:  # a bad placeholder is refused here, not later
            self._compiled[pattern] = _compile(pattern)
        self._user_catch_all_pattern: Patterns = {}
        if self._dataset_patterns:
            last = next(reversed(self._dataset_patterns))
            if self._pattern_specificity(last) == 0:
                self._user_catch_all_pattern = {last: self._dataset_patterns.pop(last)}

    @property
    def config(self) -> dict[str, dict[str, Any]]:
        """The entries that are not patterns, credentials resolved."""
        return self._resolved_configs

    @staticmethod
    def is_pattern(pattern: str) -> bool:
        """Whether a catalog key is a pattern (it has a ``{``)."""
        return "{" in pattern

    @staticmethod
    def _pattern_specificity(pattern: str) -> int:
        """How many characters of ``pattern`` lie outside its placeholders."""
        return len(_PLACEHOLDER.sub("", pattern))

    @classmethod
    def _sort_patterns(cls, patterns: Patterns) -> Patterns:
        """Most specific first, then more placeholders first, then by name; one catch-all."""
        ordered = sorted(patterns, key=lambda p: (-cls._pattern_specificity(p), -p.count("{"), p))
        catch_all = [p for p in ordered if cls._pattern_specificity(p) == 0]
        if len(catch_all) > 1:
            raise DatasetError(
                f"Multiple catch-all patterns found in the catalog: {', '.join(catch_all)}. "
                "Only one catch-all pattern is allowed, remove the extras."
            )
        return {p: patterns[p] for p in ordered}

    @classmethod
    def _validate_pattern_config(cls, pattern: str, config: dict[str, Any]) -> None:
        """Every placeholder the entry uses must appear in the pattern's name."""
        in_name = set(_PLACEHOLDER.findall(pattern))
        used: set[str] = set()

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif type(value) in (list, tuple):
                for item in value:
                    walk(item)
            elif isinstance(value, str) and "}" in value:
                used.update(_PLACEHOLDER.findall(value))

        walk(config)
        if used - in_name:
            raise DatasetError(
                f"Incorrect dataset configuration provided. Keys used in the configuration "
                f"{used - in_name} should present in the dataset pattern name {pattern}."
            )

    def _match(self, pattern: str, name: str) -> dict[str, str] | None:
        compiled = self._compiled.get(pattern)
        if compiled is None:
            compiled = self._compiled[pattern] = _compile(pattern)
        found = compiled.fullmatch(name)
        return None if found is None else found.groupdict()

    @classmethod
    def _resolve_dataset_config(cls, name: str, pattern: str, config: Any) -> Any:
        """``config`` with the placeholders filled from what ``name`` matched."""
        found = _compile(pattern).fullmatch(name)
        values = {} if found is None else found.groupdict()
        return _fill(config, values)

    def list_patterns(self) -> list[str]:
        """Every pattern: the user's, their catch-all, then the runtime ones."""
        patterns = [*self._dataset_patterns, *self._user_catch_all_pattern]
        patterns += [p for p in self._default_runtime_patterns if p not in patterns]
        return patterns

    def match_dataset_pattern(self, ds_name: str) -> str | None:
        """The first (most specific) user pattern ``ds_name`` matches, if any."""
        patterns = self._dataset_patterns
        return next((p for p in patterns if self._match(p, ds_name) is not None), None)

    def match_user_catch_all_pattern(self, ds_name: str) -> str | None:
        """The user's catch-all pattern, if there is one and it matches ``ds_name``."""
        patterns = self._user_catch_all_pattern
        return next((p for p in patterns if self._match(p, ds_name) is not None), None)

    def match_runtime_pattern(self, ds_name: str) -> str:
        """The runtime pattern for ``ds_name`` (it always matches)."""
        for pattern in self._default_runtime_patterns:
            if self._match(pattern, ds_name) is not None:
                return pattern
        return next(iter(self._default_runtime_patterns))

    def _get_pattern_config(self, pattern: str) -> dict[str, Any]:
        return (
            self._dataset_patterns.get(pattern)
            or self._user_catch_all_pattern.get(pattern)
            or self._default_runtime_patterns.get(pattern)
            or {}
        )

    def resolve_pattern(self, ds_name: str) -> dict[str, Any]:
        """The entry for ``ds_name``: its own, else from the first pattern it matches."""
        if ds_name in self._resolved_configs:
            return self._resolved_configs[ds_name]
        pattern = (
            self.match_dataset_pattern(ds_name)
            or self.match_user_catch_all_pattern(ds_name)
            or self.match_runtime_pattern(ds_name)
        )
        values = self._match(pattern, ds_name) or {}
        return _fill(copy.deepcopy(self._get_pattern_config(pattern)), values)  # type: ignore[no-any-return]

    @classmethod
    def _resolve_credentials(
        cls, config: dict[str, dict[str, Any]] | None, credentials: dict[str, Any] | None
    ) -> dict[str, dict[str, Any]]:
        """The entries of ``config`` that are not patterns, credentials resolved."""
        return cls(config, credentials).config

    @staticmethod
    def _unresolve_credentials(
        cred_name: str, ds_config: dict[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``ds_config`` with its (first) credentials replaced by ``<cred_name>_credentials``,
        and ``{<cred_name>_credentials: credentials}``: the inverse of resolving them."""
        config = copy.deepcopy(ds_config) or {}
        found: dict[str, Any] = {}
        reference = f"{cred_name}_{CREDENTIALS_KEY}"

        def unresolve(entry: dict[str, Any]) -> bool:
            for key, value in entry.items():
                if key == CREDENTIALS_KEY and value:
                    found[reference] = value
                    entry[key] = reference
                    return True
                if isinstance(value, dict) and unresolve(value):
                    return True
            return False

        unresolve(config)
        return config, found


def _fill(config: Any, values: dict[str, str]) -> Any:
    """Put ``values`` into every ``{placeholder}`` of the strings inside ``config``."""
    if isinstance(config, dict):
        return {key: _fill(value, values) for key, value in config.items()}
    if type(config) in (list, tuple):
        return [_fill(value, values) for value in config]
    if isinstance(config, str) and "}" in config:
        return config.format_map(values)
    return config
