"""``import runadvisor.io`` stays cheap: no pandas, pyarrow, numpy or cloudpickle."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "pyarrow", "numpy", "cloudpickle", "logging")

SCRIPT = f"""
import sys
import runadvisor.io as io
assert not [m for m in {HEAVY!r} if m in sys.modules], sorted(sys.modules)
catalog = io.DataCatalog({{"a": [1, 2]}})
catalog["b"] = {{"x": 0}}
catalog.save("b", {{"x": 1}})
assert catalog.load("a") == [1, 2] and catalog.load("b") == {{"x": 1}}
io.CSVDataset("x.csv")
loaded = [m for m in {HEAVY!r} if m in sys.modules]
assert not loaded, loaded
print("ok")
"""


def test_import_and_memory_use_load_no_heavy_modules() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
