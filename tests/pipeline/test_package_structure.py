"""The pipeline package's contracts: Node's privates stay in node.py, and the package
imports nothing of runadvisor's outside itself but ``runadvisor.exceptions``."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from runadvisor.pipeline import Node, node

# ``runadvisor.pipeline`` the attribute is the function pipeline(); import the package.
PACKAGE = Path(importlib.import_module("runadvisor.pipeline").__file__).parent


def _node_privates() -> set[str]:
    sample = node(lambda a: a, "a", "b", name="n", confirms="a")
    names = set(vars(sample)) | set(vars(Node))
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _modules() -> dict[str, ast.Module]:
    return {path.name: ast.parse(path.read_text()) for path in sorted(PACKAGE.glob("*.py"))}


def test_no_private_attribute_of_node_is_read_outside_node_py():
    privates = _node_privates()
    assert {"_name", "_copy", "_inputs_spec"} <= privates  # the check sees what it must
    found = []
    for name, tree in _modules().items():
        if name == "node.py":
            continue
        for item in ast.walk(tree):
            if isinstance(item, ast.Attribute) and item.attr in privates:
                found.append(f"{name}:{item.lineno} .{item.attr}")
    assert found == []


def test_the_package_imports_only_itself_and_exceptions():
    allowed = ("runadvisor.pipeline", "runadvisor.exceptions")
    found = []
    for name, tree in _modules().items():
        for item in ast.walk(tree):
            if isinstance(item, ast.ImportFrom) and item.module:
                module = item.module
            elif isinstance(item, ast.Import):
                module = item.names[0].name
            else:
                continue
            if module.startswith("runadvisor") and not module.startswith(allowed):
                found.append(f"{name}: {module}")
    assert found == []
