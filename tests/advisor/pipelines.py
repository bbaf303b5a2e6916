"""Small pipelines for the advisor tests: one per leaf of the decision tree and per trap.

Every node does a fixed amount of work (never "work until a deadline"), so
that running it next to other nodes makes it slower exactly when the machine
or the GIL is shared: a deadline loop would look perfectly parallel on threads.
Node functions are module-level so that they pickle by reference. Each builder
returns ``(pipeline, catalog)``; the sizes keep a sequential run well under a
second on the 2-core test machine.
"""

from __future__ import annotations

import hashlib
import threading
import time
import zlib

from runadvisor import DataCatalog, MemoryDataset, node, pipeline

# -- workloads ------------------------------------------------------------------


def nap(seconds: float) -> float:
    """I/O stand-in: waits without using a CPU (releases the GIL)."""
    time.sleep(seconds)
    return seconds


def nap_after(seconds: float, _after: object) -> float:
    return nap(seconds)


def python_work(loops: int) -> int:
    """Pure-Python CPU work: holds the GIL the whole time."""
    total = 0
    for i in range(loops):
        total += i * i % 7
    return total


def python_work_after(loops: int, _after: object) -> int:
    return python_work(loops)


def hash_blob(blob: bytes, rounds: int) -> str:
    """CPU work in C that releases the GIL on large buffers (hashlib and zlib)."""
    digest = b""
    for _ in range(rounds):
        digest = hashlib.sha256(blob).digest()
        zlib.crc32(zlib.compress(blob[: len(blob) // 4], 1))
    return digest.hex()


def tiny(_seed: int) -> int:
    return _seed + 1


def make_payload(nbytes: int, loops: int) -> bytes:
    """A big output after a little Python work."""
    python_work(loops)
    return b"x" * nbytes


def payload_work(payload: bytes, loops: int) -> bytes:
    """Reads a big input, holds the GIL a while, returns a big output."""
    python_work(loops)
    return payload[:-1] + b"y"


def join_all(*values: object) -> int:
    return len(values)


class Handle:
    """A result that cannot be pickled (it holds a lock), as a client or connection would."""

    def __init__(self, value: int) -> None:
        self.value = value
        self.lock = threading.Lock()


def python_work_handle(loops: int) -> Handle:
    return Handle(python_work(loops))


def read_handles(*handles: Handle) -> int:
    return sum(h.value for h in handles)


# Loops of python_work per ~0.1 s on the test machine (about 20 M loops/s).
LOOPS_PER_100MS = 2_000_000


def loops(seconds: float) -> int:
    return int(LOOPS_PER_100MS * seconds / 0.1)


# -- pipelines ------------------------------------------------------------------


def sleep_fanout(n: int = 8, seconds: float = 0.08):
    """n independent waits: I/O-bound, as parallel as it gets -> ThreadRunner(n)."""
    nodes = [node(nap, f"params:s{i}", f"slept_{i}", name=f"wait_{i}") for i in range(n)]
    catalog = DataCatalog(raw_data={f"params:s{i}": seconds for i in range(n)})
    return pipeline(nodes), catalog


def python_fanout(n: int = 4, seconds: float = 0.12):
    """n independent pure-Python loops: CPU-bound, holds the GIL -> ParallelRunner(cores)."""
    nodes = [node(python_work, f"params:n{i}", f"sum_{i}", name=f"loop_{i}") for i in range(n)]
    catalog = DataCatalog(raw_data={f"params:n{i}": loops(seconds) for i in range(n)})
    return pipeline(nodes), catalog


def gil_free_fanout(n: int = 4, rounds: int = 5, mbytes: int = 24):
    """n nodes hashing and compressing one big input: CPU-bound in C without the GIL.

    Threads run them in parallel without copying the input; processes would have
    to send ``mbytes`` MB to every worker -> ThreadRunner.
    """
    blob = bytes(range(256)) * (mbytes * 4096)
    nodes = [
        node(hash_blob, ["blob", "params:rounds"], f"digest_{i}", name=f"hash_{i}")
        for i in range(n)
    ]
    catalog = DataCatalog(raw_data={"blob": blob, "params:rounds": rounds})
    return pipeline(nodes), catalog


def chain(n: int = 4, seconds: float = 0.08):
    """n pure-Python steps, each needing the previous one: no parallelism -> SequentialRunner."""
    nodes = [node(python_work, "params:n", "step_0", name="step_0")]
    for i in range(1, n):
        nodes.append(
            node(python_work_after, ["params:n", f"step_{i - 1}"], f"step_{i}", name=f"step_{i}")
        )
    catalog = DataCatalog(raw_data={"params:n": loops(seconds)})
    return pipeline(nodes), catalog


def tiny_nodes(n: int = 200):
    """n independent nodes of a few microseconds each: overheads dominate -> SequentialRunner."""
    nodes = [node(tiny, f"params:x{i}", f"y_{i}", name=f"tiny_{i:03d}") for i in range(n)]
    catalog = DataCatalog(raw_data={f"params:x{i}": i for i in range(n)})
    return pipeline(nodes), catalog


def big_payloads(n: int = 4, mbytes: int = 48, seconds: float = 0.01):
    """A fan of GIL-holding nodes that each read and write a big payload.

    Processes would parallelise the Python work (n * ``seconds``) but must move
    2 * n * ``mbytes`` MB through pipes, which costs more than it saves ->
    SequentialRunner (threads cannot help GIL-holding work either).
    """
    nodes = [node(make_payload, ["params:size", "params:n"], "payload", name="make")]
    for i in range(n):
        nodes.append(node(payload_work, ["payload", "params:n"], f"out_{i}", name=f"work_{i}"))
    catalog = DataCatalog(raw_data={"params:size": mbytes << 20, "params:n": loops(seconds)})
    return pipeline(nodes), catalog


def unpicklable_outputs(n: int = 4, seconds: float = 0.08):
    """A GIL-holding fan whose outputs hold locks: processes cannot return them.

    ParallelRunner is out, threads do not help GIL-holding work -> SequentialRunner.
    """
    nodes = [
        node(python_work_handle, "params:n", f"handle_{i}", name=f"connect_{i}") for i in range(n)
    ]
    nodes.append(node(read_handles, [f"handle_{i}" for i in range(n)], "total", name="total"))
    catalog = DataCatalog(raw_data={"params:n": loops(seconds)})
    for i in range(n):  # a lock cannot be deep-copied either: store the handles as they are
        catalog[f"handle_{i}"] = MemoryDataset(copy_mode="assign")
    return pipeline(nodes), catalog


def mixed_stages(n: int = 4, wait: float = 0.04, seconds: float = 0.12):
    """A short I/O stage, then a longer pure-Python stage, then a join.

    The waits invite threads, but most of the time is GIL-holding Python work:
    processes win (ParallelRunner(cores)).
    """
    nodes = []
    for i in range(n):
        nodes.append(node(nap, "params:wait", f"fetched_{i}", name=f"fetch_{i}"))
        nodes.append(
            node(
                python_work_after,
                ["params:n", f"fetched_{i}"],
                f"crunched_{i}",
                name=f"crunch_{i}",
            )
        )
    nodes.append(node(join_all, [f"crunched_{i}" for i in range(n)], "report", name="report"))
    catalog = DataCatalog(raw_data={"params:wait": wait, "params:n": loops(seconds)})
    return pipeline(nodes), catalog


def failing():
    """A pipeline whose node raises: advise has nothing to measure."""
    return pipeline([node(divide_by_zero, "params:x", "y", name="broken")]), DataCatalog(
        raw_data={"params:x": 1}
    )


def divide_by_zero(x: int) -> float:
    return x / 0


def only_in_main_thread(x: int) -> int:
    """A node that is not thread-safe: it refuses to run outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("not in the main thread")
    time.sleep(0.02)
    return x


def main_thread_only(n: int = 2):
    """Runs sequentially and in processes, fails under ThreadRunner."""
    nodes = [
        node(only_in_main_thread, f"params:x{i}", f"y_{i}", name=f"fragile_{i}") for i in range(n)
    ]
    return pipeline(nodes), DataCatalog(raw_data={f"params:x{i}": i for i in range(n)})
