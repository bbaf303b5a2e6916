"""Pipeline filters: selections, closures, unknown names with suggestions, filter()."""

from __future__ import annotations

import pytest

from runadvisor.pipeline import Pipeline, PipelineError, node


def g(*args):
    return args[0] if args else 0


@pytest.fixture
def pipe() -> Pipeline:
    r"""
    raw -> clean -> features -> model -> report
                \-> stats ------------/
    other -> side
    """
    return Pipeline(
        [
            node(g, "raw", "clean_data", name="clean", tags=["prep"]),
            node(g, "clean_data", "features", name="featurize", tags=["prep", "ml"]),
            node(g, "features", "model", name="train", tags="ml", namespace="ds"),
            node(g, "clean_data", "stats", name="describe", namespace="ds.eda"),
            node(g, ["model", "stats"], "report", name="report"),
            node(g, "other", "side", name="side", tags="misc"),
        ]
    )


def names(p: Pipeline) -> list[str]:
    return [n.name for n in p.nodes]


def test_only_nodes(pipe):
    assert names(pipe.only_nodes("clean", "report")) == ["clean", "report"]
    assert names(pipe.only_nodes()) == []


def test_unknown_node_name_lists_close_matches(pipe):
    with pytest.raises(PipelineError) as info:
        pipe.only_nodes("claen", "trian")
    message = str(info.value)
    assert "only_nodes()" in message
    assert "'claen' (did you mean 'clean'?)" in message
    assert "'trian'" in message


def test_unknown_node_suggests_namespaced_name(pipe):
    with pytest.raises(PipelineError, match=r"did you mean 'ds\.train'"):
        pipe.from_nodes("train")


def test_names_must_be_strings(pipe):
    with pytest.raises(PipelineError, match="Pass names as separate arguments"):
        pipe.only_nodes(["clean"])


def test_from_nodes_and_to_nodes(pipe):
    assert names(pipe.from_nodes("featurize")) == ["featurize", "ds.train", "report"]
    assert names(pipe.to_nodes("ds.train")) == ["clean", "featurize", "ds.train"]
    assert set(names(pipe.to_nodes("report"))) == {
        "clean",
        "featurize",
        "ds.train",
        "ds.eda.describe",
        "report",
    }


def test_inputs_and_outputs_filters(pipe):
    assert names(pipe.only_nodes_with_inputs("clean_data")) == ["ds.eda.describe", "featurize"]
    assert names(pipe.from_inputs("features")) == ["ds.train", "report"]
    assert names(pipe.from_inputs("report")) == []  # nothing reads the final output
    assert names(pipe.only_nodes_with_outputs("stats", "side")) == ["ds.eda.describe", "side"]
    assert names(pipe.to_outputs("features")) == ["clean", "featurize"]
    assert names(pipe.to_outputs("raw")) == []  # a free input needs no node


def test_unknown_dataset(pipe):
    with pytest.raises(PipelineError) as info:
        pipe.to_outputs("modle")
    assert "unknown dataset name(s) 'modle' (did you mean 'model'?)" in str(info.value)
    with pytest.raises(PipelineError, match="from_inputs\\(\\)"):
        pipe.from_inputs("nope")


def test_only_nodes_with_tags_any(pipe):
    assert names(pipe.only_nodes_with_tags("ml", "misc")) == ["featurize", "side", "ds.train"]
    assert names(pipe.only_nodes_with_tags()) == []
    # As in Kedro, a tag no node has selects nothing; it is not an error.
    assert names(pipe.only_nodes_with_tags("prpe")) == []
    assert names(pipe.only_nodes_with_tags("prpe", "misc")) == ["side"]


def test_only_nodes_with_namespace(pipe):
    assert names(pipe.only_nodes_with_namespace("ds")) == ["ds.eda.describe", "ds.train"]
    assert names(pipe.only_nodes_with_namespace("ds.eda")) == ["ds.eda.describe"]
    assert names(pipe.only_nodes_with_namespaces(["ds.eda"])) == ["ds.eda.describe"]
    with pytest.raises(PipelineError, match="unknown namespace name\\(s\\) 'd' "):
        pipe.only_nodes_with_namespace("d")
    with pytest.raises(PipelineError, match="'da'"):
        pipe.only_nodes_with_namespace("da")


def test_filter_intersects(pipe):
    p = pipe.filter(tags=["prep"], from_nodes=["featurize"])
    assert names(p) == ["featurize"]
    p = pipe.filter(node_names=["clean", "report"], from_inputs=["raw"])
    assert names(p) == ["clean", "report"]
    p = pipe.filter(to_outputs="model", node_namespaces=["ds"])
    assert names(p) == ["ds.train"]
    assert pipe.filter() == pipe
    assert names(pipe.filter(to_nodes=["featurize"])) == ["clean", "featurize"]


def test_filter_that_leaves_nothing_says_why(pipe):
    with pytest.raises(PipelineError) as info:
        pipe.filter(tags=["misc"], to_nodes=["report"])
    message = str(info.value)
    assert "no nodes left" in message
    assert "tags=['misc']: 1 node(s)" in message
    assert "intersected, not chained" in message

    with pytest.raises(PipelineError) as info:
        pipe.filter(from_inputs=["report"])
    assert "from_inputs=['report'] selected no nodes" in str(info.value)

    with pytest.raises(PipelineError, match="the pipeline has no nodes"):
        Pipeline([]).filter()


def test_filter_unknown_names_raise(pipe):
    with pytest.raises(PipelineError, match="'trian'"):
        pipe.filter(node_names=["trian"])


def test_namespaces_accepts_a_single_str_and_rejects_non_str(pipe):
    assert names(pipe.only_nodes_with_namespaces("ds.eda")) == ["ds.eda.describe"]
    with pytest.raises(PipelineError) as info:
        pipe.only_nodes_with_namespaces([3])
    assert "each namespace must be a str, but a int was given" in str(info.value)
    assert "separate arguments" not in str(info.value)


def test_filter_by_unknown_tags(pipe):
    # Unknown tags among known ones select nothing more, as in Kedro.
    assert names(pipe.filter(tags=["misc", "prpe"])) == ["side"]
    # A filter that leaves nothing says so, with the tags the pipeline has.
    with pytest.raises(PipelineError) as info:
        pipe.filter(tags=["prpe"])
    message = str(info.value)
    assert "tags=['prpe'] selected no nodes" in message
    assert "'prpe' (did you mean 'prep'?)" in message
    assert "the pipeline's tags are: 'misc', 'ml', 'prep'" in message
