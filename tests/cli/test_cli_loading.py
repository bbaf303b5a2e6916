"""load_target: every TARGET form, and one clear TargetError per user mistake."""

from __future__ import annotations

import sys
from pathlib import Path

import cloudpickle
import pytest
from cli_helpers import CHAIN, EXAMPLES

from runadvisor import DataCatalog, ParallelRunner, Pipeline
from runadvisor.loading import TargetError, load_target, split_target


def test_split_target() -> None:
    assert split_target("a/b.py") == ("a/b.py", None)
    assert split_target("a/b.py:make") == ("a/b.py", "make")
    assert split_target("pkg.mod:obj.attr") == ("pkg.mod", "obj.attr")
    assert split_target("C:\\work\\p.py") == ("C:\\work\\p.py", None)
    assert split_target("weird:na-me") == ("weird:na-me", None)


def test_module_level_pipeline_and_catalog(write_py) -> None:
    path = write_py("chain.py", CHAIN)
    pipe, catalog, name = load_target(str(path))
    assert isinstance(pipe, Pipeline) and len(pipe.nodes) == 4
    assert isinstance(catalog, DataCatalog) and catalog.load("x") == 1
    assert name == "chain"


def test_create_functions_and_generic_file_name(write_py) -> None:
    write_py(
        "proj/pipeline.py",
        """
        from runadvisor import DataCatalog, Pipeline, node, pipeline  # `pipeline` is the factory

        def create_pipeline():
            return Pipeline([node(lambda x: x, "x", "y", name="ident")])

        def create_catalog():
            return DataCatalog({"x": 5})
        """,
    )
    pipe, catalog, name = load_target("proj/pipeline.py")
    assert [n.name for n in pipe.nodes] == ["ident"]
    assert catalog.load("x") == 5
    assert name == "proj"  # "pipeline" says nothing; the folder names it
    assert load_target("proj")[2] == "proj"  # a folder holding pipeline.py


def test_named_objects(write_py) -> None:
    write_py(
        "named.py",
        """
        from runadvisor import DataCatalog, Pipeline, node

        small = Pipeline([node(lambda x: x, "x", "y", name="one")])

        def big():
            return Pipeline([node(lambda x: x, "x", "y", name="two")])

        def with_catalog():
            return big(), DataCatalog({"x": 7})

        def registry():
            return {"__default__": small}
        """,
    )
    assert [n.name for n in load_target("named.py:small")[0].nodes] == ["one"]
    assert [n.name for n in load_target("named.py:big")[0].nodes] == ["two"]
    _, catalog, name = load_target("named.py:with_catalog")
    assert catalog.load("x") == 7 and name == "named:with_catalog"
    assert [n.name for n in load_target("named.py:registry")[0].nodes] == ["one"]
    assert len(load_target("named.py:small")[1].keys()) == 0  # no catalog: an empty one


def test_module_target_from_the_working_folder(write_py) -> None:
    write_py("mypkg/__init__.py", "")
    write_py("mypkg/flows.py", CHAIN)
    try:
        pipe, _, name = load_target("mypkg.flows")
        assert len(pipe.nodes) == 4 and name == "flows"
        assert len(load_target("mypkg.flows:pipeline")[0].nodes) == 4
        # imported from the working folder, so sent to workers by value
        assert cloudpickle.cloudpickle._is_registered_pickle_by_value(sys.modules["mypkg.flows"])
    finally:
        for mod in ("mypkg", "mypkg.flows"):
            sys.modules.pop(mod, None)


def test_sibling_imports_reach_spawned_workers(write_py) -> None:
    """The target's folder is on sys.path while importing, and its modules travel by value."""
    write_py("flow/helpers_for_spawn.py", "def triple(x):\n    return 3 * x\n")
    write_py(
        "flow/pipeline.py",
        """
        from helpers_for_spawn import triple
        from runadvisor import DataCatalog, Pipeline, node

        def plus(y):
            return y + 1

        pipeline = Pipeline([node(triple, "x", "y", name="t"), node(plus, "y", "z", name="p")])
        catalog = DataCatalog({"x": 2})
        """,
    )
    try:
        pipe, catalog, _ = load_target("flow/pipeline.py")
        assert str(Path.cwd() / "flow") not in sys.path  # restored after the import
        outputs = ParallelRunner(max_workers=1, mp_context="spawn").run(pipe, catalog)
        assert outputs["z"].load() == 7
    finally:
        sys.modules.pop("helpers_for_spawn", None)


def test_examples_load() -> None:
    for example in ("io_fetch", "cpu_transform", "mixed_etl"):
        pipe, _, name = load_target(str(EXAMPLES / example / "pipeline.py"))
        assert name == example and len(pipe.nodes) > 3


# -- mistakes ------------------------------------------------------------------------


def _error(target: str) -> str:
    with pytest.raises(TargetError) as info:
        load_target(target)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_file_names_path_and_folder() -> None:
    message = _error("nowhere/pipe.py")
    assert "No such file: 'nowhere/pipe.py'" in message and str(Path.cwd()) in message


def test_not_a_python_file(write_py) -> None:
    write_py("data.txt", "x")
    assert "not a Python file (.py)" in _error("data.txt")


def test_folder_without_pipeline(tmp_path) -> None:
    (Path.cwd() / "empty").mkdir()
    assert "folder without pipeline.py" in _error("empty")


def test_missing_module() -> None:
    message = _error("no_such_pkg.flows")
    assert "No file or module named 'no_such_pkg.flows'" in message
    assert "PYTHONPATH" in message


def test_import_error_in_user_file(write_py) -> None:
    write_py("boom.py", "import json\nraise ValueError('bad setting: 3')\n")
    message = _error("boom.py")
    assert message == (
        "importing boom.py raised ValueError: bad setting: 3 (run with --debug for the traceback)"
    )
    assert not any(name.startswith("runadvisor_target_boom") for name in sys.modules)


def test_missing_dependency_in_user_module(write_py) -> None:
    write_py("needs.py", "import not_installed_anywhere\n")
    message = _error("needs.py")
    assert "raised ModuleNotFoundError: No module named 'not_installed_anywhere'" in message


def test_syntax_error(write_py) -> None:
    write_py("broken.py", "def f(:\n    pass\n")
    message = _error("broken.py")
    assert message.startswith("importing broken.py raised SyntaxError:")
    assert "line 1" in message


def test_no_pipeline_lists_candidates(write_py) -> None:
    write_py(
        "nothing.py",
        """
        from runadvisor import Pipeline, node, pipeline

        def build():
            return None

        dag = Pipeline([node(lambda x: x, "x", "y", name="n")])
        """,
    )
    message = _error("nothing.py")
    assert message.startswith("No pipeline found in nothing.py")
    assert "create_pipeline()" in message and "build, dag" in message


def test_unknown_name_lists_candidates(write_py) -> None:
    write_py("chain.py", CHAIN)
    message = _error("chain.py:pipline")
    assert "has no name 'pipline'" in message and "pipeline" in message


def test_not_a_pipeline_says_the_type(write_py) -> None:
    write_py("wrong.py", "pipeline = {'a': 1}\n")
    assert "`pipeline` is a dict, not a runadvisor Pipeline" in _error("wrong.py")
    write_py("wrong2.py", "def create_pipeline():\n    return [1, 2]\n")
    assert "create_pipeline() returned a value that is a list" in _error("wrong2.py")


def test_factory_raising(write_py) -> None:
    write_py("raises.py", "def create_pipeline():\n    raise KeyError('cfg')\n")
    message = _error("raises.py")
    assert message == (
        "calling raises.py:create_pipeline() raised KeyError: 'cfg' "
        "(run with --debug for the traceback)"
    )


def test_catalog_of_the_wrong_type(write_py) -> None:
    write_py(
        "badcat.py",
        "from runadvisor import Pipeline, node\n"
        "pipeline = Pipeline([node(lambda x: x, 'x', 'y', name='n')])\n"
        "catalog = [1, 2]\n",
    )
    assert "catalog from badcat.py is a list, not a runadvisor DataCatalog" in _error("badcat.py")


def test_catalog_dict_is_accepted(write_py) -> None:
    write_py(
        "dictcat.py",
        "from runadvisor import Pipeline, node\n"
        "pipeline = Pipeline([node(lambda x: x, 'x', 'y', name='n')])\n"
        "catalog = {'x': 3}\n",
    )
    assert load_target("dictcat.py")[1].load("x") == 3


def test_empty_pipeline(write_py) -> None:
    write_py("empty.py", "from runadvisor import Pipeline\npipeline = Pipeline([])\n")
    assert "has no nodes" in _error("empty.py")
