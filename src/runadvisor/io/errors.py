"""The errors of datasets and catalogs, with Kedro 1.x's names and bases.

Each is a ``RunAdvisorError`` (the CLI prints it as one line). Where Kedro
raises a builtin (``ValueError``, ``KeyError``, ``AttributeError``), ours
subclasses that builtin too, so Kedro code that catches it keeps working.
The errors that carry more than a message keep it in fields, for the layers
that decide what to do from them.
"""

from __future__ import annotations

from runadvisor.exceptions import RunAdvisorError


class DatasetError(RunAdvisorError):
    """A dataset could not load, save, check or release its data."""


class DatasetNotFoundError(DatasetError):
    """A name was asked of a catalog that does not hold it."""


class DatasetAlreadyExistsError(DatasetError):
    """A dataset of that name is already registered (Kedro compatibility)."""


class DatasetValueError(DatasetError, ValueError):
    """A dataset was given a bad argument (Kedro raises ``ValueError`` there)."""


class VersionNotFoundError(DatasetError):
    """A versioned dataset has no version to load."""


class VersionAlreadyExistsError(DatasetError):
    """A dataset's save version conflicts with the catalog's save version."""


class DatasetTypeNotFoundError(DatasetError):
    """A catalog entry's ``type`` names no dataset class that can be imported here.

    ``dataset`` is the entry's name (None outside a catalog), ``type_name`` the
    type as written, ``install`` the pip command that would provide it, if any.
    """

    def __init__(
        self, message: str, *, dataset: str | None, type_name: str, install: str | None
    ) -> None:
        super().__init__(message)
        self.dataset = dataset
        self.type_name = type_name
        self.install = install


class CredentialsNotFoundError(DatasetError, KeyError):
    """A catalog entry refers to credentials that were not given.

    ``credentials`` is the missing name; ``available`` the names that were given.
    """

    def __init__(self, message: str, *, credentials: str, available: list[str]) -> None:
        super().__init__(message)
        self.credentials = credentials
        self.available = available

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class DatasetNotPicklableError(DatasetError, AttributeError):
    """Datasets that cannot be used with worker processes (Kedro raises AttributeError).

    ``datasets`` names them; ``problems`` says, for each, what does not pickle.
    """

    def __init__(self, message: str, *, datasets: list[str], problems: list[str]) -> None:
        super().__init__(message)
        self.datasets = datasets
        self.problems = problems
