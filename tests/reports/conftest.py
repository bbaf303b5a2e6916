"""Shared fixtures: profiled runs are made once per session, reports once per module."""

from __future__ import annotations

import pytest
from reports_helpers import hostile, profile_all, stand_in_recommendation


@pytest.fixture(scope="session")
def profiles():
    return profile_all()


@pytest.fixture(scope="session")
def recommendation(profiles):
    return stand_in_recommendation(profiles)


@pytest.fixture(scope="session")
def hostile_recommendation(profiles):
    return stand_in_recommendation(hostile(profiles))
