"""Copy Kedro's own tests (runner, pipeline, in-memory io) out of a Kedro source.

A source is a bare git directory (the mirror), a checkout (a folder holding
``kedro/`` and ``tests/``) or a source archive (``.tar.gz``). What lands in the
git-ignored work folder: the test files, a ``pytest.ini`` of ours, a
``kedro_names.json`` manifest (every Kedro module and the names it binds, read
with ``ast``: the shim uses it to tell Kedro's names from names Kedro does not
have) and ``SOURCE.txt`` saying where it all came from. Kedro's code itself is
never copied; only the names in it.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterable
from pathlib import Path

DEFAULT_MIRROR = Path("/work/.mirror/kedro-org+kedro/repo")

# The tests that measure "runs with only its imports changed" (issue 15).
TEST_DIRS = ("tests/runner", "tests/pipeline")
IO_FILES = (
    "tests/io/__init__.py",
    "tests/io/conftest.py",
    "tests/io/test_memory_dataset.py",
    "tests/io/test_cached_dataset.py",
    "tests/io/test_data_catalog.py",
    "tests/io/test_shared_memory_dataset.py",
    "tests/io/test_core.py",
    "tests/io/test_catalog_config_resolver.py",
)
# Helpers the tests import; their own tests are not collected.
SUPPORT_FILES = ("tests/__init__.py", "tests/conftest.py", "tests/test_utils.py")
COLLECT = ("tests/runner", "tests/pipeline", *IO_FILES[2:])

PYTEST_INI = """\
# Written by tests/kedro_compat (not Kedro's). Kedro runs its suite with -W ignore.
[pytest]
addopts = -ra -W ignore -p no:cacheprovider
"""


class ExtractError(Exception):
    """The Kedro source is missing, unreadable or holds no tests."""


def _wanted(path: str) -> bool:
    if path in IO_FILES or path in SUPPORT_FILES:
        return True
    return any(path.startswith(folder + "/") for folder in TEST_DIRS)


def _is_kedro_module(path: str) -> bool:
    return path.startswith("kedro/") and path.endswith(".py") and "/templates/" not in path


class _Source:
    """Uniform read access to the three kinds of Kedro source."""

    def __init__(self, names: list[str], read: Callable[[str], bytes], label: str) -> None:
        self.names = names
        self.read = read
        self.label = label


def _git_source(git_dir: Path) -> _Source:
    def git(*args: str) -> bytes:
        done = subprocess.run(
            ["git", f"--git-dir={git_dir}", *args], capture_output=True, check=False
        )
        if done.returncode != 0:
            raise ExtractError(f"git {' '.join(args)} failed in {git_dir}: {done.stderr!r}")
        return done.stdout

    commit = git("rev-parse", "HEAD").decode().strip()
    listing = git("ls-tree", "-r", "--name-only", "HEAD", "kedro", "tests").decode().splitlines()
    return _Source(
        listing,
        lambda name: git("cat-file", "blob", f"{commit}:{name}"),
        f"git {git_dir} at commit {commit}",
    )


def _folder_source(root: Path) -> _Source:
    names = [
        p.relative_to(root).as_posix()
        for top in ("kedro", "tests")
        for p in sorted((root / top).rglob("*"))
        if p.is_file()
    ]
    return _Source(names, lambda name: (root / name).read_bytes(), f"folder {root}")


def _archive_source(archive: Path) -> _Source:
    with tarfile.open(archive) as tar:
        members = {
            m.name.split("/", 1)[1]: m for m in tar.getmembers() if m.isfile() and "/" in m.name
        }
        blobs = {name: tar.extractfile(m).read() for name, m in members.items()}  # type: ignore[union-attr]
    return _Source(sorted(blobs), blobs.__getitem__, f"archive {archive}")


def open_source(path: Path | None) -> _Source:
    """The Kedro source at ``path`` (default: the local mirror of kedro-org/kedro)."""
    path = Path(path) if path is not None else DEFAULT_MIRROR
    if not path.exists():
        raise ExtractError(
            f"No Kedro source at {path}. Give --kedro-src: a clone of "
            "https://github.com/kedro-org/kedro (bare or not) or a source archive of it."
        )
    if path.is_file():
        return _archive_source(path)
    if (path / "HEAD").is_file() and (path / "objects").is_dir():
        return _git_source(path)
    if (path / ".git").exists() and not (path / "tests").is_dir():
        return _git_source(path / ".git")
    return _folder_source(path)


# --- the manifest of Kedro's names --------------------------------------------------------


def _module_name(path: str) -> str:
    parts = path[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def _top_statements(body: Iterable[ast.stmt]) -> Iterable[ast.stmt]:
    """Top-level statements, looking inside if/try/with blocks (as Python binds them)."""
    for stmt in body:
        if isinstance(stmt, ast.If | ast.With):
            yield from _top_statements(stmt.body)
            yield from _top_statements(getattr(stmt, "orelse", []))
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                yield from _top_statements(block)
            for handler in stmt.handlers:
                yield from _top_statements(handler.body)
        else:
            yield stmt


def _bound_names(module: str, is_package: bool, tree: ast.Module) -> dict[str, str]:
    """name -> where it comes from: ``'def'``, ``'mod:pkg.mod'`` or ``'from:pkg.mod:name'``."""
    names: dict[str, str] = {}
    for stmt in _top_statements(tree.body):
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[stmt.name] = "def"
        elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names[leaf.id] = "def"
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    names[alias.asname] = f"mod:{alias.name}"
                else:
                    top = alias.name.split(".")[0]
                    names[top] = f"mod:{top}"
        elif isinstance(stmt, ast.ImportFrom):
            source = _absolute(module, is_package, stmt.level, stmt.module)
            for alias in stmt.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = f"from:{source}:{alias.name}"
    return names


def _canonical(modules: dict[str, dict], module: str, name: str, seen: int = 0) -> str:
    """Where a name is really defined: ``'kedro.io.core:AbstractDataset'``, ``'<other>'``."""
    origin = modules.get(module, {}).get("names", {}).get(name)
    if origin is None:
        submodule = f"{module}.{name}"
        return f"module:{submodule}" if submodule in modules else "<other>"
    if origin == "def":
        return f"{module}:{name}"
    if origin.startswith("mod:"):
        target = origin[4:]
        return f"module:{target}" if target in modules else "<other>"
    _, source, original = origin.split(":")
    if source in modules and seen < 20:
        return _canonical(modules, source, original, seen + 1)
    submodule = f"{source}.{original}"
    return f"module:{submodule}" if submodule in modules else "<other>"


def build_manifest(source: _Source) -> dict:
    """Every Kedro module: package or not, and each bound name with its canonical origin."""
    modules: dict[str, dict] = {}
    for path in source.names:
        if not _is_kedro_module(path):
            continue
        name = _module_name(path)
        is_package = path.endswith("/__init__.py")
        try:
            tree = ast.parse(source.read(path))
        except SyntaxError as exc:
            raise ExtractError(f"Cannot parse {path} in {source.label}: {exc}") from exc
        modules[name] = {"package": is_package, "names": _bound_names(name, is_package, tree)}
    if "kedro" not in modules:
        raise ExtractError(f"{source.label} has no kedro/ package.")
    canonical = {
        module: {name: _canonical(modules, module, name) for name in info["names"]}
        for module, info in modules.items()
    }
    for module, info in modules.items():
        info["canonical"] = canonical[module]
        del info["names"]
    return {"source": source.label, "modules": modules, "version": _version(source)}


def _version(source: _Source) -> str | None:
    """The ``__version__`` string ``kedro/__init__.py`` assigns, if it is a literal."""
    tree = ast.parse(source.read("kedro/__init__.py"))
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in stmt.targets)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        ):
            return stmt.value.value
    return None


def extract(source_path: Path | None, dest: Path) -> str:
    """Replace ``dest`` with Kedro's tests and name manifest; return a one-line description."""
    source = open_source(source_path)
    wanted = [name for name in source.names if _wanted(name)]
    missing = [
        name
        for name in (*IO_FILES, *SUPPORT_FILES)
        if name not in wanted and name != "tests/io/test_catalog_config_resolver.py"
    ]
    missing += [d for d in TEST_DIRS if not any(n.startswith(d + "/") for n in wanted)]
    if missing:
        raise ExtractError(
            f"{source.label} lacks Kedro's tests ({', '.join(missing)}). Kedro's source "
            "archives on PyPI hold no tests: give a clone of https://github.com/kedro-org/kedro."
        )
    manifest = build_manifest(source)
    if dest.exists():
        shutil.rmtree(dest)
    for name in wanted:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read(name))
    (dest / "pytest.ini").write_text(PYTEST_INI)
    (dest / "kedro_names.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    description = f"{len(wanted)} test files from {source.label}"
    (dest / "SOURCE.txt").write_text(description + "\n")
    return description
