"""What watch mode follows: the active window, or the whole screen.

The window is followed by its id, so it is found again when it moves and known to be gone when it closes.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from assistant.core.capture.screen import Capturer, active_window_rect
from assistant.core.geometry import Rect
from assistant.core.watch.watcher import Area, Hidden, Watched
from assistant.i18n import _

log = logging.getLogger(__name__)


@dataclass
class Window:
    """A top-level window of this platform (an X11 window id, a Windows HWND), followed where it goes."""

    id: int
    name: str

    def __post_init__(self) -> None:
        self._tracker = None  # X11: one connection for the whole watch

    def locate(self) -> Rect | None:
        if sys.platform == "win32":
            state = _helpers().window_state(self.id)
        else:
            if self._tracker is None:
                self._tracker = _helpers().WindowTracker()
            state = self._tracker.state(self.id)
        if state is None:
            return None
        rect, viewable = state
        if not viewable:
            raise Hidden
        return rect

    def close(self) -> None:
        """The watch ended: its connection closes."""
        if self._tracker is not None:
            self._tracker.close()
            self._tracker = None


def _helpers():
    if sys.platform == "win32":
        from assistant.core.capture import win32 as helpers
    else:
        from assistant.core.capture import x11 as helpers
    return helpers


def watched(area: str, capturer: Capturer) -> Watched:
    """The active window ("window"), followed by its id where the platform allows, else its place now; or the screen."""
    if area == "window":
        found = active_window_rect()
        if found is not None:
            rect, title = found
            name = title or _("the window")
            try:
                window_id = _helpers().active_window_id() if _followable() else None
            except Exception as err:  # noqa: BLE001 - no X server: its place now is watched
                log.info("active window id: %s", err)
                window_id = None
            return Window(window_id, name) if window_id else Area(rect, name)
    return Area(capturer.screen_rect(), _("the screen"))


def _followable() -> bool:
    """Windows are followed by id on Windows and X11 (not on Wayland, where no app may look at other windows)."""
    from assistant.core.desktop import detect

    return sys.platform == "win32" or detect().kind == "x11"


def place_of(rect: Rect, source: str, window_id: int | None = None) -> Watched:
    """Where a capture came from, to look there again ("What changed?"): its window, followed, or its rectangle."""
    if window_id and _followable():
        return Window(window_id, source.removeprefix("window ").strip() or _("the window"))
    return Area(rect, source)
