"""Where the app runs: which capturer, how global keys reach us, and what a desktop asks of the user once.

Called by ``assistant.app.run``. On GNOME under Wayland the screenshot permission is asked with our window
in front; on a desktop without the shortcuts portal, how to bind keys to ``trigger`` is said at the first start.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer

from assistant.config import Settings, remember
from assistant.core.capture.screen import Capturer
from assistant.core.hotkeys.portal import SHORTCUTS_HINT
from assistant.i18n import _
from assistant.qt.permission_flow import ScreenshotPermission, needs_asking

log = logging.getLogger(__name__)


def said_once(messages: list[str], settings: Settings, saved: Settings | None) -> list[str]:
    """How to bind keys to ``trigger`` on a desktop without the shortcuts portal: said at the first start only."""
    hint = _(SHORTCUTS_HINT)
    if hint not in messages:
        return messages
    if settings.desktop.shortcuts_hint_given:
        return [m for m in messages if m != hint]  # Help (F1) still says it
    problem = remember(saved or settings, "desktop", shortcuts_hint_given=True)
    if problem:
        log.info("the shortcuts hint is said again next time: %s", problem)
    return messages


def ask_for_screenshots(desktop, settings: Settings, saved: Settings | None, capturer, announcer, window) -> None:
    """GNOME on Wayland: ask for the screenshot permission now, with our window in front (see permission_flow)."""
    if not needs_asking(desktop, settings.desktop.screenshots_allowed):
        return

    def allowed() -> None:
        problem = remember(saved or settings, "desktop", screenshots_allowed=True)
        if problem:
            log.info("the screenshot permission is asked again next time: %s", problem)

    flow = ScreenshotPermission(capturer, announcer, allowed, parent=window)
    QTimer.singleShot(500, flow.ask)  # once the window is up and has the focus


def system_capturer(desktop) -> Capturer:
    """Screenshots through the desktop portal on Wayland (an X11 grab sees only XWayland's windows), else mss."""
    if desktop.capture == "portal":
        from assistant.core.capture.portal import PortalCapturer

        return PortalCapturer(desktop)
    from assistant.core.capture.screen import MssCapturer

    return MssCapturer()


def keys_summary(hotkeys) -> str:
    """How global keys reach us, for the start-up line."""
    if hasattr(hotkeys, "available"):  # the Wayland source
        return _("the desktop's global shortcuts") if hotkeys.available else _("desktop shortcuts (see Help)")
    return _("the app's own") if hotkeys.active else _("none")
