"""Loading a Kedro project with Kedro's API, and every Kedro-side mistake as a typed error."""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro_helpers import FAST, node_names

from runadvisor.kedro.errors import (
    BadParamsError,
    DatasetTypeError,
    KedroError,
    MissingCredentialsError,
    NotAKedroProjectError,
    UnknownPipelineError,
)
from runadvisor.kedro.project import KedroOptions, load_project, parse_params


def test_the_project_loads_as_kedro_run_sees_it(project: Path) -> None:
    loaded = load_project(project, KedroOptions(params=FAST))
    assert loaded.package == "bike_trips" and loaded.name == "bike_trips"
    assert {n.name for n in loaded.pipeline.nodes} == node_names(project)
    # parameters and runtime parameters, merged as Kedro merges them
    assert loaded.kedro_catalog.load("params:features") == {"rounds": 1, "io_wait": 0.0}
    assert loaded.kedro_catalog.load("params:report") == {"top": 5}
    # the project's hook is registered
    names = {type(p).__name__ for p in loaded.hook_manager.get_plugins()}
    assert "AuditHook" in names
    # nothing of the project was written or edited
    assert not (project / "data" / "03_primary").exists()


def test_pipeline_names_and_node_filters_choose_the_nodes(project: Path) -> None:
    loaded = load_project(project, KedroOptions(pipelines=("reporting",), params=FAST))
    assert {n.name for n in loaded.pipeline.nodes} == node_names(project, "reporting")
    assert loaded.name == "bike_trips:reporting"
    tagged = load_project(project, KedroOptions(tags=("features",), params=FAST))
    assert {n.name for n in tagged.pipeline.nodes} == {
        "duration_feature",
        "distance_feature",
        "member_feature",
        "hour_feature",
    }
    upstream = load_project(project, KedroOptions(to_nodes=("join_trips",), params=FAST))
    assert {n.name for n in upstream.pipeline.nodes} == {
        "clean_trips",
        "clean_stations",
        "join_trips",
    }


def test_an_unknown_pipeline_names_the_registered_ones_and_the_closest(project: Path) -> None:
    with pytest.raises(UnknownPipelineError) as caught:
        load_project(project, KedroOptions(pipelines=("data_procesing",)))
    error = caught.value
    assert error.name == "data_procesing"
    assert error.choices == ["data_processing", "reporting"]
    assert error.suggestion == "data_processing"
    assert "Did you mean 'data_processing'?" in str(error)


def test_a_folder_that_is_no_project(tmp_path: Path) -> None:
    with pytest.raises(NotAKedroProjectError) as caught:
        load_project(tmp_path)
    assert caught.value.path == str(tmp_path)
    with pytest.raises(NotAKedroProjectError):
        load_project(tmp_path / "missing")


def test_missing_credentials_name_the_dataset_and_the_credentials(project: Path) -> None:
    catalog = project / "conf" / "base" / "catalog.yml"
    catalog.write_text(
        catalog.read_text()
        + "\nwarehouse:\n  type: pandas.CSVDataset\n  filepath: data/x.csv\n"
        + "  credentials: warehouse_creds\n"
    )
    with pytest.raises(MissingCredentialsError) as caught:
        load_project(project)
    assert (caught.value.dataset, caught.value.credentials) == ("warehouse", "warehouse_creds")
    local = project / "conf" / "local" / "credentials.yml"
    local.write_text("warehouse_creds:\n  user: me\n")
    load_project(project, KedroOptions(params=FAST))  # defined now: no error


def _use_dataset_type(project: Path, type_name: str) -> None:
    catalog = project / "conf" / "base" / "catalog.yml"
    text = catalog.read_text().replace(
        "station_ranking:\n  type: pandas.CSVDataset", f"station_ranking:\n  type: {type_name}"
    )
    catalog.write_text(text)


def test_a_dataset_type_whose_package_is_missing_says_what_to_install(project: Path) -> None:
    module = project / "src" / "bike_trips" / "warehouse.py"
    module.write_text(
        "import runadvisor_no_such_driver  # noqa\n\n\nclass TableDataset:\n    pass\n"
    )
    _use_dataset_type(project, "bike_trips.warehouse.TableDataset")
    with pytest.raises(DatasetTypeError) as caught:
        load_project(project)
    error = caught.value
    assert error.dataset == "station_ranking"
    assert error.type_name == "bike_trips.warehouse.TableDataset"
    assert error.package == "runadvisor_no_such_driver"


def test_a_misspelt_dataset_type_is_called_a_typo(project: Path) -> None:
    _use_dataset_type(project, "pandas.CSVDatset")
    with pytest.raises(DatasetTypeError) as caught:
        load_project(project)
    assert caught.value.package is None
    assert "spelling" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "item"),
    [("features.rounds", "features.rounds"), ("=3", "=3"), ("a=1,b", "b")],
)
def test_bad_params_name_the_item(text: str, item: str) -> None:
    with pytest.raises(BadParamsError) as caught:
        parse_params(text)
    assert caught.value.item == item


def test_params_parse_as_kedro_parses_them() -> None:
    assert parse_params("features.rounds=3,report.top=2,name=x") == {
        "features": {"rounds": 3},
        "report": {"top": 2},
        "name": "x",
    }
    assert parse_params("") == {}


def test_every_kedro_error_is_a_runadvisor_error_that_pickles(project: Path) -> None:
    import pickle

    from runadvisor.exceptions import RunAdvisorError

    errors = [
        UnknownPipelineError("x", ["a", "b"]),
        MissingCredentialsError("d", "c", "local"),
        DatasetTypeError("d", "t", "p", "detail"),
        BadParamsError("a", "a", "no '='"),
        NotAKedroProjectError("/x"),
    ]
    for error in errors:
        assert isinstance(error, (KedroError, RunAdvisorError))
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and str(again) == str(error)
