"""Compare runadvisor's node selection with Kedro's on random pipelines.

``only_missing_outputs`` and the resume hint are rules over a pipeline and a
catalog; Kedro's tests check them on a few fixtures. This draws many random
pipelines (transcoded names, parameters, nodes without outputs) and catalogs
(saved, missing, no ``_exists``, in memory, empty, unregistered), runs the same
cases through Kedro (its interpreter given with ``--python``) and through
runadvisor (this interpreter), and prints every case where they differ.

    python tests/kedro_compat/differential.py --python /path/to/kedro-venv/bin/python

Exit status 0 when every case agrees, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = Path(__file__).parent / "kcompat" / "differential_child.py"


def run_side(python: str, side: str, seed: int, cases: int, folder: Path) -> list:
    out = folder / f"{side}.json"
    subprocess.run([python, str(CHILD), side, str(seed), str(cases), str(out)], check=True)
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="an interpreter with Kedro installed")
    parser.add_argument("--cases", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        kedro = run_side(args.python, "kedro", args.seed, args.cases, Path(folder))
        ours = run_side(sys.executable, "runadvisor", args.seed, args.cases, Path(folder))
    differ = 0
    for theirs, mine in zip(kedro, ours):
        for key in ("select", "resume"):
            if theirs[key] != mine[key]:
                differ += 1
                print(f"{key}: {theirs['nodes']} {theirs['kinds']}")
                print(f"  Kedro {theirs[key]}\n  runadvisor {mine[key]}")
    print(f"{len(kedro)} random cases: only_missing_outputs and resume hints differ in {differ}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
