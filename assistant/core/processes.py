"""What the engines' own processes share (the model's, the text reader's)."""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)


def lower_priority() -> None:
    """Yield the CPU to the window (and the screen reader) when both want it.

    On a laptop with two cores the model's threads otherwise delay the window's replies to the screen reader.
    """
    try:
        if sys.platform == "win32":
            import ctypes

            below_normal = 0x4000  # BELOW_NORMAL_PRIORITY_CLASS
            ctypes.windll.kernel32.SetPriorityClass(ctypes.windll.kernel32.GetCurrentProcess(), below_normal)
        else:
            os.nice(5)
    except (OSError, AttributeError):  # not allowed, or no such call: run at the usual priority
        log.info("could not lower the model process's priority", exc_info=True)
