"""Ctrl-C during `runadvisor advise`: children end, the partial advice is written, exit 130."""

import json
import signal
import subprocess
import sys
import textwrap
import time

import psutil

PIPELINE = textwrap.dedent(
    """
    import time
    from runadvisor import DataCatalog, node, pipeline

    def nap(x):
        time.sleep(0.25)
        return x

    pipeline = pipeline([node(nap, "x", f"y{i}", name=f"nap{i}") for i in range(4)])
    catalog = DataCatalog({"x": 1})
    """
)


def test_ctrl_c_during_advise_writes_partial_advice_and_leaves_no_child(tmp_path):
    target = tmp_path / "naps.py"
    target.write_text(PIPELINE)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runadvisor",
            "advise",
            str(target),
            "--repeats",
            "5",
            "--budget",
            "none",
            "--out",
            str(out),
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    parent = psutil.Process(proc.pid)
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    # Each measured run is a fresh child: the third child means the profiled run
    # and at least one candidate run have finished.
    while len(seen) < 3 and time.monotonic() < deadline and proc.poll() is None:
        try:
            seen.update(child.pid for child in parent.children())
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    assert len(seen) >= 3, "advise never got to measuring candidates"
    children = parent.children(recursive=True)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Interrupted" in err
    assert "Partial report" in err
    advice = json.loads((out / "report.json").read_text())
    assert advice["schema"] == "runadvisor.advice"
    assert any("Interrupted (Ctrl-C)" in w for w in advice["warnings"])
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"children outlived Ctrl-C: {alive}"
