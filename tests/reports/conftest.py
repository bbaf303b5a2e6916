"""Shared fixtures: real advice and profiled runs, made once per session.

``recommendation`` is a real measured ``advise()`` of the small pipeline (two
runs per candidate, 1 or 2 workers, about a second); ``predicted`` a real
predict-only one. ``stand_in`` has exactly the attributes docs/architecture.md
lists, so a report that reads anything else fails.
"""

from __future__ import annotations

import os
import sys

import pytest
from reports_helpers import (
    SPAN,
    hostile,
    hostile_recommendation_of,
    profile_all,
    small_pipeline,
    stand_in_recommendation,
)

sys.path.insert(0, os.path.dirname(__file__))  # reports_helpers, for advise's children


@pytest.fixture(scope="session")
def profiles():
    return profile_all()


@pytest.fixture(scope="session")
def recommendation(calibration_cache):
    from runadvisor.advisor import advise
    from runadvisor.io import DataCatalog

    # Without a budget: every candidate measured twice, as the report tests expect.
    return advise(
        small_pipeline(), DataCatalog({"span": SPAN}), workers=[2], repeats=2, budget=None
    )


@pytest.fixture(scope="session")
def predicted(calibration_cache):
    from runadvisor.advisor import advise
    from runadvisor.io import DataCatalog

    return advise(small_pipeline(), DataCatalog({"span": SPAN}), predict_only=True)


@pytest.fixture(scope="session")
def stand_in(profiles):
    return stand_in_recommendation(profiles)


@pytest.fixture(scope="session")
def hostile_recommendation(recommendation):
    return hostile_recommendation_of(recommendation)


@pytest.fixture(scope="session")
def hostile_profiles(profiles):
    return hostile(profiles)
