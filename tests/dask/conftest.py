"""The Dask tests: those that start a cluster run in a child pytest (see test_in_child.py)."""

import os
import sys

collect_ignore = [] if os.environ.get("RUNADVISOR_TEST_DASK") == "1" else ["cases"]
sys.dont_write_bytecode = True
