"""The advisor's own error: bad options, or an advice file that cannot be read."""

from __future__ import annotations

from runadvisor.exceptions import RunAdvisorError


class AdviceError(RunAdvisorError, ValueError):
    """An ``advise`` call that cannot go ahead as asked, or a corrupt/other-version advice file."""
