"""ThreadRunner runs a pipeline that cannot overlap in the calling thread."""

import threading

from runadvisor.io import DataCatalog
from runadvisor.pipeline import node, pipeline
from runadvisor.runners import ThreadRunner


def step(x):
    return x + 1


def test_a_chain_runs_inline_and_a_fan_in_pool_threads():
    here = threading.get_native_id()
    chain = pipeline([node(step, f"d{i}", f"d{i + 1}", name=f"s{i}") for i in range(3)])
    events = []
    ThreadRunner(max_workers=4).run(chain, DataCatalog({"d0": 0}), observers=[events.append])
    assert {e.thread for e in events} == {here}  # width 1: no hand-off to a pool thread

    fan = pipeline([node(step, "x", f"y{i}", name=f"f{i}") for i in range(3)])
    events = []
    ThreadRunner(max_workers=4).run(fan, DataCatalog({"x": 0}), observers=[events.append])
    assert here not in {e.thread for e in events}


def test_a_timed_chain_still_runs_in_a_pool_thread():
    here = threading.get_native_id()
    chain = pipeline([node(step, "a", "b", name="s")])
    events = []
    ThreadRunner().run(chain, DataCatalog({"a": 0}), observers=[events.append], node_timeout=5)
    assert [e.thread for e in events] != [here]
