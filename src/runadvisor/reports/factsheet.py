"""The pipeline's facts and the report's footnotes (machine, Python, version), as Facts."""

from __future__ import annotations

import math
from typing import Any

from runadvisor.reports.common import shorten
from runadvisor.reports.model import Fact
from runadvisor.units import fmt_bytes, fmt_number, fmt_percent, fmt_seconds, fmt_timestamp

MAX_PATH_NODES = 12  # critical path shown in full up to this many nodes


def pipeline_facts(f: Any, *, wait_cause: str = "") -> list[Fact]:
    """What the advisor measured about the pipeline, each with what it means.

    ``wait_cause`` says who had the cores while the profiled run waited for
    one (see :func:`runadvisor.reports.sections.cpu_wait_cause`).
    """
    facts = [
        Fact("Work T1", fmt_seconds(f.t1), "all node times added: the run on one worker"),
        Fact("Span T∞", fmt_seconds(f.t_inf), "the longest chain of dependent nodes"),
        Fact(
            "Parallelism T1/T∞",
            fmt_number(f.parallelism),
            "workers the graph keeps busy on average",
        ),
        Fact("Widest level", fmt_number(f.widest_level), "the most nodes that can run at once"),
        Fact("Nodes", fmt_number(f.n_nodes)),
        Fact("CPU share", fmt_percent(f.cpu_share), "of node time spent computing"),
        Fact("Off-CPU share", fmt_percent(f.noncpu_share), "I/O, sleep, locks: threads overlap it"),
        Fact("GIL share", fmt_percent(f.gil_share), "of the time on a CPU, holding the GIL"),
    ]
    cpu_wait = getattr(f, "cpu_wait_share", None)
    if _finite(cpu_wait) and cpu_wait >= 0.005:  # type: ignore[operator]
        facts.append(
            Fact(
                "Waiting for a CPU",
                fmt_percent(cpu_wait),
                "of node time ready to run with no CPU free"
                + (f": {wait_cause}" if wait_cause else ""),
            )
        )
    facts += [
        Fact("Bytes moved", fmt_bytes(f.bytes_moved), "what process workers must copy"),
        Fact("Peak node memory", fmt_bytes(f.peak_node_memory), "the most one node added"),
        Fact("Picklable", _picklable(f), "can nodes and data go to process workers"),
        Fact("Cores", fmt_number(f.cores), "CPUs this process may use"),
        Fact("Available memory", fmt_bytes(f.available_memory)),
        Fact(
            "GIL", "enabled" if f.gil_enabled else "disabled" if f.gil_enabled is not None else "—"
        ),
        Fact("Start method", str(f.start_method or "—"), "how process workers start"),
        Fact("Critical path", _path(f), "the nodes that make up T∞"),
    ]
    return facts


def _picklable(f: Any) -> str:
    unpicklable = list(getattr(f, "unpicklable", None) or [])
    text = "yes" if f.picklable else "no"
    if unpicklable:
        text += ": " + ", ".join(shorten(str(n), 60) for n in unpicklable[:8])
        if len(unpicklable) > 8:
            text += f" and {len(unpicklable) - 8} more"
    return text


def _path(f: Any) -> str:
    path = [str(n) for n in (getattr(f, "critical_path", None) or [])]
    if len(path) > MAX_PATH_NODES:
        shown = " → ".join(path[: MAX_PATH_NODES - 2])
        return f"{shown} → … ({len(path) - MAX_PATH_NODES + 1} more) → {path[-1]}"
    return " → ".join(path) or "—"


def meta(created_at: Any, profile: Any) -> list[Fact]:
    """When, on what machine and with which Python and runadvisor the report was made."""
    import runadvisor

    out = []
    if created_at:
        out.append(Fact("Created", fmt_timestamp(created_at)))
    machine = getattr(profile, "machine", None)
    if machine is not None:
        out.append(
            Fact(
                "Machine",
                f"{machine.cores} cores, {fmt_bytes(machine.total_memory)} memory, "
                f"{machine.platform}",
            )
        )
        gil = "" if machine.gil_enabled else ", free-threaded"
        out.append(Fact("Python", f"{machine.implementation} {machine.python_version}{gil}"))
    out.append(Fact("runadvisor", str(getattr(runadvisor, "__version__", "") or "—")))
    return out


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
