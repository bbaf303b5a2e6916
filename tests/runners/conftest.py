import glob
import os
import zlib

import psutil
import pytest

from runadvisor.machine import SHM_DIR
from runadvisor.runners import (
    HybridRunner,
    ParallelRunner,
    SequentialRunner,
    ThreadRunner,
    transfer,
)


def mixed(node):
    """Every node to one of the three executors, by a stable hash of its name, so that data
    crosses between inline, thread and process nodes in every test."""
    return ("inline", "threads", "processes")[zlib.crc32(node.name.encode()) % 3]


RUNNERS = {
    "sequential": lambda: SequentialRunner(),
    "thread": lambda: ThreadRunner(max_workers=2),
    "parallel": lambda: ParallelRunner(max_workers=2),
    "hybrid": lambda: HybridRunner(mixed, max_threads=2, max_processes=2),
}

# DaskRunner joins the suite in a child pytest (tests/dask/test_in_child.py): Dask leaves a
# thread running in any process that used it, and beside a foreign thread ParallelRunner
# no longer forks, which other tests here rely on.
DASK = os.environ.get("RUNADVISOR_TEST_DASK") == "1"
if DASK:
    RUNNERS = {"dask": None}


@pytest.fixture(scope="module")
def dask_client():
    """One LocalCluster per test module: two in-process workers of two threads each."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=2, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(params=sorted(RUNNERS))
def runner(request):
    if request.param == "dask":
        from runadvisor.dask import DaskRunner

        return DaskRunner(client=request.getfixturevalue("dask_client"))
    return RUNNERS[request.param]()


@pytest.fixture(autouse=True)
def no_leaks():
    """Every test must leave no worker process and no shared-memory segment behind."""
    # Segment names start with the pid of the process that ran the pipeline, so
    # only this test process's segments count (other suites may run beside it).
    mine = f"{SHM_DIR}/{transfer.process_prefix(os.getpid())}*"
    before = set(glob.glob(mine))
    yield
    children = psutil.Process().children(recursive=True)
    alive = [c for c in children if _is_worker(c)]
    assert not alive, f"worker processes left running: {alive}"
    leaked = set(glob.glob(mine)) - before
    assert not leaked, f"shared-memory segments left: {leaked}"


def _is_worker(process):
    """A live child that is not one of multiprocessing's own long-lived helpers."""
    try:
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        cmdline = " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        return False
    return "resource_tracker" not in cmdline and "forkserver" not in cmdline
