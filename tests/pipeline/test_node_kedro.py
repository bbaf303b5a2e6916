"""Node as Kedro 1.x makes it: default names, ``str``, ``short_name``, namespace
prefixes, ``confirms``, copies, input order and generator functions."""

from __future__ import annotations

import functools
import hashlib
import pickle

import pytest

from runadvisor.pipeline import NodeSignatureError, PipelineError, node
from runadvisor.pipeline.node import default_node_name


def identity(x):
    return x


def add(a, b):
    return a + b


def scaled(data, *, factor, offset=0):
    return data * factor + offset


def gen(n):
    yield from range(n)


def pairs(n):
    for i in range(n):
        yield i, i * i


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


# -- default names -----------------------------------------------------------------------------


def test_default_name_is_function_and_sha256_of_module_name_inputs_outputs():
    n = node(add, ["a", "b"], "c")
    key = __name__ + ".add|['a', 'b']|['c']"
    assert n.name == "add__" + digest(key)


def test_default_name_depends_on_datasets_and_namespace_prefixes_it():
    a = node(identity, "x", "y")
    assert node(identity, "x", "y").name == a.name  # deterministic
    assert node(identity, "x", "z").name != a.name
    assert node(identity, ["x"], ["y"]).name == a.name  # a str is a one-item list
    assert node(identity, "x", "y", namespace="ns.inner").name == f"ns.inner.{a.name}"


def test_partial_lambda_and_callable_object_names():
    part = node(functools.partial(add, 1), "a", "b")
    assert part.name == "partial(add)__" + digest("partial(add)|['a']|['b']")
    assert part.short_name == "<Partial>"
    assert str(part) == "<partial>([a]) -> [b]"
    wrapped = functools.update_wrapper(functools.partial(add, 1), add)
    assert node(wrapped, "a", "b").name == part.name
    assert node(wrapped, "a", "b").short_name == "Add"
    lam = node(lambda x: x, "a", "b")
    assert lam.name == "<lambda>__" + digest(__name__ + ".<lambda>|['a']|['b']")
    assert lam.short_name == "<Lambda>"

    class Doubler:
        def __call__(self, x):
            return 2 * x

    obj = node(Doubler(), "a", "b")
    assert obj.name.startswith("Doubler__")
    assert obj.short_name == "Doubler"


def test_default_node_name_helper_matches_node():
    assert default_node_name(identity, ["x"], ["y"]) == node(identity, "x", "y").name


def test_explicit_names_str_and_short_name():
    n = node(add, ["a", "b"], ["c", "d"], name="sum_up", namespace="ns")
    assert n.name == "ns.sum_up"
    assert n.short_name == "sum_up"
    assert str(n) == "sum_up: add([a;b]) -> [c;d]"
    assert str(node(identity, "a", None)) == "identity([a]) -> None"
    assert node(add, ["a", "b"], "c").short_name == "Add"


def test_dict_inputs_are_ordered_by_the_functions_parameters():
    n = node(scaled, {"offset": "o", "factor": "f", "data": "d"}, "out")
    assert n.inputs == ["d", "f", "o"]
    assert str(n) == "scaled([d;f;o]) -> [out]"
    assert n.run({"d": 2, "f": 3, "o": 1}) == {"out": 7}


def test_dict_inputs_keep_declaration_order_without_a_signature():
    class Opaque:
        @property
        def __signature__(self):
            raise ValueError("no signature")

        def __call__(self, a, b):
            return [a, b]

    n = node(Opaque(), {"b": "y", "a": "x"}, "c")
    assert n.inputs == ["y", "x"]  # bound to (a, b) it would be ["x", "y"]
    assert n.run({"x": 1, "y": 2}) == {"c": [1, 2]}


# -- namespaces, confirms ------------------------------------------------------------------


def test_namespace_prefixes_outermost_first():
    assert node(identity, "a", "b", namespace="a.b.c").namespace_prefixes == ["a", "a.b", "a.b.c"]
    assert node(identity, "a", "b").namespace_prefixes == []


def test_confirms_accepts_a_name_or_names():
    assert node(identity, "a", "b").confirms == []
    assert node(identity, "a", "b", confirms="a").confirms == ["a"]
    n = node(identity, "a", "b", confirms=["x", "y"])
    assert n.confirms == ["x", "y"]
    n.confirms.append("z")
    assert n.confirms == ["x", "y"]


@pytest.mark.parametrize(("confirms", "fragment"), [(3, "'confirms' must be"), ([""], "item 0")])
def test_bad_confirms(confirms, fragment):
    with pytest.raises(PipelineError, match=fragment):
        node(identity, "a", "b", confirms=confirms)


# -- copies ---------------------------------------------------------------------------------


def test_copy_keeps_a_new_function_and_checks_its_signature():
    n = node(identity, "a", "b", name="n", tags="t", confirms="a")
    m = n._copy(func=lambda x: x * 10)
    assert m.run({"a": 2}) == {"b": 20}
    assert (m.name, m.tags, m.confirms) == ("n", {"t"}, ["a"])
    assert n.run({"a": 2}) == {"b": 2}
    with pytest.raises(NodeSignatureError):
        n._copy(func=add)
    with pytest.raises(TypeError, match="unexpected argument"):
        n._copy(nme="typo")


def test_copy_recomputes_the_default_name():
    n = node(identity, "a", "b")
    assert n._copy(inputs="z").name == node(identity, "z", "b").name


def test_rename_datasets_keeps_the_shape_and_sets_the_namespace():
    n = node(scaled, {"data": "d", "factor": "f"}, {"x": "out"}, confirms=["d"], name="s")
    m = n.rename_datasets(lambda name: f"p.{name}", namespace="p")
    assert m.inputs == ["p.d", "p.f"]
    assert m.outputs == ["p.out"]
    assert m.confirms == ["p.d"]
    assert (m.name, m.namespace) == ("p.s", "p")
    assert n.rename_datasets(str.upper).namespace is None


def test_func_can_be_replaced_by_a_hook_and_pickles():
    n = node(identity, "a", "b", name="n")
    n.func = lambda x: -x
    assert n.run({"a": 1}) == {"b": -1}
    assert n.name == "n"
    copy = pickle.loads(pickle.dumps(node(gen, "n", "c", confirms="n")))
    assert copy.yields_chunks and copy.confirms == ["n"]


# -- generator functions ----------------------------------------------------------------------


def test_generator_node_run_gives_chunk_iterators():
    n = node(gen, "n", "out")
    assert n.yields_chunks
    assert not node(identity, "a", "b").yields_chunks
    assert list(n.run({"n": 3})["out"]) == [0, 1, 2]


def test_generator_node_with_many_outputs_splits_each_chunk():
    result = node(pairs, "n", ["i", "sq"]).run({"n": 4})
    assert list(result) == ["i", "sq"]
    assert list(zip(result["i"], result["sq"])) == [(0, 0), (1, 1), (2, 4), (3, 9)]


def test_generator_chunks_are_checked_as_they_come():
    def ragged(n):
        yield 1, 2
        yield 3

    streams = node(ragged, "n", ["a", "b"], name="r").run({"n": 0})
    assert next(streams["a"]) == 1
    with pytest.raises(PipelineError, match="node 'r' yielded a int, expected a list or tuple"):
        next(streams["a"])


def test_replacing_func_updates_yields_chunks():
    n = node(identity, "n", "out")
    n.func = gen
    assert n.yields_chunks
    assert list(n.run({"n": 2})["out"]) == [0, 1]
