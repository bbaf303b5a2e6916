"""The process data path: large buffers out of band through /dev/shm, nothing left behind."""

import os

import numpy as np
import pytest

from runadvisor.machine import shm_available
from runadvisor.runners import transfer

pytestmark = pytest.mark.skipif(not shm_available(), reason="needs /dev/shm")


def prefix():
    return transfer.process_prefix(os.getpid()) + "test-"


def test_small_values_stay_in_band():
    payload = transfer.dumps({"a": [1, 2, 3]}, prefix())
    assert payload.segment is None
    assert transfer.loads(payload) == {"a": [1, 2, 3]}


@pytest.mark.parametrize(
    "value",
    [np.arange(1_000_000, dtype=np.float64), bytes(range(256)) * 4096],
    ids=["ndarray", "bytes"],
)
def test_large_buffers_go_through_a_segment_the_receiver_unlinks(value):
    payload = transfer.dumps(value, prefix())
    assert payload.segment is not None
    assert len(payload.header) < 1024  # the data did not go into the stream
    path = os.path.join(transfer.SHM_DIR, payload.segment)
    assert os.path.exists(path)
    loaded = transfer.loads(payload)
    assert not os.path.exists(path)
    assert type(loaded) is type(value)
    if isinstance(value, np.ndarray):
        np.testing.assert_array_equal(loaded, value)
    else:
        assert loaded == value


def test_a_kept_segment_serves_several_readers_copy_on_write():
    original = np.zeros(100_000)
    payload = transfer.dumps(original, prefix(), receiver_unlinks=False)
    first, second = transfer.loads(payload), transfer.loads(payload)
    first[0] = 42.0
    assert second[0] == 0.0 and original[0] == 0.0
    transfer.discard(payload)
    transfer.discard(payload)  # twice is fine
    assert not os.path.exists(os.path.join(transfer.SHM_DIR, payload.segment))


def test_sweep_removes_what_a_dead_sender_left():
    payload = transfer.dumps(np.ones(100_000), prefix())
    assert transfer.sweep(prefix()) == 1
    assert not os.path.exists(os.path.join(transfer.SHM_DIR, payload.segment))
