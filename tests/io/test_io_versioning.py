"""Versioned datasets: Kedro's layout, version strings, pinning, and its errors."""

from __future__ import annotations

import os
import re
import warnings
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import pytest

from runadvisor.io import (
    VERSION_FORMAT,
    AbstractVersionedDataset,
    CSVDataset,
    DatasetError,
    JSONDataset,
    ParquetDataset,
    PickleDataset,
    Version,
    VersionNotFoundError,
    generate_timestamp,
)

FRAME = pd.DataFrame({"a": [1, 2]})
KINDS = [
    (CSVDataset, "t.csv", FRAME),
    (ParquetDataset, "t.parquet", FRAME),
    (PickleDataset, "t.pkl", {"x": [1]}),
    (JSONDataset, "t.json", {"x": [1]}),
]


def _same(left: Any, right: Any) -> bool:
    return bool(left.equals(right)) if isinstance(left, pd.DataFrame) else left == right


def test_timestamps_follow_kedros_format_to_the_millisecond() -> None:
    stamp = generate_timestamp()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d\.\d{3}Z", stamp), stamp
    parsed = datetime.strptime(stamp, VERSION_FORMAT)
    assert parsed.microsecond % 1000 == 0
    assert Version(None, "v") == Version(load=None, save="v")
    assert repr(Version(None, "v")) == "Version(load=None, save='v')"


@pytest.mark.parametrize(("kind", "name", "data"), KINDS)
def test_versioned_saves_go_to_filepath_version_basename(
    tmp_path: Path, kind: type, name: str, data: Any
) -> None:
    target = tmp_path / name
    dataset = kind(target, version=Version(None, "2024-01-01T00.00.00.000Z"))
    assert not dataset.exists()
    dataset.save(data)
    assert (target / "2024-01-01T00.00.00.000Z" / name).is_file()
    assert dataset.exists()
    assert _same(dataset.load(), data)
    assert dataset.resolve_save_version() == "2024-01-01T00.00.00.000Z"
    assert dataset.resolve_load_version() == "2024-01-01T00.00.00.000Z"


def test_unpinned_load_reads_the_newest_and_pinned_load_reads_its_version(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    JSONDataset(path, version=Version(None, "2024-01-01T00.00.00.000Z")).save({"v": 1})
    JSONDataset(path, version=Version(None, "2024-03-01T00.00.00.000Z")).save({"v": 3})
    with pytest.warns(UserWarning, match="did not match load version"):  # older than newest
        JSONDataset(path, version=Version(None, "2024-02-01T00.00.00.000Z")).save({"v": 2})
    newest = JSONDataset(path, version=Version(None, None))
    assert newest.load() == {"v": 3}
    assert newest.resolve_load_version() == "2024-03-01T00.00.00.000Z"
    pinned = JSONDataset(path, version=Version("2024-01-01T00.00.00.000Z", None))
    assert pinned.load() == {"v": 1}
    assert newest.list_versions(full_path=False) == [
        "2024-03-01T00.00.00.000Z",
        "2024-02-01T00.00.00.000Z",
        "2024-01-01T00.00.00.000Z",
    ]
    assert newest.list_versions()[0] == str(path / "2024-03-01T00.00.00.000Z" / "d.json")


def test_an_unpinned_save_uses_the_time_of_the_save(tmp_path: Path) -> None:
    dataset = PickleDataset(tmp_path / "m.pkl", version=Version(None, None))
    before = generate_timestamp()
    dataset.save([1])
    (version,) = os.listdir(tmp_path / "m.pkl")
    assert before <= version <= generate_timestamp()
    assert dataset.resolve_load_version() == version


def test_saving_twice_to_one_version_is_refused(tmp_path: Path) -> None:
    dataset = JSONDataset(tmp_path / "x.json", version=Version(None, "v1"))
    dataset.save([1])
    with pytest.raises(DatasetError, match=r"Save path '.*v1/x\.json' for JSONDataset\(.*\) must "):
        dataset.save([2])
    assert JSONDataset(tmp_path / "x.json", version=Version("v1", None)).load() == [1]


def test_loading_when_no_version_was_saved_says_so(tmp_path: Path) -> None:
    dataset = CSVDataset(tmp_path / "none.csv", version=Version(None, None))
    with pytest.raises(VersionNotFoundError, match="Did not find any versions for CSVDataset"):
        dataset.load()
    assert dataset.exists() is False


def test_loading_a_pinned_version_that_is_missing_names_the_file(tmp_path: Path) -> None:
    dataset = CSVDataset(tmp_path / "x.csv", version=Version("v9", None))
    with pytest.raises(DatasetError, match=r"file '.*x\.csv/v9/x\.csv' does not exist"):
        dataset.load()
    assert dataset.exists() is False


@pytest.mark.parametrize("bad", ["", ".", "..", "../up", "a/b", "a\\b"])
def test_versions_must_be_one_path_component(tmp_path: Path, bad: str) -> None:
    dataset = JSONDataset(tmp_path / "x.json", version=Version(None, bad or None))
    with pytest.raises(DatasetError, match="not allowed"):
        dataset._get_versioned_path(bad)


def test_versioning_a_dataset_saved_unversioned_before_explains_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    JSONDataset(path).save([1])
    with pytest.raises(DatasetError, match="file with the same name already exists") as info:
        JSONDataset(path, version=Version(None, "v1")).save([2])
    assert f"{path.as_posix()}/YYYY-MM-DDThh.mm.ss.sssZ/x.json" in str(info.value)


def test_saving_a_version_other_than_the_pinned_load_version_warns(tmp_path: Path) -> None:
    dataset = JSONDataset(tmp_path / "x.json", version=Version("old", "new"))
    with pytest.warns(UserWarning, match="Save version 'new' did not match load version 'old'"):
        dataset.save([1])


def test_a_matching_save_does_not_warn(tmp_path: Path) -> None:
    dataset = JSONDataset(tmp_path / "x.json", version=Version(None, None))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dataset.save([1])


def test_release_forgets_the_resolved_versions(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    reader = JSONDataset(path, version=Version(None, None))
    JSONDataset(path, version=Version(None, "v1")).save([1])
    assert reader.load() == [1]
    JSONDataset(path, version=Version(None, "v2")).save([2])
    assert reader.load() == [1]  # the resolved version is kept while the run goes on
    reader.release()
    assert reader.load() == [2]


def test_checking_existence_does_not_fix_the_version_to_load(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    reader = JSONDataset(path, version=Version(None, None))
    JSONDataset(path, version=Version(None, "v1")).save([1])
    assert reader.exists()
    JSONDataset(path, version=Version(None, "v2")).save([2])  # e.g. in a worker process
    assert reader.load() == [2]


def test_describe_shows_the_version(tmp_path: Path) -> None:
    dataset = JSONDataset(tmp_path / "x.json", version=Version(None, "v1"))
    assert "version=Version(load=None, save='v1')" in str(dataset)
    assert "version" not in str(JSONDataset(tmp_path / "x.json"))


class TextDataset(AbstractVersionedDataset):
    """A user's own versioned dataset, written as Kedro's documentation shows."""

    def __init__(self, filepath: str, version: Version | None = None) -> None:
        super().__init__(PurePosixPath(filepath), version)

    def load(self) -> str:
        return Path(self._get_load_path()).read_text()

    def save(self, data: str) -> None:
        path = Path(self._get_save_path())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data)

    def _exists(self) -> bool:
        return Path(self._get_load_path()).exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "version": self._version}


def test_a_users_own_versioned_dataset_gets_kedros_behaviour(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    assert not TextDataset(str(path), Version(None, None)).exists()  # VersionNotFound -> False
    TextDataset(str(path), Version(None, "a")).save("first")
    TextDataset(str(path), Version(None, "b")).save("second")
    assert TextDataset(str(path), Version(None, None)).load() == "second"
    assert TextDataset(str(path), Version("a", None)).load() == "first"
    with pytest.raises(DatasetError, match="must not exist if versioning is enabled"):
        TextDataset(str(path), Version(None, "a")).save("again")
    plain = TextDataset(str(tmp_path / "plain.txt"))
    plain.save("x")
    assert plain.load() == "x"
    assert (tmp_path / "plain.txt").read_text() == "x"
