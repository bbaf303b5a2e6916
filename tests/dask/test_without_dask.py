"""Without the dask extra everything else works, and asking for DaskRunner says how to get it.

Each check runs in a fresh interpreter where importing dask or distributed fails,
as on a machine without the extra (and this process never imports Dask).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCK = textwrap.dedent(
    """
    import sys

    class NoDask:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("dask", "distributed"):
                raise ModuleNotFoundError(f"No module named {name!r}")
            return None

    sys.meta_path.insert(0, NoDask())
    """
)

PIPELINE = textwrap.dedent(
    """
    from runadvisor import DataCatalog, node, pipeline

    pipeline = pipeline([node(lambda x: x + 1, "x", "y", name="inc")])
    catalog = DataCatalog({"x": 1})
    """
)


def python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + textwrap.dedent(code), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_library_works_and_dask_is_never_imported():
    done = python(
        """
        from runadvisor import DataCatalog, HybridRunner, node, pipeline
        from runadvisor.runners import registry
        import runadvisor.dask, runadvisor.advisor, runadvisor.reports

        pipe = pipeline([node(lambda x: x + 1, "x", "y", name="inc")])
        out = HybridRunner({"inc": "processes"}).run(pipe, DataCatalog({"x": 1}))
        assert out["y"].load() == 2
        assert "dask" not in registry.advised() and "dask" in registry.names()
        assert not any(m.split(".")[0] in ("dask", "distributed") for m in sys.modules)
        try:
            registry.get("dask").build(2)
        except runadvisor.dask.DaskNotInstalledError as exc:
            print(exc)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "DaskRunner needs dask.distributed, which is not installed: pip install 'runadvisor[dask]'."
    )


def test_runner_dask_on_the_command_line_says_how_to_install_it(tmp_path):
    target = tmp_path / "pipe.py"
    target.write_text(PIPELINE)
    done = python(
        """
        from runadvisor.cli import main
        main(sys.argv[1:])
        """,
        "run",
        str(target),
        "--runner",
        "dask",
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "Error: DaskRunner needs dask.distributed, which is not installed: "
        "pip install 'runadvisor[dask]'."
    ]
