"""Node: construction, validation messages, run(), identity and pickling."""

from __future__ import annotations

import functools
import pickle
import re
import warnings

import cloudpickle
import pytest

from runadvisor.exceptions import RunAdvisorError
from runadvisor.pipeline import (
    Node,
    NodeOutputError,
    NodeSignatureError,
    PipelineError,
    node,
)


def identity(x):
    return x


def add(a, b):
    return a + b


def split(x):
    return x, x * 2


def as_dict(x):
    return {"lo": x - 1, "hi": x + 1}


def constant():
    return 42


def sink(x):
    return "ignored"


def with_default(a, b=2):
    return a + b


def varargs(*xs):
    return sum(xs)


def kwonly(a, *, k):
    return a + k


def posonly(a, /, b):
    return a - b


async def coro(x):
    return x


# -- construction ---------------------------------------------------------------------------


def test_node_attributes_and_default_name():
    n = node(add, ["a", "b"], "c")
    assert isinstance(n, Node)
    assert n.func is add
    assert n.inputs == ["a", "b"]
    assert n.outputs == ["c"]
    assert n.tags == set()
    assert n.namespace is None
    assert re.fullmatch(r"add__[0-9a-f]{8}", n.name)
    assert str(n) == "add([a;b]) -> [c]"


def test_dict_inputs_follow_the_parameters_and_outputs_the_declaration():
    n = node(add, {"b": "y", "a": "x"}, {"hi": "h", "lo": "l"})
    assert n.inputs == ["x", "y"]  # as they bind to add(a, b), as Kedro orders them
    assert n.outputs == ["h", "l"]
    assert n.name == node(add, {"a": "x", "b": "y"}, {"hi": "h", "lo": "l"}).name


def test_tuple_inputs_and_none_sides():
    assert node(add, ("a", "b"), None).outputs == []
    assert node(constant, None, "c").inputs == []
    assert str(node(constant, None, "c")) == "constant(None) -> [c]"
    assert node(constant, [], "c").inputs == []


def test_lambda_and_partial_names():
    assert re.fullmatch(r"<lambda>__[0-9a-f]{8}", node(lambda x: x, "a", "b").name)
    assert re.fullmatch(
        r"partial\(add\)__[0-9a-f]{8}", node(functools.partial(add, 1), "a", "b").name
    )
    nested = node(functools.partial(functools.partial(add, b=1)), "a", "c")
    assert nested.name.startswith("partial(add)__")
    assert nested.short_name == "<Partial>"


def test_callable_object_name_falls_back_to_type():
    class Doubler:
        def __call__(self, x):
            return 2 * x

    assert re.fullmatch(r"Doubler__[0-9a-f]{8}", node(Doubler(), "a", "b").name)


def test_namespace_prefixes_default_and_explicit_names():
    plain = node(identity, "a", "b")
    assert node(identity, "a", "b", namespace="ns").name == f"ns.{plain.name}"
    n = node(identity, "a", "b", name="step", namespace="ns.inner")
    assert n.name == "ns.inner.step"
    assert n.namespace == "ns.inner"
    assert n.short_name == "step"
    assert node(add, ["a", "b"], "c").short_name == "Add"


def test_tags_accept_str_or_iterable_and_tag_returns_copy():
    n = node(identity, "a", "b", tags="x")
    assert n.tags == {"x"}
    m = n.tag(["y", "z"])
    assert m.tags == {"x", "y", "z"}
    assert n.tags == {"x"}
    assert m == n  # tags are not part of identity
    n.tags.add("mutated")
    assert n.tags == {"x"}


def test_inputs_outputs_are_copies():
    n = node(add, ["a", "b"], "c")
    n.inputs.append("zzz")
    n.outputs.clear()
    assert n.inputs == ["a", "b"]
    assert n.outputs == ["c"]


# -- validation -----------------------------------------------------------------------------


def test_errors_are_runadvisor_and_value_errors():
    with pytest.raises(PipelineError) as info:
        node(identity, None, None)
    assert isinstance(info.value, RunAdvisorError)
    assert isinstance(info.value, ValueError)


def test_no_inputs_and_no_outputs():
    with pytest.raises(PipelineError, match="at least one input or output") as info:
        node(identity, None, [])
    assert "identity" in str(info.value)


def test_func_not_callable():
    with pytest.raises(PipelineError, match="first argument must be the node's function") as info:
        node("identity", "a", "b")
    assert "str" in str(info.value)


@pytest.mark.parametrize(
    ("inputs", "fragment"),
    [
        (5, "'inputs' must be None, a str, a list"),
        ({"a"}, "A set has no order; use a list"),
        (["a", 3], "item 1 is a int 3"),
        ("", "is an empty string"),
        ({"x": 4}, "the value for key 'x' is a int 4"),
        ({"not an identifier": "a"}, "is not a valid parameter name"),
    ],
)
def test_bad_inputs_say_what_was_given(inputs, fragment):
    with pytest.raises(PipelineError) as info:
        node(identity, inputs, "out")
    assert fragment in str(info.value)
    assert "identity" in str(info.value)


@pytest.mark.parametrize(
    ("outputs", "fragment"),
    [
        (3.5, "'outputs' must be None, a str, a list"),
        (["ok", None], "item 1 is a NoneType None"),
        (["", "b"], "item 0 is an empty string"),
    ],
)
def test_bad_outputs_say_what_was_given(outputs, fragment):
    with pytest.raises(PipelineError) as info:
        node(identity, "a", outputs)
    assert fragment in str(info.value)
    assert "'outputs'" in str(info.value)


def test_duplicate_outputs():
    with pytest.raises(PipelineError, match="'b' appear more than once") as info:
        node(split, "a", ["b", "b"])
    assert "node(split, 'a', ['b', 'b'])" in str(info.value)


def test_input_that_is_also_output():
    with pytest.raises(PipelineError, match="both an input and an output") as info:
        node(add, ["a", "b"], "a")
    assert "'a'" in str(info.value)


@pytest.mark.parametrize("tags", [3, ["ok", 1], "has space"])
def test_bad_tags(tags):
    with pytest.raises(PipelineError, match="tag") as info:
        node(identity, "a", "b", tags=tags)
    assert "identity" in str(info.value)


def test_bad_name_and_namespace():
    with pytest.raises(PipelineError, match="'name' must be a str") as info:
        node(identity, "a", "b", name=7)
    assert "int" in str(info.value)
    with pytest.raises(PipelineError, match="name 'a b' is not valid") as info:
        node(identity, "a", "b", name="a b")
    assert "'a_b'" in str(info.value)
    with pytest.raises(PipelineError, match="namespace an empty string is not valid"):
        node(identity, "a", "b", namespace="")


def test_signature_too_many_positional_inputs():
    with pytest.raises(NodeSignatureError) as info:
        node(add, ["x", "y", "z"], "out")
    message = str(info.value)
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, PipelineError)
    assert "node(add, ['x', 'y', 'z'], 'out')" in message
    assert "function add(a, b) takes 2 positional arguments but 3 inputs were given" in message
    assert "['x', 'y', 'z']" in message


def test_signature_too_few_positional_inputs():
    with pytest.raises(NodeSignatureError) as info:
        node(add, "x", "out")
    assert "requires 2 positional arguments but only 1 input was given" in str(info.value)
    assert "'b'" in str(info.value)


def test_signature_with_defaults_varargs_and_keyword_only():
    node(with_default, "a", "out")
    node(with_default, ["a", "b"], "out")
    node(varargs, ["a", "b", "c", "d"], "out")
    with pytest.raises(NodeSignatureError, match="keyword-only parameter"):
        node(kwonly, "a", "out")
    node(kwonly, {"a": "x", "k": "y"}, "out")


def test_signature_dict_inputs_unknown_missing_and_positional_only():
    with pytest.raises(NodeSignatureError) as info:
        node(add, {"a": "x", "c": "y"}, "out")
    assert "has no parameter(s) 'c'" in str(info.value)
    assert "a, b" in str(info.value)
    with pytest.raises(NodeSignatureError, match="requires 'b'"):
        node(add, {"a": "x"}, "out")
    with pytest.raises(NodeSignatureError, match="positional-only parameter"):
        node(posonly, {"a": "x", "b": "y"}, "out")


def test_signature_no_inputs_for_function_with_parameters():
    with pytest.raises(NodeSignatureError, match="requires 1 positional argument"):
        node(identity, None, "out")


def test_builtins_without_signature_are_not_checked():
    node(max, ["a", "b"], "c")  # no inspectable signature: accepted


def test_async_function_rejected():
    with pytest.raises(PipelineError, match="'async def'"):
        node(coro, "a", "b")


# -- run ------------------------------------------------------------------------------------


def test_run_positional_keyword_and_single():
    assert node(add, ["a", "b"], "c").run({"a": 1, "b": 2}) == {"c": 3}
    assert node(add, {"b": "y", "a": "x"}, "c").run({"x": 10, "y": 1}) == {"c": 11}
    assert node(identity, "a", "b").run({"a": 5}) == {"b": 5}
    assert node(constant, None, "c").run() == {"c": 42}
    assert node(constant, None, "c").run(None) == {"c": 42}
    assert node(add, ["a", "a"], "c").run({"a": 2}) == {"c": 4}
    assert node(identity, "a", "b")(a=3) == {"b": 3}


def test_run_without_outputs_drops_the_return_value_with_a_warning():
    with pytest.warns(UserWarning, match="returned a value of type 'str', but the node is"):
        assert node(sink, "a", None, name="sink").run({"a": 1}) == {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert node(lambda a: None, "a", None).run({"a": 1}) == {}


def test_run_list_and_dict_outputs():
    assert node(split, "a", ["b", "c"]).run({"a": 2}) == {"b": 2, "c": 4}
    assert node(as_dict, "a", {"lo": "low", "hi": "high"}).run({"a": 5}) == {
        "low": 4,
        "high": 6,
    }


def test_run_missing_and_extra_inputs():
    n = node(add, ["a", "b"], "c")
    with pytest.raises(PipelineError) as info:
        n.run({"a": 1, "z": 2})
    message = str(info.value)
    assert f"node {n.name!r}" in message
    assert "missing ['b']" in message
    assert "unexpected ['z']" in message
    with pytest.raises(PipelineError, match="run\\(\\) takes a dict"):
        n.run([1, 2])
    with pytest.raises(PipelineError, match="unexpected \\['a'\\]"):
        node(constant, None, "c").run({"a": 1})


def test_run_wrong_number_of_returned_values():
    n = node(lambda x: (x, x, x), "a", ["b", "c"], name="three")
    with pytest.raises(NodeOutputError) as info:
        n.run({"a": 1})
    assert "node 'three' returned 3 values but declares 2 outputs ['b', 'c']" in str(info.value)


def test_run_not_a_sequence_for_list_outputs():
    n = node(identity, "a", ["b", "c"], name="scalar")
    with pytest.raises(NodeOutputError) as info:
        n.run({"a": 1})
    assert "returned a int, expected a list or tuple of 2 values" in str(info.value)
    assert "scalar" in str(info.value)


def test_run_dict_output_shape_errors():
    n = node(identity, "a", {"lo": "low", "hi": "high"}, name="d")
    with pytest.raises(NodeOutputError, match="returned a list, expected a dict with keys"):
        n.run({"a": [1]})
    with pytest.raises(NodeOutputError) as info:
        n.run({"a": {"lo": 1, "mid": 2}})
    message = str(info.value)
    assert "missing keys ['hi']" in message
    assert "unexpected keys ['mid']" in message


def test_run_propagates_function_errors_unchanged():
    def boom(x):
        raise KeyError("inside")

    with pytest.raises(KeyError, match="inside"):
        node(boom, "a", "b").run({"a": 1})


# -- identity, repr, pickling ---------------------------------------------------------------


def test_equality_and_hash():
    a = node(add, ["a", "b"], "c")
    b = node(add, ["a", "b"], "c")
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert a != node(add, ["a", "b"], "c", name="other")
    assert a != node(add, ["b", "a"], "c")
    named = node(add, ["a", "b"], "c", name="same")
    assert named == node(add, ["a", "b"], "c", name="same")
    assert named != node(lambda a, b: a, ["a", "b"], "c", name="same")  # other function
    # dict order does not matter to identity (the default name does follow declaration order)
    assert node(add, {"a": "x", "b": "y"}, "c", name="n") == node(
        add, {"b": "y", "a": "x"}, "c", name="n"
    )
    assert a != a.name
    ordered = sorted([node(identity, "a", "b", name="z"), node(identity, "a", "c", name="m")])
    assert [n.name for n in ordered] == ["m", "z"]


def test_repr_is_readable():
    n = node(add, ["a", "b"], "c", tags="t")
    assert repr(n) == f"Node(add, ['a', 'b'], 'c', name={n.name!r}, tags=['t'])"


def test_pickle_module_level_function():
    n = node(add, {"a": "x", "b": "y"}, "c", tags=["t"], namespace="ns")
    copy = pickle.loads(pickle.dumps(n))
    assert copy == n
    assert hash(copy) == hash(n)
    assert copy.tags == {"t"}
    assert copy.run({"x": 1, "y": 2}) == {"c": 3}


def test_cloudpickle_lambda_and_closure():
    offset = 10
    n = node(lambda x: x + offset, "a", "b", name="closure")
    copy = cloudpickle.loads(cloudpickle.dumps(n))
    assert copy.name == "closure"
    assert copy.run({"a": 1}) == {"b": 11}
    assert {copy: 1}.get(copy) == 1
