"""Transcoding: ``ds@pandas`` written and ``ds@spark`` read are one dataset ``ds``."""

from __future__ import annotations

import pytest

from runadvisor.io import DataCatalog
from runadvisor.pipeline import (
    CircularDependencyError,
    OutputNotUniqueError,
    Pipeline,
    PipelineError,
    node,
    pipeline,
    strip_transcoding,
)
from runadvisor.pipeline.transcoding import split_transcoding
from runadvisor.runners import SequentialRunner, ThreadRunner


def f(*args):
    return args[0] if args else 0


def names(p: Pipeline) -> set[str]:
    return {n.name for n in p.nodes}


@pytest.fixture
def shared() -> Pipeline:
    """write -> ds@pandas; ds@spark -> read_spark -> out1; ds@pandas -> read_pandas -> out2;
    extra@csv is a free input read in one format."""
    return Pipeline(
        [
            node(f, "ds@spark", "out1", name="read_spark"),
            node(f, ["ds@pandas", "extra@csv"], "out2", name="read_pandas"),
            node(f, "raw", "ds@pandas", name="write"),
        ]
    )


def test_split_and_strip():
    assert split_transcoding("ds@pandas") == ("ds", "pandas")
    assert split_transcoding("ds") == ("ds", "")
    assert strip_transcoding("ds@spark") == "ds"
    assert strip_transcoding("plain") == "plain"
    with pytest.raises(PipelineError, match="'a@b@c' has 2 transcoding separators"):
        strip_transcoding("a@b@c")


def test_node_rejects_two_separators_and_reading_what_it_writes():
    with pytest.raises(PipelineError, match="'a@b@c' has 2 transcoding separators"):
        node(f, "a@b@c", "out")
    with pytest.raises(PipelineError) as info:
        node(f, "ds@pandas", "ds@spark")
    assert "'ds@pandas' (written as 'ds@spark') are both an input and an output" in str(info.value)


def test_a_reader_in_another_format_depends_on_the_writer(shared):
    order = [n.name for n in shared.nodes]
    assert order == ["write", "read_pandas", "read_spark"]
    by = {n.name: n for n in shared.nodes}
    assert shared.node_dependencies[by["read_spark"]] == {by["write"]}
    assert [[n.name for n in level] for level in shared.grouped_nodes] == [
        ["write"],
        ["read_pandas", "read_spark"],
    ]


def test_free_inputs_and_outputs_count_transcoded_names_as_one(shared):
    assert shared.inputs() == {"raw", "extra@csv"}
    assert shared.outputs() == {"out1", "out2"}
    assert "ds@spark" in shared.all_inputs()
    assert shared.datasets() == {"raw", "extra@csv", "ds@pandas", "ds@spark", "out1", "out2"}


def test_producers_and_consumers_are_shared_by_every_form(shared):
    producers = shared.dataset_producers()
    assert producers["ds@spark"].name == producers["ds@pandas"].name == "write"
    consumers = shared.dataset_consumers()
    assert [n.name for n in consumers["ds@pandas"]] == ["read_pandas", "read_spark"]
    assert consumers["ds@spark"] == consumers["ds@pandas"]


def test_one_node_reading_two_forms_has_one_parent():
    p = Pipeline([node(f, "a", "b@x", name="w"), node(f, ["b@y", "b@x"], "c", name="r")])
    assert [n.name for n in p.node_children()[p.nodes[0]]] == ["r"]
    assert p.inputs() == {"a"}


def test_using_a_transcoded_dataset_without_its_format_is_an_error():
    with pytest.raises(PipelineError) as info:
        Pipeline(
            [
                node(f, "a", "ds", name="plain_writer"),
                node(f, "ds@spark", "b", name="spark_reader"),
            ]
        )
    message = str(info.value)
    assert "'ds' is used as 'ds@spark' and also as plain 'ds' (by node 'plain_writer')" in message


def test_two_forms_written_by_two_nodes_is_one_output_twice():
    with pytest.raises(OutputNotUniqueError, match="'ds@spark' is written by 'one' and by 'two'"):
        Pipeline([node(f, "a", "ds@pandas", name="one"), node(f, "b", "ds@spark", name="two")])


def test_cycle_through_transcoded_names_names_both_forms():
    with pytest.raises(CircularDependencyError) as info:
        Pipeline(
            [
                node(f, "a@pandas", "b@pandas", name="n1"),
                node(f, "b@spark", "a@spark", name="n2"),
            ]
        )
    message = str(info.value)
    assert "n1 -> n2 -> n1" in message
    assert "'n1' writes 'b@pandas', read by 'n2' as 'b@spark'" in message


def test_filters_match_a_plain_name_to_every_form(shared):
    assert names(shared.only_nodes_with_inputs("ds")) == {"read_spark", "read_pandas"}
    assert names(shared.only_nodes_with_inputs("ds@spark")) == {"read_spark"}
    assert names(shared.from_inputs("raw")) == {"write", "read_spark", "read_pandas"}
    assert names(shared.from_inputs("ds@pandas")) == {"read_pandas"}
    assert names(shared.only_nodes_with_outputs("ds")) == {"write"}
    assert names(shared.only_nodes_with_outputs("ds@spark")) == set()  # written as @pandas
    assert names(shared.to_outputs("out1")) == {"read_spark", "write"}
    assert names(shared.to_nodes("read_spark")) == {"read_spark", "write"}
    assert names(shared.from_nodes("write")) == {"write", "read_spark", "read_pandas"}
    assert names(shared.filter(from_inputs=["ds"], to_outputs=["out1"])) == {"read_spark"}


def test_filters_reject_forms_the_pipeline_does_not_use(shared):
    with pytest.raises(PipelineError, match="unknown dataset name\\(s\\) 'ds@csv'"):
        shared.from_inputs("ds@csv")
    assert names(shared.only_nodes_with_inputs("extra")) == {"read_pandas"}


def test_modular_mapping_of_a_base_keeps_the_format():
    inner = Pipeline([node(f, ["c@pandas", "d"], ["e@spark", "g"], name="n")])
    p = pipeline(inner, namespace="ns", inputs={"c": "c_new"})
    (n,) = p.nodes
    assert n.inputs == ["c_new@pandas", "ns.d"]
    assert n.outputs == ["ns.e@spark", "ns.g"]


def test_modular_mapping_of_one_form_leaves_the_others_prefixed():
    inner = Pipeline([node(f, ["a@pandas", "b"], "c", name="one"), node(f, ["a@spark", "c"], "cc")])
    p = pipeline(inner, inputs={"a@pandas": "alpha"}, namespace="ns")
    by = {n.name.split(".")[-1]: n for n in p.nodes}
    assert by["one"].inputs == ["alpha", "ns.b"]
    assert {"alpha", "ns.a@spark", "ns.b"} == p.inputs()


def test_inputs_mapping_must_be_a_free_input_by_its_base(shared):
    with pytest.raises(PipelineError, match="'ds@spark' is written by node 'write'"):
        pipeline(shared, inputs={"ds@spark": "x"})
    assert pipeline(shared, outputs={"ds": "shared_ds"}).dataset_producers()[
        "shared_ds@spark"
    ].name == ("write")


class SharedStore:
    """Two catalog entries over one store, as two formats of one file would be."""

    def __init__(self, store: dict, convert) -> None:
        self.store, self.convert = store, convert

    def save(self, data):
        self.store["value"] = data

    def load(self):
        return self.convert(self.store["value"])

    def exists(self):
        return "value" in self.store


@pytest.mark.parametrize("runner", [SequentialRunner, lambda: ThreadRunner(max_workers=3)])
def test_runner_loads_and_saves_each_form_through_its_own_entry(runner):
    store: dict = {}
    catalog = DataCatalog(
        {
            "raw": [3, 1, 2],
            "ds@list": SharedStore(store, list),
            "ds@tuple": SharedStore(store, tuple),
        }
    )
    p = Pipeline(
        [
            node(lambda t: type(t).__name__, "ds@tuple", "kind", name="read"),
            node(sorted, "raw", "ds@list", name="write"),
        ]
    )
    outputs = runner().run(p, catalog)
    assert outputs["kind"].load() == "tuple"
    assert store["value"] == [1, 2, 3]
