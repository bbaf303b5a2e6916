"""Moving data between processes: pickle protocol 5, large buffers out of band.

A value is pickled with cloudpickle (protocol 5). Its large buffers (numpy
arrays, pandas blocks) are not copied into the pickle stream: they are written
once into one shared-memory file under ``/dev/shm`` and the receiver maps that
file copy-on-write, so a 100 MB array costs one memory copy instead of a trip
through a pipe, and a node that mutates its input never changes anyone else's.

Segments are plain files in ``/dev/shm`` (what ``multiprocessing.shared_memory``
creates on Linux) rather than ``SharedMemory`` objects, because a mapping can
then outlive the file name (the receiver unlinks it at once) and no resource
tracker is involved. Every segment name starts with a prefix owned by one run,
so the parent can sweep whatever a dead worker left behind. Where there is no
``/dev/shm`` the buffers travel in band.
"""

from __future__ import annotations

import glob
import itertools
import mmap
import os
import pickle
from dataclasses import dataclass
from typing import Any

import cloudpickle

from runadvisor.machine import SHM_DIR

OUT_OF_BAND_MIN_BYTES = 64 * 1024
SEGMENT_PREFIX = "runadvisor-"
_ALIGN = 64
_counter = itertools.count()


def process_prefix(pid: int) -> str:
    """The prefix of every segment a run in process ``pid`` creates (to sweep after a kill)."""
    return f"{SEGMENT_PREFIX}{pid}-"


def run_prefix(tag: int) -> str:
    """A prefix owned by one run of this process (``tag`` tells runs apart)."""
    return f"{process_prefix(os.getpid())}{tag:x}-"


@dataclass(slots=True)
class Payload:
    """A pickled value: the stream, and its buffers in band or in a segment."""

    header: bytes
    buffers: list[bytes] | None = None
    segment: str | None = None
    spans: list[tuple[int, int]] | None = None
    receiver_unlinks: bool = True

    @property
    def nbytes(self) -> int:
        """Bytes that crossed: the stream plus every buffer."""
        extra = sum(length for _, length in self.spans) if self.spans else 0
        extra += sum(len(b) for b in self.buffers) if self.buffers else 0
        return len(self.header) + extra


def _bytes_from_buffer(buffer: Any) -> bytes:
    return bytes(buffer)


class _LargeBytes:
    """Wraps a large top-level ``bytes`` so its content travels out of band.

    pickle never consults ``reducer_override`` for ``bytes`` and always copies
    them into the stream; a payload that is one big ``bytes`` (compressed data,
    file contents) is common enough to deserve the shared-memory path.
    """

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __reduce_ex__(self, protocol: int) -> Any:
        return _bytes_from_buffer, (pickle.PickleBuffer(self.data),)


def _pickle(value: Any, buffer_callback: Any) -> bytes:
    if type(value) is bytes and len(value) >= OUT_OF_BAND_MIN_BYTES:
        value = _LargeBytes(value)
    return cloudpickle.dumps(value, protocol=5, buffer_callback=buffer_callback)


def sizes(value: Any) -> tuple[int, int]:
    """How ``value`` would travel: (bytes in the pickle stream, bytes of its buffers).

    Buffers are counted, not copied, so this is cheap for large arrays. A large
    top-level ``bytes`` counts as stream bytes: it does cross through shared
    memory, but the receiver copies it out again, so it costs about what the
    pipe costs. Raises what pickling raises when ``value`` does not pickle.
    """
    buffers = 0

    def count(buffer: pickle.PickleBuffer) -> bool:
        nonlocal buffers
        try:
            with buffer.raw() as view:
                buffers += view.nbytes
        except BufferError:  # not contiguous
            buffers += memoryview(buffer).nbytes
        return False  # out of band: counted, not copied

    return len(cloudpickle.dumps(value, protocol=5, buffer_callback=count)), buffers


def dumps(value: Any, prefix: str | None, *, receiver_unlinks: bool = True) -> Payload:
    """Pickle ``value``; buffers of at least 64 KiB in all go to a segment named ``prefix...``.

    ``prefix`` None keeps everything in band. With ``receiver_unlinks`` False
    the sender keeps the segment (so several tasks can map it) and must call
    ``discard`` itself.
    """
    raw: list[pickle.PickleBuffer] = []
    header = _pickle(value, raw.append)
    if not raw:
        return Payload(header)
    views = [buffer.raw() for buffer in raw]
    total = sum(view.nbytes for view in views)
    if prefix is None or total < OUT_OF_BAND_MIN_BYTES:
        return Payload(header, buffers=[view.tobytes() for view in views])
    spans = []
    offset = 0
    for view in views:
        spans.append((offset, view.nbytes))
        offset += -(-view.nbytes // _ALIGN) * _ALIGN
    name = f"{prefix}{os.getpid()}-{next(_counter)}"
    path = os.path.join(SHM_DIR, name)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        # pwrite, not a copy into a mapping: tmpfs fills its pages directly instead of
        # taking one page fault per 4 KiB (100 MB: ~35 ms instead of ~62 ms here).
        os.ftruncate(fd, max(offset, 1))
        for view, (start, length) in zip(views, spans):  # raw(): flat bytes
            done = 0
            while done < length:
                done += os.pwrite(fd, view[done:], start + done)
    except BaseException:
        os.close(fd)
        _unlink(path)
        raise
    os.close(fd)
    return Payload(header, segment=name, spans=spans, receiver_unlinks=receiver_unlinks)


def loads(payload: Payload) -> Any:
    """Rebuild the value; segment buffers are mapped copy-on-write, not copied."""
    if payload.segment is None:
        return pickle.loads(payload.header, buffers=payload.buffers or ())
    path = os.path.join(SHM_DIR, payload.segment)
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        mapped = mmap.mmap(fd, size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    finally:
        os.close(fd)
        if payload.receiver_unlinks:
            _unlink(path)
    whole = memoryview(mapped)
    buffers = [whole[start : start + length] for start, length in payload.spans or ()]
    return pickle.loads(payload.header, buffers=buffers)


def discard(payload: Payload | None) -> None:
    """Remove ``payload``'s segment if it still exists (safe to call twice)."""
    if payload is not None and payload.segment is not None:
        _unlink(os.path.join(SHM_DIR, payload.segment))


def sweep(prefix: str) -> int:
    """Unlink every segment whose name starts with ``prefix``; returns how many."""
    paths = glob.glob(os.path.join(SHM_DIR, glob.escape(prefix) + "*"))
    for path in paths:
        _unlink(path)
    return len(paths)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
