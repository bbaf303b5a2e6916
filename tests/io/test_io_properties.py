"""Property tests: what a dataset saves is what it loads, and stored data is protected."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from runadvisor.io import JSONDataset, MemoryDataset, PickleDataset

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(data=JSON.filter(lambda value: value is not None))
def test_json_and_pickle_round_trip(data: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for dataset in (
            JSONDataset(Path(folder) / "x.json"),
            PickleDataset(Path(folder) / "x.pkl"),
        ):
            dataset.save(data)
            assert dataset.load() == data


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.lists(st.integers(), max_size=3), min_size=1, max_size=4))
def test_memory_dataset_loads_are_independent_copies(data: list[list[int]]) -> None:
    dataset = MemoryDataset(data)
    loaded = dataset.load()
    loaded[0].append(-1)
    loaded.append([])
    assert dataset.load() == data
