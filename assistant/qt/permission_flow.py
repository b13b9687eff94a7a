"""GNOME on Wayland asks once whether BLIP Assistant may take screenshots, and only while its window is in front.

So the first start there asks on purpose, explained, with the window up, instead of a hotkey
failing later from another app; a success is remembered in the settings (GNOME remembers its side).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from assistant.core.capture.screen import CaptureError, Capturer
from assistant.core.desktop import Desktop
from assistant.i18n import N_, _

log = logging.getLogger(__name__)
EXPLAIN = (N_("GNOME asks once whether BLIP Assistant may take screenshots, to describe your screen. "
           "Choose Allow; nothing leaves this computer."))
ALLOWED = N_("Screenshots are allowed: the describe keys work from any application.")


def needs_asking(desktop: Desktop, allowed: bool) -> bool:
    """Whether this is GNOME on Wayland and screenshots have not been allowed yet."""
    return desktop.wayland and "gnome" in desktop.name and not allowed


class ScreenshotPermission(QObject):
    """Says why, then takes one screenshot through the portal while our window is in front; ``remember`` on success."""

    _done = Signal(str)  # "" when allowed, else the sentence to say

    def __init__(self, capturer: Capturer, announcer, remember: Callable[[], None], delay_ms: int = 1500, parent=None):
        super().__init__(parent)
        self._capturer, self._announcer, self._remember, self._delay_ms = capturer, announcer, remember, delay_ms
        self._done.connect(self._finish)

    def ask(self) -> None:
        self._announcer.message(_(EXPLAIN))
        QTimer.singleShot(self._delay_ms, self._shoot)  # the explanation is heard before GNOME's dialog takes focus

    def _shoot(self) -> None:
        def run() -> None:
            try:
                self._capturer.desktop()
                self._done.emit("")
            except CaptureError as err:
                self._done.emit(str(err))

        threading.Thread(target=run, name="screenshot-permission", daemon=True).start()

    def _finish(self, problem: str) -> None:
        if problem:
            log.info("screenshot permission: %s", problem)
            self._announcer.message(problem, error=True)
            return
        self._remember()
        self._announcer.message(_(ALLOWED))
