"""runadvisor for Kedro projects: load them, advise on them, run them with runadvisor's engine.

Everything here depends on runadvisor's core, never the other way round, and
imports Kedro only when used; importing this package imports nothing (Kedro
loads the recorder hook in every project, so it must stay cheap). What it offers:

- ``runadvisor advise|run|profile PATH`` for a Kedro project root
  (:mod:`runadvisor.kedro.project` loads it with Kedro's own API);
- ``kedro advise`` in every Kedro project's CLI (:mod:`runadvisor.kedro.cli`,
  through the ``kedro.project_commands`` entry point);
- runadvisor's runners as Kedro runners: ``kedro run --runner
  runadvisor.kedro.ParallelRunner`` (or ``ParallelRunner4``, ``ThreadRunner8``:
  the count in the class path; see :mod:`runadvisor.kedro.runners`);
- Kedro's own runners as advice candidates (registry kinds ``kedro-sequential``,
  ``kedro-thread``, ``kedro-parallel``, registered by :mod:`runadvisor.kedro.kinds`
  when a Kedro project is loaded; :mod:`runadvisor.kedro.native`);
- a profiling hook for any ``kedro run`` (``RUNADVISOR_PROFILE=1``;
  :mod:`runadvisor.kedro.recorder`).
"""

from __future__ import annotations

from typing import Any

_RUNNERS = ("SequentialRunner", "ThreadRunner", "ParallelRunner")

__all__ = [*_RUNNERS]


def __getattr__(name: str) -> Any:
    # Only runner names import the runners (and Kedro): ``from runadvisor.kedro import
    # kinds`` asks this function about ``kinds`` before it imports the submodule.
    if name.rstrip("0123456789") not in _RUNNERS:
        raise AttributeError(f"module 'runadvisor.kedro' has no attribute {name!r}")
    from runadvisor.kedro import runners

    value = getattr(runners, name) if name in _RUNNERS else runners.sized_runner(name)
    if value is None:
        raise AttributeError(f"module 'runadvisor.kedro' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_RUNNERS])
