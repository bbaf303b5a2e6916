"""ParallelRunner under fork: free inputs held in memory reach workers by inheritance."""

import multiprocessing

import pytest

from runadvisor.io import DataCatalog
from runadvisor.pipeline import node, pipeline
from runadvisor.runners import ParallelRunner, transfer

np = pytest.importorskip("numpy")
pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork"
)


def zero_it(a):
    a[:] = 0  # mutates what it loaded
    return 0.0


def total(a):
    return float(a.sum())


def test_free_input_is_not_shipped_and_mutations_stay_in_the_task(monkeypatch):
    shipped = []
    real = transfer.dumps

    def spy(value, *args, **kwargs):
        shipped.append(type(value).__name__)
        return real(value, *args, **kwargs)

    monkeypatch.setattr(transfer, "dumps", spy)
    data = np.arange(1_000_000, dtype=np.float64)  # 8 MB: would go through /dev/shm
    catalog = DataCatalog({"big": data})
    pipe = pipeline(
        [node(zero_it, "big", "z", name="a_zero"), node(total, "big", "t", name="b_total")]
    )
    outputs = ParallelRunner(max_workers=1, mp_context="fork").run(pipe, catalog)
    assert outputs["t"].load() == float(data.sum())  # same worker, after a_zero mutated
    assert float(catalog.load("big").sum()) == float(data.sum())  # parent's copy intact
    assert "ndarray" not in shipped  # inherited, not written to shared memory
