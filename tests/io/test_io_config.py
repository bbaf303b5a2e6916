"""Catalog entries to datasets: how ``type`` is resolved, and the errors when it is not."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from runadvisor.io import (
    AbstractDataset,
    CachedDataset,
    CSVDataset,
    DatasetError,
    DatasetTypeNotFoundError,
    JSONDataset,
    MemoryDataset,
    ParquetDataset,
    PickleDataset,
    SharedMemoryDataset,
    Version,
)
from runadvisor.io.config import dataset_from_config, parse_dataset_definition, resolve_dataset_type


class RecordingDataset(AbstractDataset):
    """A user's dataset, named in entries by its full dotted path."""

    def __init__(self, path: str, credentials: Any = None, metadata: Any = None) -> None:
        self.path = path
        self.credentials = credentials
        self.metadata = metadata

    def load(self) -> Any:
        return self.path

    def save(self, data: Any) -> None:
        pass

    def _describe(self) -> dict[str, Any]:
        return {"path": self.path}


class AlwaysVersioned(RecordingDataset):
    versioned = True

    def __init__(self, path: str, version: Any = None) -> None:
        super().__init__(path)
        self.version = version


class NotADataset:
    def load(self, name: str) -> Any:  # a catalog's load(name), not a dataset's load()
        return name

    def save(self, name: str, data: Any) -> None:
        pass


OWN_NAMES = [
    ("pandas.CSVDataset", CSVDataset),
    ("pandas.ParquetDataset", ParquetDataset),
    ("pickle.PickleDataset", PickleDataset),
    ("json.JSONDataset", JSONDataset),
    ("kedro_datasets.pandas.CSVDataset", CSVDataset),
    ("kedro_datasets.pandas.csv_dataset.CSVDataset", CSVDataset),
    ("kedro_datasets.json.json_dataset.JSONDataset", JSONDataset),
    ("MemoryDataset", MemoryDataset),
    ("CachedDataset", CachedDataset),
    ("SharedMemoryDataset", SharedMemoryDataset),
    ("kedro.io.MemoryDataset", MemoryDataset),
    ("kedro.io.memory_dataset.MemoryDataset", MemoryDataset),
    ("kedro.io.cached_dataset.CachedDataset", CachedDataset),
    ("CSVDataset", CSVDataset),  # bare names are runadvisor.io's, as Kedro's are kedro.io's
    ("runadvisor.io.files.PickleDataset", PickleDataset),
]


@pytest.mark.usefixtures("without_kedro")
@pytest.mark.parametrize(("type_name", "expected"), OWN_NAMES)
def test_without_kedro_our_own_classes_serve_kedros_names(type_name: str, expected: type) -> None:
    assert resolve_dataset_type(type_name, "ds") is expected


def test_with_kedro_datasets_installed_its_classes_are_used() -> None:
    kedro_datasets = pytest.importorskip("kedro_datasets.pandas")
    assert resolve_dataset_type("pandas.CSVDataset") is kedro_datasets.CSVDataset
    assert resolve_dataset_type("MemoryDataset") is MemoryDataset  # bare names stay ours
    dataset = dataset_from_config("x", {"type": "pandas.CSVDataset", "filepath": "x.csv"})
    assert isinstance(dataset, kedro_datasets.CSVDataset)


def test_a_full_dotted_path_and_a_class_object_are_accepted() -> None:
    assert resolve_dataset_type(f"{__name__}.RecordingDataset") is RecordingDataset
    assert resolve_dataset_type(RecordingDataset) is RecordingDataset


@pytest.mark.usefixtures("without_kedro")
def test_a_kedro_datasets_type_we_do_not_serve_says_what_to_install() -> None:
    with pytest.raises(DatasetTypeNotFoundError) as info:
        dataset_from_config("sales", {"type": "pandas.ExcelDataset", "filepath": "s.xlsx"})
    error = info.value
    assert error.dataset == "sales"
    assert error.type_name == "pandas.ExcelDataset"
    assert error.install == 'pip install "kedro-datasets[pandas-exceldataset]"'
    message = str(error)
    assert message.startswith("Dataset 'sales' has type 'pandas.ExcelDataset'")
    assert 'pip install "kedro-datasets[pandas-exceldataset]"' in message
    assert "pandas.CSVDataset" in message  # what we do serve
    assert "\n" not in message


@pytest.mark.usefixtures("without_kedro")
def test_a_misspelt_type_gets_a_close_match() -> None:
    with pytest.raises(DatasetTypeNotFoundError, match=r"did you mean 'pandas\.CSVDataset'"):
        resolve_dataset_type("pandas.CSVDataSet", "ds")  # Kedro < 2.0 spelling


def test_a_missing_module_of_a_users_type_is_named() -> None:
    with pytest.raises(DatasetTypeNotFoundError) as info:
        resolve_dataset_type("no_such_pkg_xyz.datasets.Thing", "ds")
    assert "No module named 'no_such_pkg_xyz'" in str(info.value)
    assert info.value.install is None


def test_a_missing_class_in_an_existing_module_is_named() -> None:
    with pytest.raises(DatasetTypeNotFoundError, match=r"has no 'RecordingDatset'"):
        resolve_dataset_type(f"{__name__}.RecordingDatset", "ds")


def test_a_type_whose_dependency_is_missing_names_the_dependency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg_with_missing_dep"
    package.mkdir()
    (package / "__init__.py").write_text("import some_dependency_not_installed_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(DatasetTypeNotFoundError) as info:
        resolve_dataset_type("pkg_with_missing_dep.Thing", "ds")
    message = str(info.value)
    assert "cannot be imported here: No module named 'some_dependency_not_installed_xyz'" in message
    assert "install the package that provides it" in message


@pytest.mark.parametrize(
    ("type_name", "message"),
    [
        (".Relative", "does not support relative paths"),
        ("trailing.", "does not support relative paths"),
        ("NoSuchDatasetXyz", "give the full path"),
        (f"{__name__}.NotADataset", "must extend 'AbstractDataset'"),
        ("DataCatalog", "must extend 'AbstractDataset'"),
    ],
)
def test_bad_types_are_refused_with_the_reason(type_name: str, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        resolve_dataset_type(type_name, "ds")


def test_an_entry_without_type_or_not_a_mapping_is_refused() -> None:
    with pytest.raises(DatasetError, match="'type' is missing from dataset catalog configuration"):
        dataset_from_config("cars", {"filepath": "x.csv"})
    with pytest.raises(DatasetError, match="Catalog entry 'cars' is not a valid dataset"):
        dataset_from_config("cars", "pandas.CSVDataset")  # type: ignore[arg-type]


def test_wrong_constructor_arguments_name_the_dataset_and_class() -> None:
    with pytest.raises(DatasetError) as info:
        dataset_from_config("cars", {"type": "json.JSONDataset", "filepath": "x", "sep": ","})
    message = str(info.value)
    assert message.startswith("Dataset 'cars' must only contain arguments valid for the ")
    assert "JSONDataset" in message
    assert "'sep'" in message


def test_an_abstract_type_says_what_to_implement() -> None:
    class Half(AbstractDataset):
        def load(self) -> Any:
            return 1

    with pytest.raises(DatasetError, match=r"Dataset 'h' cannot be instantiated.*_describe"):
        dataset_from_config("h", {"type": Half})


def test_a_failing_constructor_names_the_dataset() -> None:
    class Broken(RecordingDataset):
        def __init__(self, path: str) -> None:
            raise RuntimeError(f"cannot open {path}")

    with pytest.raises(DatasetError) as info:
        dataset_from_config("p", {"type": Broken, "path": "x"})
    assert str(info.value).startswith("Failed to instantiate dataset 'p' of type")
    assert str(info.value).endswith("RuntimeError: cannot open x")


def test_versioned_entries_get_a_version_and_the_version_key_is_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, arguments = parse_dataset_definition(
        {"type": "json.JSONDataset", "filepath": "x.json", "versioned": True}, "l1", "s1"
    )
    assert arguments == {"filepath": "x.json", "version": Version("l1", "s1")}
    _, arguments = parse_dataset_definition({"type": "json.JSONDataset", "filepath": "x"})
    assert "version" not in arguments
    with caplog.at_level(logging.WARNING):
        _, arguments = parse_dataset_definition(
            {"type": "json.JSONDataset", "filepath": "x", "version": "mine"}
        )
    assert "version" not in arguments
    assert "'version' attribute removed" in caplog.text


def test_a_class_that_is_always_versioned_gets_a_version_with_a_save_timestamp() -> None:
    dataset = dataset_from_config("a", {"type": AlwaysVersioned, "path": "p"})
    assert dataset.version.load is None
    assert dataset.version.save  # generated now


def test_metadata_and_credentials_reach_the_constructor() -> None:
    dataset = dataset_from_config(
        "r",
        {
            "type": RecordingDataset,
            "path": "p",
            "metadata": {"owner": "me"},
            "credentials": {"k": 1},
        },
    )
    assert dataset.metadata == {"owner": "me"}
    assert dataset.credentials == {"k": 1}


def test_the_config_given_is_not_changed() -> None:
    entry = {"type": "json.JSONDataset", "filepath": "x", "versioned": True}
    dataset_from_config("j", entry)
    assert entry == {"type": "json.JSONDataset", "filepath": "x", "versioned": True}


def test_abstract_dataset_from_config_is_kedros_entry_point() -> None:
    dataset = AbstractDataset.from_config("m", {"type": "MemoryDataset", "data": [1]})
    assert isinstance(dataset, MemoryDataset)
    assert dataset.load() == [1]


def test_an_installed_kedro_datasets_type_missing_a_dependency_says_what_to_install() -> None:
    import importlib.util

    pytest.importorskip("kedro_datasets")
    if importlib.util.find_spec("plotly") is not None:
        pytest.skip("plotly is installed: PlotlyDataset would import")
    with pytest.raises(DatasetTypeNotFoundError) as info:
        resolve_dataset_type("plotly.PlotlyDataset", "chart")
    assert info.value.install == 'pip install "kedro-datasets[plotly-plotlydataset]"'
    assert "No module named 'plotly'" in str(info.value)
