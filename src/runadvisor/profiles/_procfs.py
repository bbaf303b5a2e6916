"""Small /proc readers shared by the GIL monitor and the sampler (Linux; harmless elsewhere)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable


def open_ro(path: str) -> int | None:
    """Open ``path`` read-only (close-on-exec), or None if it cannot be opened."""
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None


def make_reader(size: int = 1024) -> Callable[[int], bytes]:
    """A ``pread(fd) -> bytes`` from offset 0 that keeps the GIL (through ``ctypes.PyDLL``).

    ``os.pread`` releases the GIL around the syscall. For a background thread
    that wakes while a node runs Python, every release means waiting a whole
    switch interval (5 ms) to get the GIL back and forcing the node to hand it
    over again; reading a few hundred bytes from procfs takes ~1-3 us, so
    keeping the GIL is cheaper for everyone. Each reader owns its buffer: use
    one per thread. Falls back to ``os.pread`` where ctypes or libc is missing.
    """
    try:
        import ctypes

        fn = ctypes.PyDLL(None, use_errno=True).pread
        fn.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long]
        fn.restype = ctypes.c_ssize_t
        buffer = ctypes.create_string_buffer(size)
        string_at = ctypes.string_at

        def pread(fd: int) -> bytes:
            n = fn(fd, buffer, size, 0)
            if n < 0:
                errno = ctypes.get_errno()
                raise OSError(errno, os.strerror(errno) if errno else "pread failed")
            return string_at(buffer, n)

        return pread
    except Exception:  # no ctypes or no libc symbol: the plain way
        return lambda fd: os.pread(fd, size, 0)


_local = threading.local()


def thread_reader() -> Callable[[int], bytes]:
    """The calling thread's own :func:`make_reader` (created on first use)."""
    reader = getattr(_local, "reader", None)
    if reader is None:
        reader = _local.reader = make_reader(8192)
    return reader
