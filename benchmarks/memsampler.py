"""Peak memory of a process tree, sampled from a separate process.

Why a process and not a thread: a sampler thread in the measured process would
take the GIL every few milliseconds (slowing the run it measures) and would make
a fork-based process pool fork with a foreign thread running. The sampler
process is started once (``MemorySampler()``) and excludes itself from the tree.

What it adds up, every ``interval`` seconds, over the root process and all its
descendants (read from ``/proc/<pid>/smaps_rollup``):

- ``pss``: proportional set size, excluding shared-memory (tmpfs) pages, plus
  the growth of ``/dev/shm`` since the start. A page mapped by several processes
  counts once in all, and a shared-memory segment counts once whether or not
  anyone maps it at that moment (PSS alone would miss a segment nobody maps, and
  adding ``/dev/shm`` to PSS would count a mapped one twice). This is the
  figure the targets use.
- ``rss``: the plain sum of resident set sizes, which counts a shared page once
  per process that maps it (what ``top`` would suggest); reported for contrast.

Where ``smaps_rollup`` is missing (not Linux), psutil's RSS is used for both.

Usage::

    with MemorySampler() as sampler:
        sampler.start()        # takes the baseline
        ...                    # the run
        peak = sampler.stop()  # {"pss": bytes over baseline, "rss": ..., "samples": n}

Run as a script it is the sampler itself (``memsampler.py ROOT_PID INTERVAL``),
driven by lines on stdin: ``start``, ``stop`` (answers one JSON line), ``quit``.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from typing import Any

SHM_DIR = "/dev/shm"


def _shm_used() -> int:
    try:
        stat = os.statvfs(SHM_DIR)
    except OSError:
        return 0
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize


def _rollup(pid: int) -> tuple[int, int] | None:
    """(PSS without shmem, RSS) of ``pid`` in bytes, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            text = f.read()
    except OSError:
        return None
    fields = {}
    for line in text.split(b"\n"):
        key, _, rest = line.partition(b":")
        if key in (b"Rss", b"Pss", b"Pss_Shmem"):
            fields[key] = int(rest.split()[0]) * 1024
    if b"Pss" not in fields:
        return None
    return fields[b"Pss"] - fields.get(b"Pss_Shmem", 0), fields.get(b"Rss", 0)


def _sampler_main(root: int, interval: float) -> None:  # pragma: no cover - subprocess
    import psutil

    try:  # be scheduled ahead of the busy workers, or short peaks go unseen
        os.setpriority(os.PRIO_PROCESS, 0, -10)
    except (AttributeError, OSError):
        pass
    me = os.getpid()
    use_rollup = os.path.exists(f"/proc/{root}/smaps_rollup")
    out = sys.stdout
    active = False
    pids: list[int] = [root]
    count = 0
    base = peak = (0, 0)
    shm0 = 0

    parents: dict[int, int] = {}  # pid -> ppid, for every process seen alive

    def tree() -> list[int]:
        """The root and its descendants (not this sampler), re-read at every sample.

        Reading ``/proc`` ourselves costs ~0.1 ms (psutil's children() ~1.3 ms): a
        worker forked a few milliseconds ago must be seen before its peak is over.
        """
        if not use_rollup:
            try:
                kids = psutil.Process(root).children(recursive=True)
            except psutil.Error:
                return [root]
            return [root, *(k.pid for k in kids if k.pid != me)]
        alive = {int(name) for name in os.listdir("/proc") if name.isdigit()}
        for pid in list(parents):
            if pid not in alive:
                del parents[pid]
        for pid in alive - parents.keys():
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    parents[pid] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
        members = [root]
        for pid in parents:
            if pid in (me, root):
                continue
            seen, up = 0, parents.get(pid)
            while up is not None and up != root and seen < 64:
                up, seen = parents.get(up), seen + 1
            if up == root:
                members.append(pid)
        return members

    def sample() -> tuple[int, int]:
        pss = rss = 0
        for pid in pids:
            if use_rollup:
                got = _rollup(pid)
                if got is not None:
                    pss += got[0]
                    rss += got[1]
            else:
                try:
                    r = psutil.Process(pid).memory_info().rss
                except psutil.Error:
                    continue
                pss += r
                rss += r
        if use_rollup:
            pss += _shm_used() - shm0
        return pss, rss

    while True:
        timeout = interval if active else None
        ready, _, _ = select.select([sys.stdin], [], [], timeout)
        if ready:
            command = sys.stdin.readline().strip()
            if command in ("", "quit"):
                return
            if command == "start":
                shm0 = _shm_used()
                pids = tree()
                base = sample()
                peak = base
                count = 1
                active = True
                out.write("started\n")
                out.flush()
            elif command == "stop":
                pids = tree()
                last = sample()
                peak = (max(peak[0], last[0]), max(peak[1], last[1]))
                count += 1
                active = False
                out.write(
                    json.dumps(
                        {
                            "pss": peak[0] - base[0],
                            "rss": peak[1] - base[1],
                            "base_pss": base[0],
                            "base_rss": base[1],
                            "samples": count,
                        }
                    )
                    + "\n"
                )
                out.flush()
            continue
        pids = tree()
        now = sample()
        peak = (max(peak[0], now[0]), max(peak[1], now[1]))
        count += 1


class MemorySampler:
    """Drives a sampler subprocess watching this process's tree."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> MemorySampler:
        self._proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), str(os.getpid()), str(self.interval)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The sampler process's id (its CPU time is the benchmark's, not the machine's)."""
        return None if self._proc is None else self._proc.pid

    def _send(self, line: str) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()

    def start(self) -> None:
        """Take the baseline now and start sampling."""
        self._send("start")
        assert self._proc is not None and self._proc.stdout is not None
        self._proc.stdout.readline()  # the baseline is taken

    def stop(self) -> dict[str, int]:
        """Stop sampling; the peak increase over the baseline, in bytes."""
        self._send("stop")
        assert self._proc is not None and self._proc.stdout is not None
        return json.loads(self._proc.stdout.readline())

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._send("quit")
            except OSError:
                pass
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None


if __name__ == "__main__":  # pragma: no cover
    _sampler_main(int(sys.argv[1]), float(sys.argv[2]))
