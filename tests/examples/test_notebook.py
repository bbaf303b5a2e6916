"""examples/compare_runners.ipynb executes top to bottom, its charts pass the chart
checks, and every claim it makes about its results is computed from them."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "compare_runners.ipynb"
RUNNER_NAMES = re.compile(r"\b(Sequential|Thread|Parallel|Hybrid|Dask)Runner\b")
KIND_CLAIM = re.compile(
    r"\b(threads?|process(es)?|sequential)\b[^.]*?\b(scal\w*|flatten\w*|keeps? going|faster|"
    r"slower|wins?|best|beats?|levels? off)\b",
    re.IGNORECASE,
)


def claims_in(prose: str) -> list[str]:
    """Sentences of ``prose`` that say how a runner performed."""
    return [m.group(0) for m in RUNNER_NAMES.finditer(prose)] + [
        m.group(0) for m in KIND_CLAIM.finditer(prose)
    ]


def _has_advisor() -> bool:
    try:
        return hasattr(importlib.import_module("runadvisor.advisor"), "advise")
    except ImportError:
        return False


def _read():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    return nb


def test_notebook_is_stored_without_outputs() -> None:
    nb = _read()
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)
    assert any("advise(" in cell.source for cell in code)


def test_prose_makes_no_claim_about_results() -> None:
    """Which runner scaled or won depends on the machine: only code may say it."""
    nb = _read()
    prose = " ".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    claims = claims_in(prose)
    assert claims == [], f"markdown claims {claims}: print such claims from the results"
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert "scaling_summary(rec)" in code  # the sentences that do say it


def test_claim_finder_catches_the_old_notebooks_prose() -> None:
    old = (
        "Threads flatten out where the GIL serialises the `crunch` nodes; processes keep "
        "going up to the number of cores."
    )
    assert claims_in(old)
    assert claims_in("ParallelRunner wins here.")
    assert not claims_in("Four `fetch` nodes sleep, as a network call would.")


@pytest.mark.slow
@pytest.mark.skipif(not _has_advisor(), reason="the advisor has not landed yet")
def test_notebook_executes(tmp_path: Path) -> None:
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = _read()
    client = nbclient.NotebookClient(
        nb,
        timeout=240,
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
    assert len(images) == 2  # the two comparison charts, each drawn once

    from runadvisor.advisor import Recommendation
    from runadvisor.reports import scaling_summary, speedup_figure, wall_time_figure

    rec = Recommendation.load(tmp_path / "advice.json")  # what the notebook measured
    summary_cell = next(c for c in nb.cells if "scaling_summary(rec)" in c.source)
    printed = "".join(out.get("text", "") for out in summary_cell.outputs).splitlines()
    assert printed == scaling_summary(rec)
    assert printed[-1].startswith(f"Recommended: {rec.chosen.label}")

    sys.path.insert(0, str(ROOT / "tests" / "reports"))
    from chart_checks import check_chart

    for figure in (wall_time_figure(rec), speedup_figure(rec)):
        check_chart(figure)  # the same charts, from the same data, as the notebook drew
    wall = wall_time_figure(rec).axes[0]
    notes = {t.get_text().strip() for t in wall.texts}
    for c in rec.candidates:
        if not c.measured:
            assert c.status in notes  # skipped and failed candidates are labelled
