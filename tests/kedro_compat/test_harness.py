"""Tests of the harness itself, not of runadvisor.

The main suite does not collect this folder: python -m pytest tests/kedro_compat/test_harness.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from kcompat.classify import RulesError, classify, load_rules  # noqa: E402
from kcompat.extract import ExtractError, build_manifest, extract, open_source  # noqa: E402
from kcompat.results import build  # noqa: E402


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


FAKE_KEDRO = {
    "kedro/__init__.py": "__version__ = '0'\n",
    "kedro/pipeline/__init__.py": "from .node import node, Node\nfrom .pipeline import pipeline\n",
    "kedro/pipeline/node.py": "class Node: ...\ndef node(): ...\ndef _private(): ...\n",
    "kedro/pipeline/pipeline.py": "from kedro.pipeline.node import Node\ndef pipeline(): ...\n",
    "kedro/io/__init__.py": "from .core import NoCounterpart, DatasetError\n",
    "kedro/io/core.py": (
        "import logging\nclass NoCounterpart: ...\nclass DatasetError(Exception): ...\n"
    ),
}


def _rules(tmp_path: Path, text: str) -> list:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(text))
    return load_rules(path)


def test_rules_match_globs_with_literal_brackets_and_error_regexes(tmp_path):
    rules = _rules(
        tmp_path,
        """
        rules:
          - test: "a.py::test_x[1]"
            category: internal
            reason: only the first parameter
          - test: ["b.py::*", "c.py::*"]
            error: "DID NOT RAISE"
            category: gap
            reason: "cause: detail"
          - test: "*"
            category: wording
            reason: fallback
        """,
    )
    assert classify(rules, "a.py::test_x[1]", "")[0] == "internal"
    assert classify(rules, "a.py::test_x1", "")[0] == "wording"  # brackets are not a class
    assert classify(rules, "c.py::t", "Failed: DID NOT RAISE X")[0] == "gap"
    assert classify(rules, "c.py::t", "AssertionError")[0] == "wording"


def test_rules_refuse_unknown_categories_and_bad_yaml(tmp_path):
    with pytest.raises(RulesError, match="category must be one of"):
        _rules(tmp_path, "rules: [{test: '*', category: fixed, reason: r}]")
    with pytest.raises(RulesError, match="not valid YAML"):
        _rules(tmp_path, "rules: [{test: a: b}]")


def test_the_committed_rules_load():
    assert len(load_rules(HERE / "classification.yaml")) > 50


def test_manifest_follows_reexports_to_where_kedro_defines_a_name(tmp_path):
    source = open_source(_write(tmp_path, {**FAKE_KEDRO, "tests/x": ""}))
    modules = build_manifest(source)["modules"]
    assert modules["kedro.pipeline"]["canonical"]["node"] == "kedro.pipeline.node:node"
    assert modules["kedro.pipeline.pipeline"]["canonical"]["Node"] == "kedro.pipeline.node:Node"
    assert modules["kedro.io.core"]["canonical"]["logging"] == "<other>"
    assert modules["kedro.pipeline"]["package"] is True


def test_extract_refuses_a_source_without_kedros_tests(tmp_path):
    with pytest.raises(ExtractError, match="lacks Kedro's tests"):
        extract(_write(tmp_path / "src", FAKE_KEDRO), tmp_path / "out")
    assert not (tmp_path / "out").exists()


SHIM_PROBE = """
import json, sys
from _kedro_shim import phase
seen = {}
from kedro.pipeline import node, Node
import kedro.pipeline.node
import runadvisor
seen["node is ours"] = node.__wrapped__ is runadvisor.node
seen["Node is ours"] = Node is runadvisor.Node
seen["kedro.pipeline.node stays the function"] = kedro.pipeline.node is node
import kedro
from kedro.io import NoCounterpart
from kedro.pipeline.node import _private
seen["version"] = kedro.__version__
for name, use in (("public", lambda: NoCounterpart()), ("private", lambda: _private())):
    try:
        use()
    except Exception as exc:
        seen[name] = f"{type(exc).__name__}: {exc}"
try:
    from kedro.io import NoSuchName
except ImportError as exc:
    seen["unknown name"] = type(exc).__name__
try:
    import kedro.nosuchmodule
except ImportError as exc:
    seen["unknown module"] = type(exc).__name__
class Mine(NoCounterpart):
    pass
try:
    Mine()
except Exception as exc:
    seen["subclass"] = str(exc)
phase.collecting = True
deferred = node(lambda x: x, "a", "b", preview_fn=None)
phase.collecting = False
try:
    deferred.name
except TypeError as exc:
    seen["deferred"] = str(exc)
print(json.dumps(seen))
"""


def test_shim_maps_public_names_and_defers_everything_else(tmp_path):
    source = open_source(_write(tmp_path, {**FAKE_KEDRO, "tests/x": ""}))
    manifest = tmp_path / "names.json"
    manifest.write_text(json.dumps(build_manifest(source)))
    env = {
        **os.environ,
        "PYTHONPATH": str(HERE / "shim"),
        "KEDRO_COMPAT_MANIFEST": str(manifest),
    }
    done = subprocess.run(
        [sys.executable, "-c", SHIM_PROBE], env=env, capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout)
    assert seen["node is ours"] and seen["Node is ours"]
    assert seen["kedro.pipeline.node stays the function"]
    assert seen["public"] == (
        "NotMappedError: not mapped: public name kedro.io.NoCounterpart "
        "(runadvisor has no counterpart)"
    )
    assert (
        seen["private"] == "NotMappedError: not mapped: private name kedro.pipeline.node._private"
    )
    assert seen["unknown name"] == "ImportError"
    assert seen["unknown module"] == "ModuleNotFoundError"
    assert "kedro.io.NoCounterpart" in seen["subclass"]
    assert seen["version"] == "0"  # the tested Kedro source's, read from its __init__.py
    assert "preview_fn" in seen["deferred"]


def test_results_count_per_file_and_report_stale_rules_and_gap_causes(tmp_path):
    rules = _rules(
        tmp_path,
        """
        rules:
          - {test: "f.py::b*", category: gap, reason: "transcoding: one dataset"}
          - {test: "g.py::*", category: internal, reason: never used}
        """,
    )
    outcomes = [
        {"nodeid": "f.py::a", "outcome": "passed", "message": "", "detail": ""},
        {"nodeid": "f.py::b1", "outcome": "failed", "message": "E", "detail": ""},
        {"nodeid": "f.py::b2", "outcome": "error", "message": "E", "detail": ""},
        {"nodeid": "f.py::c", "outcome": "failed", "message": "E", "detail": ""},
    ]
    result = build(outcomes, rules, {})
    assert result["files"]["f.py"] == {"passed": 1, "failed": 2, "error": 1, "skipped": 0}
    assert result["by_category"] == {"gap": 2, "unclassified": 1}
    assert [r["test"] for r in result["stale_rules"]] == ["g.py::*"]
    assert result["gap_causes"][0]["cause"] == "transcoding"
    assert result["gap_causes"][0]["tests"] == 2
