"""The advisor: which runner, how many workers, and the evidence.

``advise(pipeline, catalog)`` profiles one sequential run, walks a decision
tree over the facts, simulates every candidate (runner, workers) from the
measured node costs, measures the promising ones in fresh subprocesses and
returns a :class:`Recommendation`. See docs/architecture.md for the contract.
"""

from __future__ import annotations

from runadvisor.advisor.advise import advise
from runadvisor.advisor.calibrate import MachineCosts, calibrate
from runadvisor.advisor.errors import AdviceError
from runadvisor.advisor.facts import PipelineFacts
from runadvisor.advisor.from_profile import advise_from_profile, profile_gaps
from runadvisor.advisor.recommend import Candidate, Recommendation
from runadvisor.advisor.simulate import NodeCost, bounds, simulate

__all__ = [
    "AdviceError",
    "Candidate",
    "MachineCosts",
    "NodeCost",
    "PipelineFacts",
    "Recommendation",
    "advise",
    "advise_from_profile",
    "bounds",
    "calibrate",
    "profile_gaps",
    "simulate",
]
