"""Whether pytest is still importing the test modules (collection) or running tests.

While a module is being imported, a Kedro test may use an unmapped name, or a
runadvisor function may reject Kedro's arguments, in a statement that builds a
parametrize list or a module-level helper. Raising there would lose every test
in the file; instead the shim hands back a placeholder that fails the tests that
use it, with the same error. ``pytest_phase`` (a pytest plugin) flips the flag.
"""

from __future__ import annotations

collecting = False
