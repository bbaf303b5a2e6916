"""examples/compare_runners.ipynb executes top to bottom without an error, charts included."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "compare_runners.ipynb"


def _has_advisor() -> bool:
    try:
        return hasattr(importlib.import_module("runadvisor.advisor"), "advise")
    except ImportError:
        return False


def test_notebook_is_stored_without_outputs() -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)
    assert any("advise(" in cell.source for cell in code)


@pytest.mark.slow
@pytest.mark.skipif(not _has_advisor(), reason="the advisor has not landed yet")
def test_notebook_executes(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",  # ipykernel's own spec: this interpreter, no install needed
        resources={"metadata": {"path": str(tmp_path)}},  # runs in tmp_path
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:  # pragma: no cover - shown on failure
        pytest.fail(f"a notebook cell failed:\n{exc}")
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) >= 2  # both comparison charts were drawn inline
