"""Protocol and path of a filepath, as Kedro's datasets split them."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from runadvisor.io import DatasetError, Version, get_filepath_str, get_protocol_and_path


@pytest.mark.parametrize(
    ("filepath", "expected"),
    [
        ("s3://bucket/file.txt", ("s3", "bucket/file.txt")),
        ("s3://user@BUCKET/file.txt", ("s3", "BUCKET/file.txt")),
        ("gs://bucket/file.txt", ("gs", "bucket/file.txt")),
        ("abfss://box@acct.dfs.core.windows.net/p", ("abfss", "box@acct.dfs.core.windows.net/p")),
        ("oci://bucket@namespace/file.txt", ("oci", "bucket@namespace/file.txt")),
        ("hdfs://namenode:8020/file.txt", ("hdfs", "/file.txt")),
        ("file:///tmp/file.txt", ("file", "/tmp/file.txt")),
        ("/tmp/file.txt", ("file", "/tmp/file.txt")),
        ("data/01_raw/x.csv", ("file", "data/01_raw/x.csv")),
        ("C:\\Projects\\file.txt", ("file", "C:\\Projects\\file.txt")),
        ("file:///C:\\Projects\\file.txt", ("file", "C:\\Projects\\file.txt")),
        ("https://example.com/file.txt", ("https", "example.com/file.txt")),
        ("s3://some/example?query=q#frag", ("s3", "some/example?query=q#frag")),
        ("memory:///folder/x.csv", ("memory", "/folder/x.csv")),
    ],
)
def test_protocol_and_path(filepath: str, expected: tuple[str, str]) -> None:
    assert get_protocol_and_path(filepath) == expected


def test_http_paths_cannot_be_versioned() -> None:
    with pytest.raises(DatasetError, match="Versioning is not supported for HTTP protocols"):
        get_protocol_and_path("https://example.com/x.csv", Version(None, None))


def test_filepath_str_puts_the_http_scheme_back() -> None:
    assert get_filepath_str(PurePosixPath("example.com/x.csv"), "https") == (
        "https://example.com/x.csv"
    )
    assert get_filepath_str(PurePosixPath("bucket/x.csv"), "s3") == "bucket/x.csv"
