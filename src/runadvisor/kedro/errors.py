"""What can go wrong on the Kedro side, as typed errors with fields.

Each is a :class:`~runadvisor.exceptions.RunAdvisorError`: the command line
prints it as one line (the problem and the fix) and exits 2. Other layers
decide from the type and the fields, never from the text.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from runadvisor.exceptions import RunAdvisorError

INSTALL_HINT = "pip install 'runadvisor[kedro]'"


class KedroError(RunAdvisorError):
    """The base of every Kedro-side mistake."""


class KedroNotInstalledError(KedroError, ImportError):
    """Kedro (or a piece of it) cannot be imported. ``missing``: the module."""

    def __init__(self, missing: str = "kedro") -> None:
        self.missing = missing
        super().__init__(
            f"Kedro projects need the kedro package, and {missing!r} cannot be imported: "
            f"{INSTALL_HINT}"
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.missing,))


class NotAKedroProjectError(KedroError):
    """``path`` is no Kedro project: no ``pyproject.toml`` with a ``[tool.kedro]`` table."""

    def __init__(self, path: str, reason: str = "") -> None:
        self.path = path
        self.reason = reason
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"'{path}' is not a Kedro project{why}: a project root holds a pyproject.toml "
            "with a [tool.kedro] table. Give the folder `kedro new` created, or run from it."
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.path, self.reason))


class UnknownPipelineError(KedroError, KeyError):
    """``--pipeline NAME`` names no registered pipeline; ``choices`` are the registered ones."""

    def __init__(self, name: str, choices: Sequence[str]) -> None:
        self.name = name
        self.choices = sorted(choices)
        close = difflib.get_close_matches(name, self.choices, n=1)
        self.suggestion = close[0] if close else None
        hint = f" Did you mean '{self.suggestion}'?" if self.suggestion else ""
        listed = ", ".join(self.choices) or "none"
        super().__init__(
            f"The project has no pipeline named '{name}' (registered: {listed}).{hint} "
            "Name one that register_pipelines() in pipeline_registry.py returns."
        )

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.name, self.choices))


class MissingCredentialsError(KedroError):
    """Dataset ``dataset`` asks for credentials ``credentials`` that no credentials file has."""

    def __init__(self, dataset: str, credentials: str, env: str | None) -> None:
        self.dataset = dataset
        self.credentials = credentials
        self.env = env
        where = f"conf/{env}/credentials.yml" if env else "conf/local/credentials.yml"
        super().__init__(
            f"Dataset '{dataset}' needs the credentials '{credentials}', which are not "
            f"defined: add a '{credentials}:' entry to {where} (or pick the environment that "
            "has it with --env)."
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.dataset, self.credentials, self.env))


class DatasetTypeError(KedroError):
    """Dataset ``dataset`` has a ``type`` that cannot be imported (``package`` not installed)."""

    def __init__(self, dataset: str, type_name: str, package: str | None, detail: str) -> None:
        self.dataset = dataset
        self.type_name = type_name
        self.package = package
        self.detail = detail
        if package:
            fix = f"install it (e.g. pip install '{package}')"
        else:
            fix = "check the type's spelling in catalog.yml"
        super().__init__(
            f"Dataset '{dataset}' has type '{type_name}', which cannot be loaded ({detail}): {fix}."
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.dataset, self.type_name, self.package, self.detail))


class BadParamsError(KedroError):
    """``--params`` text that does not parse; ``item`` is the piece at fault."""

    def __init__(self, text: str, item: str, why: str) -> None:
        self.text = text
        self.item = item
        self.why = why
        super().__init__(
            f"--params {text!r}: {why} in {item!r}. Give key=value pairs separated by commas, "
            "e.g. --params 'model.alpha=0.1,split=0.2' (dots reach into nested parameters)."
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.text, self.item, self.why))


class KedroProjectError(KedroError):
    """The project could not be loaded; ``stage`` says where (settings, config, catalog,
    pipelines) and ``detail`` what Kedro said, first line only."""

    def __init__(self, path: str, stage: str, detail: str, fix: str) -> None:
        self.path = path
        self.stage = stage
        self.detail = detail
        self.fix = fix
        super().__init__(
            f"Loading the Kedro project at '{path}' failed while reading its {stage}: "
            f"{detail}. {fix}"
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.path, self.stage, self.detail, self.fix))


class KedroRunnerError(KedroError, ValueError):
    """A runadvisor.kedro runner asked for in a way that cannot work (a bad worker count)."""
