"""The accessibility probe for this system: AT-SPI on Linux, UI Automation on Windows, AX on macOS."""

from __future__ import annotations

import logging
import sys

from assistant.core.access.element import AccessibilityProbe, NoProbe
from assistant.core.errors import one_line
from assistant.core.geometry import Rect
from assistant.i18n import _

log = logging.getLogger(__name__)


def system_probe() -> AccessibilityProbe:
    """The real probe, or one that finds nothing (and says why in its ``reason``) where none can run."""
    try:
        if sys.platform == "win32":
            from assistant.core.access.uia import UiaProbe

            return UiaProbe()
        if sys.platform == "darwin":
            from assistant.core.access.ax import AxProbe

            return AxProbe()
        from assistant.core.access.atspi import AtspiProbe

        return AtspiProbe(_x_active_window, _x_window_at)
    except Exception as err:  # noqa: BLE001 - no accessibility bus, a missing library: the window fallback
        log.info("no accessibility probe: %s", err)
        return NoProbe(one_line(err, 120))


def _x_active_window() -> Rect | None:
    try:
        from assistant.core.capture.x11 import active_window

        found = active_window()
        return found[0] if found else None
    except Exception:  # noqa: BLE001 - Wayland without XWayland: no scale correction
        return None


def _x_window_at(x: int, y: int) -> Rect | None:
    try:
        from assistant.core.capture.x11 import window_at

        return window_at(x, y)
    except Exception:  # noqa: BLE001
        return None


class BackgroundProbe:
    """The system's probe, made on a thread at start-up (its focus listener starts there), so the window never waits.

    A call before it is made waits for it (a few milliseconds after start-up).
    """

    def __init__(self, make=system_probe):
        import threading

        self._probe: AccessibilityProbe | None = None
        self._made = threading.Event()

        def build() -> None:
            try:
                self._probe = make()
            finally:
                self._made.set()

        threading.Thread(target=build, name="accessibility-probe", daemon=True).start()

    def _get(self) -> AccessibilityProbe:
        self._made.wait(5)
        return self._probe or NoProbe(_("the accessibility probe did not start"))

    def focused(self):
        return self._get().focused()

    def at_point(self, x: int, y: int):
        return self._get().at_point(x, y)

    def controls(self, window: Rect):
        return self._get().controls(window)

    def close(self) -> None:
        if self._made.is_set() and self._probe is not None:
            self._probe.close()
