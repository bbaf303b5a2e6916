"""Put each failing Kedro test into one category, from classification.yaml.

A rule matches a test when its ``test`` glob (or one of its list of globs)
matches the test id (``*`` is any text, ``?`` one character, brackets are
literal: test ids hold parameters in brackets) and, if it has one, its
``error`` regex is found in the failure text. The first matching rule wins,
so specific rules go before broad ones. A failure no rule matches is
``unclassified``; a rule that matches no failure is reported as stale (its
tests pass now, or the ids changed).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

CATEGORIES = {
    "internal": "tests of Kedro internals or private names",
    "wording": "log or warning wording",
    "experimental": "experimental Kedro features (node previews, LLM context)",
    "difference": "a deliberate difference we keep (listed in README: Differences from Kedro)",
    "gap": "a difference a Kedro user hits: to fix",
}
UNCLASSIFIED = "unclassified"


class RulesError(Exception):
    """classification.yaml is malformed."""


@dataclass(frozen=True)
class Rule:
    test: tuple[str, ...]  # globs: one is enough
    category: str
    reason: str
    error: str | None = None

    def matches(self, test_id: str, failure_text: str) -> bool:
        if not any(_glob(glob).fullmatch(test_id) for glob in self.test):
            return False
        return self.error is None or re.search(self.error, failure_text) is not None


@functools.cache
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), re.DOTALL)


def load_rules(path: Path) -> list[Rule]:
    """The rules in ``path``, checked: known keys, known categories, valid regexes."""
    import yaml  # PyYAML: also needed by Kedro's tests themselves

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RulesError(f"{path.name} is not valid YAML: {exc}") from exc
    rules = []
    for index, entry in enumerate(data.get("rules") or [], start=1):
        where = f"{path.name} rule {index} ({entry.get('test')!r})"
        unknown = set(entry) - {"test", "error", "category", "reason"}
        if unknown or not {"test", "category", "reason"} <= set(entry):
            raise RulesError(f"{where}: give test, category, reason (and optionally error).")
        if entry["category"] not in CATEGORIES:
            raise RulesError(f"{where}: category must be one of {', '.join(CATEGORIES)}.")
        if entry.get("error") is not None:
            try:
                re.compile(entry["error"])
            except re.error as exc:
                raise RulesError(f"{where}: error is not a regex: {exc}") from exc
        globs = entry["test"] if isinstance(entry["test"], list) else [entry["test"]]
        if not all(isinstance(glob, str) for glob in globs):
            raise RulesError(f"{where}: test must be a glob or a list of globs.")
        rules.append(Rule(tuple(globs), entry["category"], entry["reason"], entry.get("error")))
    return rules


def classify(rules: list[Rule], test_id: str, failure_text: str) -> tuple[str, str, Rule | None]:
    """(category, reason, rule) for one failing test."""
    for rule in rules:
        if rule.matches(test_id, failure_text):
            return rule.category, rule.reason, rule
    return UNCLASSIFIED, "no rule in classification.yaml matches", None
