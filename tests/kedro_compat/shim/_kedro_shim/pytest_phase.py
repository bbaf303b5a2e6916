"""pytest plugin (``-p _kedro_shim.pytest_phase``) for the shim's two rules.

1. While pytest imports the test modules, placeholders hand back placeholders
   instead of raising (``phase.collecting``).
2. A test that caught a placeholder's refusal itself (its own
   ``pytest.raises(Exception)`` or ``except``) is reported with the refusal as its
   failure: it cannot pass, and it failed because of the refusal, not because
   of what it checked next.
"""

from __future__ import annotations

from typing import Any

import pytest

from _kedro_shim import phase, placeholders


def pytest_configure(config: Any) -> None:
    phase.collecting = True


def pytest_collection_finish(session: Any) -> None:
    phase.collecting = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    if call.when == "setup":
        item.stash[_REFUSALS_BEFORE] = len(placeholders.refusals)
    report = yield
    before = item.stash.get(_REFUSALS_BEFORE, len(placeholders.refusals))
    refused = placeholders.refusals[before:]
    if call.when == "call" and refused and refused[0] not in _message(report):
        then = "would then have passed" if report.passed else "then failed"
        report.outcome = "failed"
        report.longrepr = (
            f"{refused[0]}\n(the test caught this refusal itself and {then})\n\n"
            f"{report.longreprtext}"
        ).rstrip()
    return report


def _message(report: Any) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    return str(crash.message) if crash is not None else str(report.longrepr or "")


_REFUSALS_BEFORE = pytest.StashKey[int]()
