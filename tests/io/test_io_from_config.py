"""DataCatalog.from_config with Kedro's catalog.yml shape, and its inverse to_config."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from runadvisor.io import (
    AbstractDataset,
    CachedDataset,
    CSVDataset,
    DataCatalog,
    DatasetError,
    DatasetNotFoundError,
    JSONDataset,
    MemoryDataset,
    ParquetDataset,
    PickleDataset,
    Version,
    VersionAlreadyExistsError,
)

pytestmark = pytest.mark.usefixtures("without_kedro")
FRAME = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})


class Confirmable(AbstractDataset):
    def __init__(self) -> None:
        self.confirmed = 0

    def load(self) -> Any:
        return 1

    def save(self, data: Any) -> None:
        pass

    def confirm(self) -> None:
        self.confirmed += 1

    def _describe(self) -> dict[str, Any]:
        return {}


def _config(tmp_path: Path) -> dict[str, dict[str, Any]]:
    return {
        "boats": {"type": "pandas.CSVDataset", "filepath": str(tmp_path / "boats.csv")},
        "cars": {
            "type": "pandas.ParquetDataset",
            "filepath": str(tmp_path / "cars.parquet"),
            "save_args": {"compression": "gzip"},
            "metadata": {"owner": "ops"},
        },
        "model": {"type": "pickle.PickleDataset", "filepath": str(tmp_path / "m.pkl")},
    }


def test_entries_become_our_datasets_when_first_asked_for(tmp_path: Path) -> None:
    catalog = DataCatalog.from_config(_config(tmp_path))
    assert catalog.keys() == ["boats", "cars", "model"]
    assert len(catalog) == 3
    assert "boats" in catalog
    assert not catalog._datasets  # nothing created yet
    assert "pandas.CSVDataset (not created yet)" in repr(catalog)
    catalog.save("boats", FRAME)
    assert catalog.load("boats").equals(FRAME)
    assert isinstance(catalog["boats"], CSVDataset)
    assert list(catalog._datasets) == ["boats"]
    cars = catalog["cars"]
    assert isinstance(cars, ParquetDataset)
    assert cars.metadata == {"owner": "ops"}
    assert cars._save_args == {"compression": "gzip"}
    assert [type(ds) for ds in catalog.values()] == [PickleDataset, CSVDataset, ParquetDataset]
    assert catalog.keys() == ["boats", "cars", "model"]  # created in that order


def test_creating_an_entry_imports_pandas_only_then(tmp_path: Path) -> None:
    # from_config, `in`, keys and get_type of our own types need no pandas
    import subprocess

    script = (
        "import sys\n"
        "sys.modules['kedro_datasets'] = None\n"
        "from runadvisor.io import DataCatalog\n"
        "c = DataCatalog.from_config({'x': {'type': 'pandas.CSVDataset', 'filepath': 'x.csv'},"
        " '{n}_p': {'type': 'pandas.ParquetDataset', 'filepath': '{n}.pq'}})\n"
        "assert 'x' in c and 'a_p' in c and c.keys() == ['x']\n"
        "assert c.get_type('a_p') == 'runadvisor.io.files.ParquetDataset'\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_bad_entry_is_refused_by_from_config_itself(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="Catalog entry 'bad' is not a valid dataset"):
        DataCatalog.from_config({"bad": "pandas.CSVDataset"})  # type: ignore[dict-item]
    with pytest.raises(DatasetError, match="'type' is missing"):
        DataCatalog.from_config({"bad": {"filepath": "x"}})


def test_an_unknown_type_fails_when_the_dataset_is_first_used() -> None:
    catalog = DataCatalog.from_config({"sheet": {"type": "pandas.ExcelDataset", "filepath": "x"}})
    assert "sheet" in catalog
    with pytest.raises(DatasetError, match="kedro-datasets\\[pandas-exceldataset\\]"):
        catalog.load("sheet")
    assert "sheet" in catalog  # still there, still lazy: fixing the environment fixes it


def test_empty_and_none_configs_give_empty_catalogs() -> None:
    assert len(DataCatalog.from_config(None)) == 0
    assert len(DataCatalog.from_config({})) == 0


def test_load_versions_must_name_entries() -> None:
    with pytest.raises(DatasetNotFoundError, match=re.escape("'load_versions' keys [nope]")):
        DataCatalog.from_config({"a": {"type": "MemoryDataset"}}, load_versions={"nope": "v"})


def test_versioned_entries_save_to_the_catalog_version_and_load_pinned(tmp_path: Path) -> None:
    config = {
        "boats": {
            "type": "pandas.CSVDataset",
            "filepath": str(tmp_path / "b.csv"),
            "versioned": True,
        }
    }
    first = DataCatalog.from_config(config, save_version="2024-01-01T00.00.00.000Z")
    first.save("boats", FRAME)
    assert (tmp_path / "b.csv" / "2024-01-01T00.00.00.000Z" / "b.csv").is_file()
    second = DataCatalog.from_config(config, save_version="2024-02-01T00.00.00.000Z")
    second.save("boats", FRAME * 2)
    assert second.load("boats").equals(FRAME * 2)
    assert second.load("boats", version="2024-01-01T00.00.00.000Z").equals(FRAME)
    pinned = DataCatalog.from_config(
        config, load_versions={"boats": "2024-01-01T00.00.00.000Z"}, save_version="2024-03"
    )
    assert pinned.load("boats").equals(FRAME)
    assert pinned["boats"].resolve_load_version() == "2024-01-01T00.00.00.000Z"
    latest = DataCatalog.from_config(config)
    assert latest.load("boats").equals(FRAME * 2)
    assert latest._save_version  # defaults to now


def test_loading_a_version_of_an_unversionable_dataset_is_refused() -> None:
    catalog = DataCatalog({"m": MemoryDataset([1])})
    with pytest.raises(DatasetError, match=r"catalog.load\('m', version='v1'\).*not a versioned"):
        catalog.load("m", version="v1")


def test_datasets_with_another_save_version_are_refused(tmp_path: Path) -> None:
    catalog = DataCatalog.from_config({}, save_version="s1")
    with pytest.raises(VersionAlreadyExistsError, match="`other` with `s2` save version"):
        catalog["other"] = JSONDataset(tmp_path / "x.json", version=Version("l2", "s2"))
    catalog["same"] = JSONDataset(tmp_path / "y.json", version=Version("l3", "s1"))
    assert catalog._load_versions == {"same": "l3"}
    fresh = DataCatalog({"a": JSONDataset(tmp_path / "a.json", version=Version(None, "s9"))})
    assert fresh._save_version == "s9"
    with pytest.raises(VersionAlreadyExistsError):
        fresh["c"] = CachedDataset(JSONDataset(tmp_path / "c.json", version=Version(None, "s8")))


def test_a_cached_entry_is_versioned_on_the_cache_and_wraps_its_entry(tmp_path: Path) -> None:
    config = {
        "cached": {
            "type": "CachedDataset",
            "versioned": True,
            "dataset": {"type": "json.JSONDataset", "filepath": str(tmp_path / "c.json")},
        }
    }
    catalog = DataCatalog.from_config(config, load_versions={"cached": "v0"}, save_version="v1")
    cached = catalog["cached"]
    assert isinstance(cached, CachedDataset)
    assert isinstance(cached._dataset, JSONDataset)
    assert cached._dataset._version == Version("v0", "v1")
    inner = {**config["cached"]["dataset"], "versioned": True}
    bad = {"c": {"type": "CachedDataset", "dataset": inner}}
    with pytest.raises(DatasetError, match="versioned in the 'CachedDataset'"):
        DataCatalog.from_config(bad)["c"]


def test_to_config_gives_back_what_from_config_takes(tmp_path: Path) -> None:
    config = _config(tmp_path)
    config["cars"]["credentials"] = "cloud"
    catalog = DataCatalog.from_config(config, {"cloud": {"token": "T"}}, save_version="s1")
    catalog["made"] = JSONDataset(str(tmp_path / "made.json"), version=Version(None, None))
    catalog["cached"] = CachedDataset(PickleDataset(tmp_path / "c.pkl"), copy_mode="assign")
    catalog["memory"] = [1, 2]  # memory datasets are left out, as in Kedro
    _ = catalog["boats"]  # one created, the others still entries
    entries, credentials, load_versions, save_version = catalog.to_config()
    assert set(entries) == {"boats", "cars", "model", "made", "cached"}
    assert entries["cars"]["credentials"] == "cars_credentials"
    assert credentials == {"cars_credentials": {"token": "T"}}
    assert entries["made"] == {
        "type": "runadvisor.io.files.JSONDataset",
        "filepath": str(tmp_path / "made.json"),
        "load_args": None,
        "save_args": None,
        "credentials": None,
        "fs_args": None,
        "versioned": True,
    }
    assert entries["cached"]["type"] == "runadvisor.io.memory.CachedDataset"
    assert entries["cached"]["copy_mode"] == "assign"
    assert entries["cached"]["dataset"]["type"] == "runadvisor.io.files.PickleDataset"
    assert save_version == "s1"
    assert load_versions == dict.fromkeys(entries)
    rebuilt = DataCatalog.from_config(entries, credentials, load_versions, save_version)
    for name in entries:
        assert type(rebuilt[name]) is type(catalog[name])
    assert rebuilt["made"]._version == Version(None, "s1")
    assert rebuilt["cached"]._cache._copy_mode == "assign"
    rebuilt.save("boats", FRAME)
    assert catalog.load("boats").equals(FRAME)


def test_to_config_refuses_a_dataset_it_cannot_describe() -> None:
    class Duck:
        def load(self) -> int:
            return 1

        def save(self, data: Any) -> None:
            pass

    with pytest.raises(DatasetError, match="dataset 'duck' \\(Duck\\) cannot be written as config"):
        DataCatalog({"duck": Duck()}).to_config()


def test_filter_by_name_type_regex_and_class(tmp_path: Path) -> None:
    catalog = DataCatalog.from_config(_config(tmp_path))
    catalog["mem"] = MemoryDataset()
    assert catalog.filter("^b|^c") == ["boats", "cars"]
    assert catalog.filter(re.compile("^B", re.IGNORECASE)) == ["boats"]
    assert catalog.filter(type_regex="Parquet") == ["cars"]
    assert catalog.filter(by_type=MemoryDataset) == ["mem"]
    assert catalog.filter(by_type=[CSVDataset, PickleDataset]) == ["boats", "model"]
    assert catalog.filter("o", type_regex="files") == ["boats", "model"]
    assert catalog.filter() == ["boats", "cars", "model", "mem"]
    assert not catalog._datasets.keys() - {"mem"}  # filtering created nothing
    with pytest.raises(re.error):
        catalog.filter("((")


def test_get_type_names_the_class_without_creating_it(tmp_path: Path) -> None:
    catalog = DataCatalog.from_config(_config(tmp_path))
    catalog["mem"] = [1]
    assert catalog.get_type("boats") == "runadvisor.io.files.CSVDataset"
    assert catalog.get_type("mem") == "runadvisor.io.memory.MemoryDataset"
    assert catalog.get_type("missing") is None
    assert "boats" not in catalog._datasets


def test_objects_given_win_over_entries_and_replacing_clears_the_entry(tmp_path: Path) -> None:
    catalog = DataCatalog.from_config(_config(tmp_path), load_versions={"boats": "v1"})
    catalog["boats"] = MemoryDataset("replaced")
    assert catalog.load("boats") == "replaced"
    assert "boats" not in catalog.config_resolver.config
    assert "boats" not in catalog._load_versions
    resolver = DataCatalog.from_config(_config(tmp_path)).config_resolver
    given = DataCatalog({"model": MemoryDataset("mine")}, config_resolver=resolver)
    assert given.load("model") == "mine"
    assert "model" not in resolver.config


def test_confirm_calls_the_datasets_confirm() -> None:
    dataset = Confirmable()
    catalog = DataCatalog({"c": dataset, "m": MemoryDataset(1)})
    catalog.confirm("c")
    assert dataset.confirmed == 1
    with pytest.raises(DatasetError, match="Dataset 'm' does not have 'confirm' method"):
        catalog.confirm("m")
    with pytest.raises(DatasetNotFoundError, match="Dataset 'x' not found"):
        catalog.confirm("x")


def test_exists_on_entries_and_unknown_names(tmp_path: Path) -> None:
    catalog = DataCatalog.from_config(_config(tmp_path))
    assert not catalog.exists("boats")
    catalog.save("boats", FRAME)
    assert catalog.exists("boats")
    assert not catalog.exists("unknown")
    assert "unknown" not in catalog


def test_replacing_and_shadowing_entries_are_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    resolver = DataCatalog.from_config(_config(tmp_path)).config_resolver
    with caplog.at_level("WARNING"):
        catalog = DataCatalog({"model": MemoryDataset(1)}, config_resolver=resolver)
        catalog["boats"] = MemoryDataset(2)
    assert "Cannot register dataset 'model' from config" in caplog.text
    assert "Replacing dataset 'boats'" in caplog.text
