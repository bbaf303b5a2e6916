"""`--runner hybrid|dask`, `--address` and `advise --runners` with both, on the command line.

DaskRunner itself runs only in child processes here (tests/dask/test_in_child.py
runs it on clusters): this process never imports Dask.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from cli_helpers import CHAIN

TAGGED = """
import os
from runadvisor import DataCatalog, Pipeline, node


def where(x):
    return os.getpid()


pipeline = Pipeline(
    [
        node(where, "x", "in_process", name="p", tags=["processes"]),
        node(where, "x", "in_thread", name="t"),
    ]
)
catalog = DataCatalog({"x": 1})
"""


def test_runner_hybrid_sends_nodes_tagged_with_an_executor_there(invoke, write_py):
    write_py("tagged.py", TAGGED)
    result = invoke("profile", "tagged.py", "--runner", "hybrid", "--out", "p.json", "-q")
    assert result.exit_code == 0, result.output
    profile = json.loads(Path("p.json").read_text())
    pids = {record["name"]: record["pid"] for record in profile["nodes"]}
    assert pids["p"] != pids["t"]  # a worker process, and this process's pool thread
    assert profile["runner"] == "HybridRunner"


def test_address_is_for_dask_only(invoke, write_py):
    write_py("chain.py", CHAIN)
    result = invoke("run", "chain.py", "--runner", "thread", "--address", "tcp://127.0.0.1:1")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[0] == (
        "Error: --address tcp://127.0.0.1:1: ThreadRunner takes no scheduler address; use it "
        "with --runner dask."
    )


def test_advise_accepts_hybrid_and_dask(invoke, write_py):
    write_py("chain.py", CHAIN)
    result = invoke(
        "advise", "chain.py", "--runners", "sequential,hybrid,dask", "--predict-only", "--json"
    )
    assert result.exit_code == 0, result.output
    advice = json.loads(result.stdout)
    kinds = {c["kind"] for c in advice["candidates"]}
    assert "dask" in kinds  # a chain: no hybrid candidate (nothing to split)
    assert kinds <= {"sequential", "hybrid", "dask"}
    if importlib.util.find_spec("distributed") is not None:  # Dask's costs measured here
        assert advice["projection"]["rows"][0]["workers"] == 4
    assert "distributed" not in sys.modules  # measured in a child: this process stays clean
