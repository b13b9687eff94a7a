"""What the engines' own processes share (the model's, the text reader's)."""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)


BACKGROUND = "BLIP_ASSISTANT_BACKGROUND"  # set by an app started at sign-in: its engines load at the lowest priority


def lower_priority() -> None:
    """Yield the CPU to the window (and the screen reader) when both want it.

    On a laptop with two cores the model's threads otherwise delay the window's replies to the screen reader.
    Started at sign-in (``BACKGROUND`` set), the lowest priority, and on Linux idle disk priority too, so
    the desktop session starting beside it is not slowed.
    """
    background = os.environ.get(BACKGROUND) == "1"
    try:
        if sys.platform == "win32":
            import ctypes

            below_normal, idle = 0x4000, 0x40  # BELOW_NORMAL_PRIORITY_CLASS, IDLE_PRIORITY_CLASS
            ctypes.windll.kernel32.SetPriorityClass(ctypes.windll.kernel32.GetCurrentProcess(),
                                                    idle if background else below_normal)
        else:
            os.nice(19 if background else 5)
            if background:
                _idle_disk()
    except (OSError, AttributeError):  # not allowed, or no such call: run at the usual priority
        log.info("could not lower the model process's priority", exc_info=True)


def _idle_disk() -> None:
    """Linux: this process reads the disk only when no one else does (ioprio_set, class IDLE)."""
    libc = _LIBC
    if libc is None or os.uname().machine not in ("x86_64", "aarch64"):
        return
    ioprio_set = 251 if os.uname().machine == "x86_64" else 30  # the syscall's number
    idle_class = 3 << 13  # IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT
    if libc.syscall(ioprio_set, 1, 0, idle_class) != 0:  # IOPRIO_WHO_PROCESS, this process
        log.info("could not lower the disk priority")


def _glibc():
    """The C library where it is glibc (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


_LIBC = _glibc() if sys.platform.startswith("linux") else None


def few_heaps() -> None:
    """At most two malloc heaps in this process (glibc makes one per thread that allocates, up to 8 per core).

    The text reader's ONNX Runtime and OpenCV threads allocate buffers of every size; with a heap each, the
    freed memory is scattered and never returned. Call before those threads start.
    """
    if _LIBC is not None:
        _LIBC.mallopt(-8, 2)  # M_ARENA_MAX


def give_back_memory() -> None:
    """Return the heap's free memory to the system (glibc's malloc_trim; nothing elsewhere).

    Hours of watching read frames of every size: without it the text reader's resident memory wanders
    between 330 and 470 MB; with it, and ``few_heaps``, it stays at 158 MB (240 reads of 40 to 380 px bands).
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
