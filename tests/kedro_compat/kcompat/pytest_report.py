"""pytest plugin (``-p kcompat.pytest_report``): one JSON line per test outcome.

Loaded inside the subprocess that runs Kedro's tests; writes to the file named
by ``KEDRO_COMPAT_REPORT``. Each line: ``nodeid``, ``outcome`` (passed, failed,
error, skipped, xfailed, xpassed, or ``collection error`` for a file that did not
import), ``message`` (the exception line pytest shows) and ``detail`` (the last
lines of the failure report).
"""

from __future__ import annotations

import json
import os
from typing import Any

_DETAIL_LINES = 25


def _message(report: Any) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)
    if isinstance(report.longrepr, tuple):  # skips: (path, line, reason)
        return str(report.longrepr[-1])
    text = str(report.longrepr or "").strip()
    return text.splitlines()[0] if text else ""


def _detail(report: Any) -> str:
    text = getattr(report, "longreprtext", "") or ""
    return "\n".join(text.rstrip().splitlines()[-_DETAIL_LINES:])


def _outcome(report: Any) -> str:
    if hasattr(report, "wasxfail"):
        return "xpassed" if report.passed else "xfailed"
    if report.passed or report.skipped:
        return report.outcome
    return "failed" if report.when == "call" else "error"


class _Recorder:
    def __init__(self, path: str) -> None:
        self._file = open(path, "w", encoding="utf-8")  # noqa: SIM115 (closed at session end)
        self._outcomes: dict[str, dict[str, str]] = {}

    def _write(self, record: dict[str, str]) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self._write(
                {
                    "nodeid": report.nodeid,
                    "outcome": "collection error",
                    "message": _message(report),
                    "detail": _detail(report),
                }
            )

    def pytest_runtest_logreport(self, report: Any) -> None:
        known = self._outcomes.get(report.nodeid)
        if known is not None and known["outcome"] != "passed":
            return  # the first phase that did not pass decides
        if known is not None and report.passed and report.when == "teardown":
            return
        self._outcomes[report.nodeid] = {
            "nodeid": report.nodeid,
            "outcome": _outcome(report),
            "message": "" if report.passed else _message(report),
            "detail": _detail(report) if report.failed else "",
        }

    def pytest_sessionfinish(self) -> None:
        for record in self._outcomes.values():
            self._write(record)
        self._file.close()


def pytest_configure(config: Any) -> None:
    path = os.environ.get("KEDRO_COMPAT_REPORT")
    if path:
        config.pluginmanager.register(_Recorder(path), "kcompat-recorder")
