"""pipeline(): namespaces, input/output/parameter mappings and their errors."""

from __future__ import annotations

import pytest

from runadvisor.pipeline import Pipeline, PipelineError, node, pipeline


def scale(data, factor):
    return data * factor


def total(values):
    return sum(values)


def both(x):
    return {"lo": x - 1, "hi": x + 1}


@pytest.fixture
def base() -> Pipeline:
    """raw + params:factor -> scaled -> summed; parameters -> settings_used."""
    return Pipeline(
        [
            node(scale, {"data": "raw", "factor": "params:factor"}, "scaled", name="scale"),
            node(total, "scaled", "summed", name="total"),
            node(lambda p: p, "parameters", "settings_used", name="settings"),
        ]
    )


def test_namespace_prefixes_datasets_and_node_names(base):
    p = pipeline(base, namespace="ns")
    assert {n.name for n in p.nodes} == {"ns.scale", "ns.total", "ns.settings"}
    assert all(n.namespace == "ns" for n in p.nodes)
    # Kedro 1.x: params:x becomes params:<namespace>.x; 'parameters' stays as it is.
    assert p.inputs() == {"ns.raw", "params:ns.factor", "parameters"}
    assert p.outputs() == {"ns.summed", "ns.settings_used"}
    scale_node = p.only_nodes("ns.scale").nodes[0]
    assert scale_node.inputs == ["ns.raw", "params:ns.factor"]
    # keyword structure is kept: the function still gets data= and factor=
    assert scale_node.run({"ns.raw": 2, "params:ns.factor": 3}) == {"ns.scaled": 6}


def test_default_node_names_follow_renamed_datasets():
    p = pipeline([node(total, "a", "b")], namespace="ns")
    assert p.nodes[0].name == "ns." + node(total, "ns.a", "ns.b").name
    assert p.nodes[0].name != "ns." + node(total, "a", "b").name


def test_inputs_and_outputs_mappings_are_not_prefixed(base):
    p = pipeline(base, namespace="ns", inputs={"raw": "shared_raw"}, outputs="summed")
    assert p.inputs() == {"shared_raw", "params:ns.factor", "parameters"}
    assert p.outputs() == {"summed", "ns.settings_used"}
    assert "ns.scaled" in p.datasets()
    q = pipeline(base, namespace="ns", inputs={"raw"}, outputs=["summed", "settings_used"])
    assert q.inputs() == {"raw", "params:ns.factor", "parameters"}
    assert q.outputs() == {"summed", "settings_used"}


def test_outputs_may_expose_an_intermediate(base):
    p = pipeline(base, namespace="ns", outputs={"scaled": "scaled_public"})
    assert "scaled_public" in p.all_outputs()
    assert p.dataset_producers()["scaled_public"].name == "ns.scale"
    assert [n.name for n in p.dataset_consumers()["scaled_public"]] == ["ns.total"]


def test_parameters_mapping_with_or_without_prefix(base):
    p = pipeline(base, parameters={"factor": "params:other_factor"})
    assert p.inputs() == {"raw", "params:other_factor", "parameters"}
    q = pipeline(base, parameters={"params:factor": "k"}, namespace="ns")
    assert q.inputs() == {"ns.raw", "params:k", "parameters"}
    r = pipeline(base, parameters={"factor", "parameters"}, namespace="ns")
    assert {"params:factor", "parameters"} <= r.inputs()


def test_without_namespace_only_renames_and_tags(base):
    p = pipeline(base, inputs={"raw": "r"}, tags="t")
    assert {n.name for n in p.nodes} == {"scale", "total", "settings"}
    assert p.inputs() == {"r", "params:factor", "parameters"}
    assert all(n.tags == {"t"} for n in p.nodes)
    assert pipeline(base) == base


def test_dict_outputs_keep_their_keys():
    p = pipeline([node(both, "x", {"lo": "low", "hi": "high"}, name="b")], namespace="ns")
    assert p.nodes[0].run({"ns.x": 5}) == {"ns.low": 4, "ns.high": 6}


def test_nested_namespaces(base):
    inner = pipeline(base, namespace="inner")
    outer = pipeline(inner, namespace="outer", inputs={"inner.raw": "raw"})
    assert {n.namespace for n in outer.nodes} == {"outer.inner"}
    assert "outer.inner.total" in {n.name for n in outer.nodes}
    assert "outer.inner.scaled" in outer.datasets()
    assert "raw" in outer.inputs()
    assert outer.only_nodes_with_namespace("outer") == outer


def test_same_pipe_twice_under_different_namespaces(base):
    combined = pipeline(base, namespace="a") + pipeline(base, namespace="b")
    assert len(combined) == 6
    assert {"a.summed", "b.summed"} <= combined.outputs()


def test_prefix_datasets_with_namespace_false(base):
    p = pipeline(base, namespace="group", prefix_datasets_with_namespace=False)
    assert p.datasets() == base.datasets()
    assert {n.name for n in p.nodes} == {"group.scale", "group.total", "group.settings"}


def test_accepts_node_or_list(base):
    n = node(total, "a", "b", name="t")
    assert pipeline(n, namespace="x").nodes[0].name == "x.t"
    assert len(pipeline([n, base])) == 4
    assert len(Pipeline([n], namespace="x")) == 1


def test_error_input_produced_inside(base):
    with pytest.raises(PipelineError) as info:
        pipeline(base, namespace="ns", inputs={"scaled": "x"})
    message = str(info.value)
    assert "'scaled' is written by node 'scale'" in message
    assert "not a free input" in message
    assert "outputs=" in message


def test_error_output_that_is_a_free_input(base):
    with pytest.raises(PipelineError) as info:
        pipeline(base, namespace="ns", outputs={"raw": "x"})
    assert "'raw' is not written by any node" in str(info.value)
    assert "use inputs=" in str(info.value)


def test_error_unknown_names_with_suggestions(base):
    with pytest.raises(PipelineError) as info:
        pipeline(base, namespace="ns", inputs={"rwa": "x"})
    assert "pipeline(inputs=...)" in str(info.value)
    assert "'rwa' (did you mean 'raw'?)" in str(info.value)
    with pytest.raises(PipelineError, match="did you mean 'summed'"):
        pipeline(base, outputs="sumed")
    with pytest.raises(PipelineError) as info:
        pipeline(base, parameters={"factr": "f"})
    assert "unknown parameter name(s) 'params:factr'" in str(info.value)
    assert "params:factor" in str(info.value)


def test_error_parameter_in_inputs(base):
    with pytest.raises(PipelineError, match="are parameters; map parameters with parameters="):
        pipeline(base, inputs={"params:factor": "x"})


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"inputs": 5}, "pipeline(inputs=...): expected a str"),
        ({"inputs": {"raw": ""}}, "names must be non-empty strings"),
        ({"outputs": {"summed": 3}}, "names must be non-empty strings"),
        ({"namespace": "bad space"}, "namespace 'bad space' is not valid"),
        ({"namespace": 3}, "'namespace' must be a str"),
    ],
)
def test_error_bad_arguments(base, kwargs, fragment):
    with pytest.raises(PipelineError) as info:
        pipeline(base, **kwargs)
    assert fragment in str(info.value)


def test_mapping_two_outputs_to_one_name_is_caught(base):
    from runadvisor.pipeline import OutputNotUniqueError

    with pytest.raises(OutputNotUniqueError, match="'out' is written by"):
        pipeline(base, outputs={"summed": "out", "settings_used": "out"})


def test_list_inputs_and_no_input_nodes_are_renamed():
    p = pipeline(
        [
            node(lambda: 1, None, "one", name="start"),
            node(lambda a, b: [a + b], ["one", "params:k"], ["two"], name="sum"),
        ],
        namespace="ns",
    )
    by_name = {n.name: n for n in p.nodes}
    assert by_name["ns.start"].inputs == []
    assert by_name["ns.sum"].inputs == ["ns.one", "params:ns.k"]
    assert by_name["ns.sum"].run({"ns.one": 1, "params:ns.k": 2}) == {"ns.two": 3}


# -- parameters under a namespace, as Kedro 1.x ---------------------------------------------


def test_namespace_prefixes_each_parameter_but_not_all_parameters(base):
    p = pipeline(base, namespace="ns")
    by = {n.name: n for n in p.nodes}
    assert by["ns.scale"].inputs == ["ns.raw", "params:ns.factor"]
    assert by["ns.settings"].inputs == ["parameters"]


def test_listed_parameters_stay_global_inside_a_namespace():
    inner = Pipeline([node(lambda a, x, y: a, ["a", "params:x", "params:y"], "b", name="n")])
    (n,) = pipeline(inner, namespace="ns", parameters={"params:x"}).nodes
    assert n.inputs == ["ns.a", "params:x", "params:ns.y"]
    (m,) = pipeline(inner, namespace="ns", parameters="x").nodes
    assert m.inputs == ["ns.a", "params:x", "params:ns.y"]


def test_renamed_parameters_are_not_prefixed():
    inner = Pipeline(
        [
            node(lambda a, x: a, ["a", "params:x"], "aa", name="one"),
            node(lambda a, y: a, ["aa", "params:y"], "b", name="two"),
        ]
    )
    p = pipeline(inner, namespace="run", parameters={"x": "shared.x"}, outputs={"b": "b_out"})
    by = {n.name: n for n in p.nodes}
    assert by["run.one"].inputs == ["run.a", "params:shared.x"]
    assert by["run.two"].inputs == ["run.aa", "params:run.y"]
    assert p.outputs() == {"b_out"}


def test_nested_namespaces_prefix_parameters_at_each_level(base):
    outer = pipeline(pipeline(base, namespace="inner"), namespace="outer")
    assert "params:outer.inner.factor" in outer.inputs()
    assert "parameters" in outer.inputs()


def test_prefix_datasets_with_namespace_false_leaves_parameters(base):
    p = pipeline(base, namespace="group", prefix_datasets_with_namespace=False)
    assert "params:factor" in p.inputs()


def test_confirms_are_renamed_like_datasets():
    inner = Pipeline([node(total, "a", "b", name="n", confirms=["a", "params:p"])])
    (n,) = pipeline(inner, namespace="ns", inputs={"a": "a_in"}).nodes
    assert n.confirms == ["a_in", "params:ns.p"]


def test_parameters_mapping_must_name_parameters_the_pipeline_reads(base):
    with pytest.raises(PipelineError, match="unknown parameter name\\(s\\) 'params:missing'"):
        pipeline(base, namespace="ns", parameters={"missing"})


# Kedro 1.7.0 gives exactly these names (checked against Kedro itself; Kedro's own
# tests read them through private Node attributes).
def _pair(a, b):
    return a, b


def test_a_transcoded_dataset_maps_by_its_base_name_and_keeps_its_format():
    base = pipeline([node(_pair, ["C@pandas", "D"], ["E@spark", "F"], name="n")])
    p = pipeline(base, namespace="PREFIX", inputs={"C": "C_new"})
    (only,) = p.nodes
    assert only.inputs == ["C_new@pandas", "PREFIX.D"]
    assert only.outputs == ["PREFIX.E@spark", "PREFIX.F"]


def test_namespacing_renames_confirms_and_keeps_an_exposed_output():
    base = pipeline(
        [
            node(lambda a: a, "A", "B", name="node1", confirms="A"),
            node(_pair, ["B", "params:x"], ["X", "Y"], name="node2"),
        ]
    )
    p = pipeline(base, outputs={"B": "B_new"}, namespace="ACTUAL")
    first, second = p.nodes
    assert (first.name, first.inputs, first.outputs) == ("ACTUAL.node1", ["ACTUAL.A"], ["B_new"])
    assert first.confirms == ["ACTUAL.A"]
    assert second.inputs == ["B_new", "params:ACTUAL.x"]
    assert second.outputs == ["ACTUAL.X", "ACTUAL.Y"]
