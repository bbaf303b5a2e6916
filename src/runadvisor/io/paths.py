"""File paths with a protocol (``s3://bucket/x.csv``), split as Kedro's datasets split them.

``get_protocol_and_path`` and ``get_filepath_str`` are the two helpers Kedro's
dataset authors call; they behave as Kedro's (``fsspec``'s storage-option
inference): a plain or Windows path is ``file``, a cloud URL keeps its bucket
in the path, an HTTP URL keeps its scheme out of the path.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import urlsplit

from runadvisor.io.errors import DatasetError

PROTOCOL_DELIMITER = "://"
HTTP_PROTOCOLS = ("http", "https")
CLOUD_PROTOCOLS = (
    "abfs",
    "abfss",
    "adl",
    "gcs",
    "gdrive",
    "gs",
    "oci",
    "oss",
    "s3",
    "s3a",
    "s3n",
)

_WINDOWS_DRIVE = re.compile(r"^[a-zA-Z]:[\\/]")
_HAS_SCHEME = re.compile(r"^[a-zA-Z0-9]+://")
_FILE_URL_DRIVE = re.compile(r"^/([a-zA-Z])[:|]([\\/].*)$")


def parse_filepath(filepath: str) -> tuple[str, str]:
    """``(protocol, path)`` for ``filepath``: ``file`` unless it starts with ``scheme://``."""
    if _WINDOWS_DRIVE.match(filepath) or not _HAS_SCHEME.match(filepath):
        return "file", filepath
    parts = urlsplit(filepath)
    protocol = parts.scheme or "file"
    if protocol in HTTP_PROTOCOLS:
        return protocol, filepath
    path = parts.path
    if protocol == "file":
        drive = _FILE_URL_DRIVE.match(path)
        if drive:
            path = ":".join(drive.groups())
    if parts.query:
        path = f"{path}?{parts.query}"
    if parts.fragment:
        path = f"{path}#{parts.fragment}"
    if parts.netloc and protocol in CLOUD_PROTOCOLS:
        host = parts.netloc.rsplit("@", 1)[-1].rsplit(":", 1)[0]
        path = host + path
        # Azure (abfss) and Oracle (oci) keep the container or bucket before the '@'.
        if protocol in ("abfss", "oci") and parts.username:
            path = f"{parts.username}@{path}"
    return protocol, path


def get_protocol_and_path(filepath: str | PurePath, version: object = None) -> tuple[str, str]:
    """``(protocol, path)``; HTTP paths lose their scheme and cannot be versioned."""
    protocol, path = parse_filepath(str(filepath))
    if protocol in HTTP_PROTOCOLS:
        if version is not None:
            raise DatasetError(
                "Versioning is not supported for HTTP protocols. "
                "Please remove the `versioned` flag from the dataset configuration."
            )
        path = path.split(PROTOCOL_DELIMITER, 1)[-1]
    return protocol, path


def get_filepath_str(raw_path: PurePath, protocol: str) -> str:
    """The path as a string, with its ``http(s)://`` put back for HTTP protocols."""
    path = raw_path.as_posix()
    if protocol in HTTP_PROTOCOLS:
        path = f"{protocol}{PROTOCOL_DELIMITER}{path}"
    return path


def validate_on_forbidden_chars(**kwargs: str) -> None:
    """Refuse a white-space or ``;`` in any of the given string arguments (names that
    reach a shell or SQL), as Kedro's helper of the same name does."""
    for key, value in kwargs.items():
        if " " in value or ";" in value:
            raise DatasetError(f"Neither white-space nor semicolon are allowed in '{key}'.")
