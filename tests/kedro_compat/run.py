"""Run Kedro's own runner, pipeline and in-memory io tests against runadvisor.

    python tests/kedro_compat/run.py [--kedro-src PATH] [--only PATTERN]

Extracts Kedro's tests into tests/kedro_compat/_work/kedro/ (git-ignored) the
first time, or again with --kedro-src / --re-extract; after that no network is
needed. Runs them with pytest in a subprocess whose sys.path starts with the
shim (tests/kedro_compat/shim: Kedro's public module paths mapped onto
runadvisor), prints passed/failed/error/skipped per file and every failure in
its category from classification.yaml, and writes _work/results.{json,md}.
Exit status: 0 when every failure is classified, 1 when some are not, 2 when
the run itself could not be made. See README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from kcompat import extract as extraction  # noqa: E402
from kcompat.classify import UNCLASSIFIED, RulesError, load_rules  # noqa: E402
from kcompat.results import build, read_outcomes, render_markdown, render_text  # noqa: E402

SHIM = HERE / "shim"
WORK = HERE / "_work"
KEDRO_TESTS = WORK / "kedro"
RULES = HERE / "classification.yaml"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--kedro-src",
        type=Path,
        help="a Kedro clone (bare or not) or source archive to extract the tests from "
        f"(default on first run: {extraction.DEFAULT_MIRROR})",
    )
    parser.add_argument("--re-extract", action="store_true", help="extract the tests again")
    parser.add_argument(
        "--only",
        help="run a subset: a path or node id under tests/ (e.g. tests/runner/test_task.py) "
        "or a pytest -k expression (e.g. 'transcod and not json')",
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the interpreter to run the tests with (default: this one)",
    )
    parser.add_argument(
        "--reference",
        action="store_true",
        help="run without the shim, against the real Kedro installed for --python "
        "(to check the extraction: Kedro should pass nearly all)",
    )
    parser.add_argument(
        "--null-hooks",
        action="store_true",
        help="diagnostic: map Kedro's private hook-manager factories to a do-nothing "
        "manager, to see the runner behaviour behind them (not the headline count)",
    )
    parser.add_argument(
        "--allow-real-kedro",
        action="store_true",
        help="run even though the real kedro is importable for --python",
    )
    parser.add_argument(
        "--reclassify",
        action="store_true",
        help="do not run the tests: classify the outcomes of the last run again "
        "(after editing classification.yaml)",
    )
    parser.add_argument("--timeout", type=int, default=120, help="seconds per test")
    parser.add_argument("--out", type=Path, default=WORK, help="where results.{json,md} go")
    return parser.parse_args(argv)


def _real_kedro(python: str) -> str | None:
    """Where the real kedro is installed for ``python`` (no shim on the path), or None."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = "import importlib.util as u; s = u.find_spec('kedro'); print(s.origin if s else '')"
    done = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, env=env, cwd="/", check=False
    )
    return done.stdout.strip() or None


def _has_module(python: str, module: str) -> bool:
    probe = f"import importlib.util as u; print(bool(u.find_spec({module!r})))"
    done = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
    return done.stdout.strip() == "True"


def _targets(only: str | None) -> tuple[list[str], list[str]]:
    """(paths, extra pytest args) for ``--only``."""
    if only is None:
        return list(extraction.COLLECT), []
    if "/" in only or "::" in only or only.endswith(".py"):
        return [only], []
    return list(extraction.COLLECT), ["-k", only]


def _run_pytest(args: argparse.Namespace, report: Path, names_log: Path, log: Path) -> int:
    paths, extra = _targets(args.only)
    command = [args.python, "-m", "pytest", *paths, *extra, "-q", "-p", "kcompat.pytest_report"]
    command += ["-p", "no:randomly", "-p", "no:cacheprovider", "--confcutdir", str(KEDRO_TESTS)]
    command += ["--continue-on-collection-errors"]
    if not args.reference:
        command += ["-p", "_kedro_shim.pytest_phase"]
    if _has_module(args.python, "pytest_timeout"):
        command += ["--timeout", str(args.timeout)]
    path = [str(HERE)] if args.reference else [str(SHIM), str(HERE)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(path),
        "KEDRO_COMPAT_MANIFEST": str(KEDRO_TESTS / "kedro_names.json"),
        "KEDRO_COMPAT_REPORT": str(report),
        "KEDRO_COMPAT_NAMES_LOG": str(names_log),
        "KEDRO_COMPAT_NULL_HOOKS": "1" if args.null_hooks else "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(
            command, cwd=KEDRO_TESTS, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    return done.returncode


_META_KEYS = ("source", "mode", "real_kedro_importable", "seconds", "names")


def _run(args: argparse.Namespace, report: Path, names_log: Path, log: Path) -> dict | None:
    """Run the tests; the run's description, or None when it could not be made."""
    real = _real_kedro(args.python)
    if args.reference and real is None:
        print(f"error: --reference needs kedro installed for {args.python}.", file=sys.stderr)
        return None
    if real and not args.reference and not args.allow_real_kedro:
        print(
            f"error: the real kedro is importable for {args.python} ({real}). Run this in an "
            "environment without kedro (the shim would shadow it, but kedro-datasets and "
            "plugins could still reach it), or pass --allow-real-kedro.",
            file=sys.stderr,
        )
        return None
    for stale in (report, names_log):
        stale.unlink(missing_ok=True)
    mode = "reference: real Kedro" if args.reference else "shim onto runadvisor"
    mode += ", null hooks (diagnostic)" if args.null_hooks else ""
    mode += f", only {args.only!r}" if args.only else ""
    print(f"Running Kedro's tests ({mode}); real kedro importable: {real or 'no'} ...")
    started = time.monotonic()
    code = _run_pytest(args, report, names_log, log)
    if not report.exists():
        print(f"error: pytest exited {code} and recorded nothing; see {log}", file=sys.stderr)
        return None
    return {
        "source": (KEDRO_TESTS / "SOURCE.txt").read_text().strip(),
        "mode": mode,
        "real_kedro_importable": real,
        "seconds": round(time.monotonic() - started, 1),
        "names": json.loads(names_log.read_text()) if names_log.exists() else {},
    }


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    try:
        rules = load_rules(RULES)
        if args.kedro_src or args.re_extract or not (KEDRO_TESTS / "kedro_names.json").exists():
            print("Extracting:", extraction.extract(args.kedro_src, KEDRO_TESTS))
    except (extraction.ExtractError, RulesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    report, names_log, log = (args.out / n for n in ("outcomes.jsonl", "names.json", "pytest.log"))
    if args.reclassify:
        meta = json.loads((args.out / "results.json").read_text())
        meta = {k: v for k, v in meta.items() if k in _META_KEYS}
    else:
        meta = _run(args, report, names_log, log)
        if meta is None:
            return 2
    outcomes = read_outcomes(report)
    if not outcomes:
        print(f"error: no outcomes recorded in {report}; see {log}", file=sys.stderr)
        return 2
    result = build(outcomes, rules, meta)
    if "reference" in result["mode"]:
        result["stale_rules"] = []  # the rules describe runadvisor, not Kedro
    (args.out / "results.json").write_text(json.dumps(result, indent=1) + "\n")
    (args.out / "results.md").write_text(render_markdown(result))
    print(render_text(result))
    print(f"\nWrote {args.out / 'results.md'} and results.json (log: {log})")
    return 1 if any(f["category"] == UNCLASSIFIED for f in result["failures"]) else 0


if __name__ == "__main__":
    if importlib.util.find_spec("yaml") is None:
        sys.exit("error: tests/kedro_compat needs PyYAML (pip install pyyaml pytest-mock).")
    sys.exit(main())
