import glob
import os
import sys

import psutil
import pytest

from runadvisor.machine import SHM_DIR
from runadvisor.runners import transfer

sys.path.insert(0, os.path.dirname(__file__))  # pipelines.py, for the tests and the children


@pytest.fixture(autouse=True)
def nothing_left_behind(tmp_path, monkeypatch):
    """advise must leave no process, no shared-memory segment and no file behind.

    Other test suites may run on this machine at the same time and make their
    own segments, so only segments made under the advisor's children count.
    """
    from runadvisor.advisor import isolate as measure

    children = []
    sweep = measure._sweep_segments

    def recording_sweep(pid):
        children.append(pid)
        sweep(pid)

    monkeypatch.setattr(measure, "_sweep_segments", recording_sweep)
    monkeypatch.chdir(tmp_path)
    yield
    assert live_children() == [], "processes left running"
    leaked = [
        path for pid in children for path in glob.glob(f"{SHM_DIR}/{transfer.process_prefix(pid)}*")
    ]
    assert not leaked, f"shared-memory segments left: {leaked}"
    assert os.listdir(tmp_path) == [], "files left in the working directory"


def live_children():
    """Live child processes, but for multiprocessing's own long-lived helpers: the
    resource tracker (started by the first spawned child) and the fork server (started
    the first time workers start by forkserver, kept for the next run)."""
    alive = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                continue
            cmdline = " ".join(child.cmdline())
            if "resource_tracker" in cmdline or "forkserver" in cmdline:
                continue
            alive.append(child)
        except psutil.NoSuchProcess:
            pass
    return alive
