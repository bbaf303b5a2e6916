"""File datasets: round trips, arguments, missing files, atomic saves, pickling."""

from __future__ import annotations

import gzip
import json
import os
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import cloudpickle
import pandas as pd
import pytest

from runadvisor.io import (
    CSVDataset,
    DatasetError,
    DatasetValueError,
    JSONDataset,
    ParquetDataset,
    PickleDataset,
)
from runadvisor.jsonfile import atomic_write

FRAME = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})

ROUND_TRIPS = [
    (CSVDataset, "data.csv", FRAME),
    (ParquetDataset, "data.parquet", FRAME),
    (PickleDataset, "data.pkl", {"frame": FRAME, "items": [1, 2]}),
    (JSONDataset, "data.json", {"a": [1, 2.5, None], "b": {"c": "é"}}),
]


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, pd.DataFrame):
        return left.equals(right)
    if isinstance(left, dict) and "frame" in left:
        return left["frame"].equals(right["frame"]) and left["items"] == right["items"]
    return bool(left == right)


@pytest.mark.parametrize(("kind", "name", "data"), ROUND_TRIPS)
def test_round_trip_creates_folders_and_exists(
    tmp_path: Path, kind: type, name: str, data: Any
) -> None:
    dataset = kind(tmp_path / "deep" / "er" / name)
    assert not dataset.exists()
    dataset.save(data)
    assert dataset.exists()
    assert _equal(data, dataset.load())
    assert sorted(os.listdir(tmp_path / "deep" / "er")) == [name]  # no temp files left
    assert kind._EPHEMERAL is False


@pytest.mark.parametrize(("kind", "name", "data"), ROUND_TRIPS)
def test_datasets_pickle_and_work_after_unpickling(
    tmp_path: Path, kind: type, name: str, data: Any
) -> None:
    dataset = kind(str(tmp_path / name), metadata={"owner": "me"})
    for dumps in (pickle.dumps, cloudpickle.dumps):
        clone = pickle.loads(dumps(dataset))
        clone.save(data)
        assert _equal(data, dataset.load())
        assert clone.metadata == {"owner": "me"}


@pytest.mark.parametrize(("kind", "name", "data"), ROUND_TRIPS)
def test_loading_a_missing_file_names_the_file_and_who_should_create_it(
    tmp_path: Path, kind: type, name: str, data: Any
) -> None:
    path = tmp_path / "nowhere" / name
    dataset = kind(path)
    with pytest.raises(DatasetError) as info:
        dataset.load()
    message = str(info.value)
    assert f"file '{path}' does not exist" in message
    assert f"Cannot load {kind.__name__}(filepath='{path}'" in message
    assert "upstream" in message
    assert "Failed while loading" not in message  # our own message, not wrapped


def test_filepath_expands_home_and_accepts_pathlike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    dataset = JSONDataset("~/sub/x.json")
    assert dataset.filepath == str(tmp_path / "sub" / "x.json")
    dataset.save([1])
    assert JSONDataset(tmp_path / "sub" / "x.json").load() == [1]


def test_csv_default_save_args_drop_the_index_and_user_args_merge(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    CSVDataset(path).save(FRAME)
    assert path.read_text().splitlines()[0] == "a,b"

    dataset = CSVDataset(path, load_args={"sep": ";"}, save_args={"sep": ";"})
    assert str(dataset) == (
        f"CSVDataset(filepath='{path}', load_args={{'sep': ';'}}, "
        "save_args={'index': False, 'sep': ';'})"
    )
    dataset.save(FRAME)
    assert path.read_text().splitlines()[1] == "1;x"
    assert dataset.load().equals(FRAME)


def test_csv_compression_is_inferred_from_the_real_name(tmp_path: Path) -> None:
    path = tmp_path / "x.csv.gz"
    dataset = CSVDataset(path)
    dataset.save(FRAME)
    with gzip.open(path, "rt") as file:
        assert file.readline().strip() == "a,b"
    assert dataset.load().equals(FRAME)


def test_parquet_load_and_save_args(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    dataset = ParquetDataset(path, load_args={"columns": ["b"]}, save_args={"compression": "gzip"})
    dataset.save(FRAME)
    assert dataset.load().equals(FRAME[["b"]])


def test_parquet_refuses_partition_cols(tmp_path: Path) -> None:
    with pytest.raises(DatasetValueError, match=r"save_args\['partition_cols'\]"):
        ParquetDataset(tmp_path / "x", save_args={"partition_cols": ["a"]})


def test_pickle_backends_and_args(tmp_path: Path) -> None:
    plain = PickleDataset(tmp_path / "p.pkl", save_args={"protocol": 2})
    plain.save({"a": 1})
    assert (tmp_path / "p.pkl").read_bytes()[:2] == b"\x80\x02"
    assert plain.load() == {"a": 1}

    def closure(x: int) -> int:
        return x + offset

    offset = 10
    clouded = PickleDataset(tmp_path / "f.pkl", backend="cloudpickle")
    clouded.save(closure)
    assert clouded.load()(1) == 11
    assert str(clouded).startswith(f"PickleDataset(filepath='{tmp_path / 'f.pkl'}', backend=")
    with pytest.raises(DatasetError, match="Failed while saving data to dataset PickleDataset"):
        plain.save(closure)  # stdlib pickle cannot send a local function


def test_pickle_backend_must_exist_and_fit(tmp_path: Path) -> None:
    with pytest.raises(DatasetValueError, match="backend 'no_such_module_xyz' cannot be imported"):
        PickleDataset(tmp_path / "p", backend="no_such_module_xyz")
    with pytest.raises(ValueError, match="backend 'os' should satisfy the pickle interface"):
        PickleDataset(tmp_path / "p", backend="os")


def test_json_defaults_to_indent_two_and_passes_args(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    JSONDataset(path).save({"b": 1, "a": 2})
    assert path.read_text(encoding="utf-8") == '{\n  "b": 1,\n  "a": 2\n}'

    dataset = JSONDataset(
        path, load_args={"parse_float": Decimal}, save_args={"indent": None, "sort_keys": True}
    )
    dataset.save({"b": 1.5, "a": "é"})
    assert path.read_text(encoding="utf-8") == '{"a": "\\u00e9", "b": 1.5}'
    assert dataset.load() == {"a": "é", "b": Decimal("1.5")}


class HalfWritingFrame(pd.DataFrame):
    """A DataFrame whose to_csv writes part of the file and then fails."""

    @property
    def _constructor(self) -> type:
        return HalfWritingFrame

    def to_csv(self, path: Any = None, **kwargs: Any) -> None:  # type: ignore[override]
        with open(path, "w") as file:
            file.write("a,b\n1,")
        raise OSError("disk full")


def test_a_failed_csv_save_keeps_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    dataset = CSVDataset(path)
    dataset.save(FRAME)
    before = path.read_bytes()
    with pytest.raises(DatasetError, match="while saving data to dataset CSVDataset") as info:
        dataset.save(HalfWritingFrame({"a": [9]}))
    assert isinstance(info.value.__cause__, OSError)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["x.csv"]


def test_a_failed_first_save_leaves_no_file(tmp_path: Path) -> None:
    dataset = JSONDataset(tmp_path / "x.json")
    with pytest.raises(DatasetError, match="not JSON serializable"):
        dataset.save({"a": [1, 2, object()]})  # json.dump has written "{"a": [1, 2," by then
    assert os.listdir(tmp_path) == []
    assert not dataset.exists()


def test_a_failed_pickle_save_keeps_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "x.pkl"
    dataset = PickleDataset(path)
    dataset.save(["old"])
    with pytest.raises(DatasetError, match="Failed while saving"):
        dataset.save(["new" * 1000, lambda: 1])
    assert dataset.load() == ["old"]
    assert os.listdir(tmp_path) == ["x.pkl"]


def test_a_failed_rename_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: str, dst: str) -> None:
        raise PermissionError("read-only target")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(PermissionError):
        atomic_write(str(tmp_path / "x.txt"), lambda temp: Path(temp).write_text("hi"))
    assert os.listdir(tmp_path) == []


def test_saving_a_file_where_a_folder_should_be_is_a_dataset_error(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("")
    with pytest.raises(DatasetError, match=r"Failed while saving data to dataset JSONDataset"):
        JSONDataset(tmp_path / "blocker" / "x.json").save([1])


def test_json_file_written_by_others_loads(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps([1, 2]), encoding="utf-8")
    assert JSONDataset(path).load() == [1, 2]


@pytest.mark.parametrize(
    ("kind", "method"), [(CSVDataset, "to_csv"), (ParquetDataset, "to_parquet")]
)
def test_frame_datasets_say_what_they_save(tmp_path: Path, kind: type, method: str) -> None:
    dataset = kind(tmp_path / "x")
    with pytest.raises(DatasetError) as info:
        dataset.save([1, 2])
    message = str(info.value)
    assert message.startswith(f"{kind.__name__}(filepath='{tmp_path / 'x'}'")
    assert f"saves pandas DataFrames, but was given a list (it has no {method}())" in message
    assert "PickleDataset" in message
    assert not dataset.exists()


def test_arguments_after_filepath_are_keywords(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        JSONDataset(tmp_path / "x.json", {"indent": 4})  # type: ignore[misc]
    assert CSVDataset(filepath=str(tmp_path / "x.csv")).filepath == str(tmp_path / "x.csv")
    assert CSVDataset(tmp_path / "x.csv").protocol == "file"


@pytest.mark.parametrize(("kind", "name", "data"), ROUND_TRIPS)
def test_remote_paths_go_through_fsspec(kind: type, name: str, data: Any) -> None:
    fsspec = pytest.importorskip("fsspec")
    folder = f"/runadvisor-test-{os.getpid()}-{kind.__name__}"
    dataset = kind(f"memory://{folder}/{name}", credentials={"token": "T"}, fs_args={"x": 1})
    assert dataset.protocol == "memory"
    assert dataset._fs.storage_options == {"token": "T", "x": 1}
    assert not dataset.exists()
    dataset.save(data)
    assert dataset.exists()
    assert _equal(data, dataset.load())
    memory = fsspec.filesystem("memory")
    assert memory.exists(f"{folder}/{name}")
    memory.rm(folder, recursive=True)


def test_remote_versioned_datasets_keep_kedros_layout() -> None:
    fsspec = pytest.importorskip("fsspec")
    from runadvisor.io import Version

    folder = f"/runadvisor-test-{os.getpid()}-versioned"
    JSONDataset(f"memory://{folder}/x.json", version=Version(None, "v1")).save([1])
    JSONDataset(f"memory://{folder}/x.json", version=Version(None, "v2")).save([2])
    latest = JSONDataset(f"memory://{folder}/x.json", version=Version(None, None))
    assert latest.load() == [2]
    assert latest.list_versions(full_path=False) == ["v2", "v1"]
    assert fsspec.filesystem("memory").exists(f"{folder}/x.json/v1/x.json")
    fsspec.filesystem("memory").rm(folder, recursive=True)


def test_remote_paths_without_fsspec_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "fsspec", None)
    with pytest.raises(DatasetError, match="need fsspec: pip install fsspec"):
        CSVDataset("s3://bucket/x.csv")
