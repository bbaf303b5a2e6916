"""Turn the recorded outcomes into counts per file and classified failures; render them."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from kcompat.classify import CATEGORIES, UNCLASSIFIED, Rule, classify

COLUMNS = ("passed", "failed", "error", "skipped")
_NOT_PASSING = {"failed", "error", "collection error", "xpassed"}


def read_outcomes(path: Path) -> list[dict[str, str]]:
    """The JSON lines the pytest plugin wrote (empty when pytest never started)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _column(outcome: str) -> str:
    if outcome in ("xfailed",):
        return "skipped"
    if outcome in ("collection error", "xpassed"):
        return "error"
    return outcome


def build(outcomes: list[dict[str, str]], rules: list[Rule], meta: dict[str, Any]) -> dict:
    """The whole result: counts per file, totals, each failure with its category."""
    per_file: dict[str, Counter[str]] = defaultdict(Counter)
    failures = []
    used: set[Rule] = set()
    for record in outcomes:
        per_file[_file_of(record["nodeid"])][_column(record["outcome"])] += 1
        if record["outcome"] not in _NOT_PASSING:
            continue
        text = f"{record['message']}\n{record['detail']}"
        category, reason, rule = classify(rules, record["nodeid"], text)
        if rule is not None:
            used.add(rule)
        failures.append(
            {
                "test": record["nodeid"],
                "outcome": record["outcome"],
                "category": category,
                "reason": reason,
                "message": record["message"].strip().splitlines()[0][:300]
                if record["message"].strip()
                else "",
            }
        )
    failures.sort(key=lambda f: (f["category"], f["test"]))
    totals: Counter[str] = Counter()
    for counts in per_file.values():
        totals.update(counts)
    return {
        **meta,
        "files": {name: {c: per_file[name][c] for c in COLUMNS} for name in sorted(per_file)},
        "totals": {c: totals[c] for c in COLUMNS} | {"tests": sum(totals.values())},
        "by_category": dict(Counter(f["category"] for f in failures).most_common()),
        "failures": failures,
        "gap_causes": gap_causes(failures),
        "stale_rules": [
            {"test": " | ".join(r.test), "error": r.error, "category": r.category}
            for r in rules
            if r not in used
        ],
    }


def gap_causes(failures: list[dict]) -> list[dict]:
    """Gaps grouped by cause (a gap reason reads "cause: detail"), largest first."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for failure in failures:
        if failure["category"] == "gap":
            groups[failure["reason"].split(":", 1)[0]].append(failure)
    return [
        {
            "cause": cause,
            "tests": len(group),
            "reason": group[0]["reason"],
            "examples": [f["test"] for f in group[:2]],
            "message": group[0]["message"],
        }
        for cause, group in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    ]


def _table(result: dict) -> list[str]:
    width = max([len(name) for name in result["files"]] + [5])
    lines = [f"{'file':<{width}}  " + "  ".join(f"{c:>7}" for c in COLUMNS)]
    for name, counts in result["files"].items():
        lines.append(f"{name:<{width}}  " + "  ".join(f"{counts[c]:>7}" for c in COLUMNS))
    totals = result["totals"]
    lines.append(f"{'TOTAL':<{width}}  " + "  ".join(f"{totals[c]:>7}" for c in COLUMNS))
    return lines


def headline(result: dict) -> str:
    """One line: how many of Kedro's tests pass, and what the rest are."""
    totals = result["totals"]
    parts = ", ".join(f"{n} {c}" for c, n in result["by_category"].items())
    return f"{totals['passed']} of {totals['tests']} passed; not passing: {parts or 'none'}"


def render_text(result: dict) -> str:
    """What run.py prints: the table, then every failure under its category."""
    lines = [*_table(result), "", headline(result)]
    for category in [*CATEGORIES, UNCLASSIFIED]:
        group = [f for f in result["failures"] if f["category"] == category]
        if not group:
            continue
        lines += ["", f"== {category} ({len(group)}): {CATEGORIES.get(category, 'no rule')}"]
        for failure in group:
            lines.append(f"  {failure['test']}  [{failure['outcome']}]")
            lines.append(f"      {failure['reason']}")
            if category in ("gap", UNCLASSIFIED) and failure["message"]:
                lines.append(f"      -> {failure['message'][:200]}")
    if result["gap_causes"]:
        lines += ["", "Gaps by cause (tests, first example):"]
        for cause in result["gap_causes"]:
            lines.append(f"  {cause['tests']:4}  {cause['cause']}  e.g. {cause['examples'][0]}")
    if result["stale_rules"]:
        lines += ["", f"Stale rules (match no failure now): {len(result['stale_rules'])}"]
        lines += [f"  {r['test']}  ({r['category']})" for r in result["stale_rules"]]
    return "\n".join([*lines, "", headline(result)])


def render_markdown(result: dict) -> str:
    """The same as render_text, as a markdown document."""
    header = "| file | " + " | ".join(COLUMNS) + " |"
    rows = [header, "|---" * (len(COLUMNS) + 1) + "|"]
    for name, counts in [*result["files"].items(), ("**total**", result["totals"])]:
        rows.append(f"| {name} | " + " | ".join(str(counts[c]) for c in COLUMNS) + " |")
    lines = [
        "# Kedro's tests against runadvisor",
        "",
        f"- source: {result.get('source', '?')}",
        f"- mode: {result.get('mode', '?')}",
        f"- {headline(result)}",
        "",
        *rows,
    ]
    if result["gap_causes"]:
        lines += [
            "",
            "## Gaps by cause",
            "",
            "| tests | cause | examples | error |",
            "|---|---|---|---|",
        ]
        for cause in result["gap_causes"]:
            examples = "<br>".join(f"`{t}`" for t in cause["examples"])
            message = cause["message"][:160].replace("|", "\\|")
            lines.append(f"| {cause['tests']} | {cause['reason']} | {examples} | `{message}` |")
    for category in [*CATEGORIES, UNCLASSIFIED]:
        group = [f for f in result["failures"] if f["category"] == category]
        if not group:
            continue
        lines += ["", f"## {category} ({len(group)})", ""]
        for failure in group:
            message = failure["message"].replace("|", "\\|")
            lines.append(
                f"- `{failure['test']}` ({failure['outcome']}): {failure['reason']}"
                + (f" -- `{message[:200]}`" if message else "")
            )
    if result["stale_rules"]:
        lines += ["", "## Stale rules", ""]
        lines += [f"- `{r['test']}` ({r['category']})" for r in result["stale_rules"]]
    return "\n".join(lines) + "\n"
