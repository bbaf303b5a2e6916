"""Shared pipeline sources for the command-line tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# A pipeline with a chain a -> b -> c, a branch, tags and a memory input.
CHAIN = """
from runadvisor import DataCatalog, MemoryDataset, Pipeline, node


def add_one(x):
    return x + 1


def double(y):
    return y * 2


def square(y):
    return y * y


def total(z, s):
    return z + s


pipeline = Pipeline(
    [
        node(add_one, "x", "y", name="a", tags=["first"]),
        node(double, "y", "z", name="b"),
        node(square, "y", "s", name="sq", tags=["branch"]),
        node(total, ["z", "s"], "result", name="c"),
    ]
)
catalog = DataCatalog({"x": MemoryDataset(1)})
"""
