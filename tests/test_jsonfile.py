"""Atomic writes and versioned JSON files: one reader, clear errors."""

import json

import pytest

from runadvisor.exceptions import RunAdvisorError
from runadvisor.jsonfile import atomic_write, check_header, read_json, write_json


class FileError(RunAdvisorError):
    pass


def test_write_json_round_trips_sets_and_paths(tmp_path):
    path = write_json(tmp_path / "sub" / "x.json", {"s": {3, 1}, "p": tmp_path})
    assert json.loads(path.read_text()) == {"s": [1, 3], "p": str(tmp_path)}


def test_write_json_refuses_nan(tmp_path):
    with pytest.raises(ValueError):
        write_json(tmp_path / "x.json", {"bad": float("nan")})
    assert list(tmp_path.iterdir()) == []  # no temporary file left


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("old")

    def half_then_fail(temp):
        with open(temp, "w") as fh:
            fh.write("new, but only ha")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(path, half_then_fail)
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"\xff\xfe\x00", "binary, not UTF-8"),
        (b'{"a": [1, 2', "truncated JSON"),
        (b"hello world", "not valid JSON"),
        (b'{"a": 1,, }', "not valid JSON"),
    ],
)
def test_read_json_says_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "f.json"
    path.write_bytes(content)
    with pytest.raises(FileError, match=message) as info:
        read_json(path, FileError, "profile")
    assert str(path) in str(info.value)


def test_read_json_missing_file_and_folder(tmp_path):
    with pytest.raises(FileError, match="no such file"):
        read_json(tmp_path / "nope.json", FileError, "profile")
    with pytest.raises(FileError, match="is a folder"):
        read_json(tmp_path, FileError, "profile")


def test_check_header_names_found_and_expected():
    check_header({"schema": "s", "version": 1}, "s", 1, "f.json", FileError, "profile")
    with pytest.raises(FileError, match=r"expected \"schema\": \"s\", found 'other'"):
        check_header({"schema": "other"}, "s", 1, "f.json", FileError, "profile")
    with pytest.raises(FileError, match="found 'list'"):
        check_header([1], "s", 1, "f.json", FileError, "profile")
    with pytest.raises(FileError, match="version 2, but this runadvisor reads version 1"):
        check_header({"schema": "s", "version": 2}, "s", 1, "f.json", FileError, "profile")
