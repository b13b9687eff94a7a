"""macOS: VoiceOver speaks (and brailles) an accessibility announcement posted by the app, at high priority.

``NSAccessibilityAnnouncementRequestedNotification`` is Apple's documented way for an app
to ask VoiceOver to speak; pyobjc (Cocoa) posts it. VoiceOver speaks announcements from
background apps too, so a hotkey pressed elsewhere is heard.
"""

from __future__ import annotations

import logging
import subprocess

from assistant.core.speech.routes import RouteError
from assistant.i18n import _

log = logging.getLogger(__name__)


def voiceover_running() -> bool:
    """VoiceOver's own preference, as ``defaults`` reports it."""
    try:
        out = subprocess.run(["defaults", "read", "com.apple.universalaccess", "voiceOverOnOffKey"],
                             capture_output=True, text=True, timeout=2)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.stdout.strip() == "1"


def _post_announcement(text: str) -> None:
    import AppKit

    info = {AppKit.NSAccessibilityAnnouncementKey: text,
            AppKit.NSAccessibilityPriorityKey: AppKit.NSAccessibilityPriorityHigh}
    AppKit.NSAccessibilityPostNotificationWithUserInfo(
        AppKit.NSApp(), AppKit.NSAccessibilityAnnouncementRequestedNotification, info)


class VoiceOver:
    """VoiceOver's announcements (NSAccessibility), with braille."""

    name = "VoiceOver"
    braille = True

    def __init__(self, is_running=voiceover_running, post=_post_announcement):
        self._is_running, self._post = is_running, post

    def available(self) -> bool:
        return self._is_running()

    def speak(self, text: str, interrupt: bool) -> None:
        try:
            self._post(text)
        except Exception as err:  # pyobjc missing, or no NSApp yet
            raise RouteError(_('VoiceOver did not take the message ({err})').format(err=err)) from err

    def cancel(self) -> None:
        """VoiceOver has no API to stop an announcement; Control stops it, as for any speech."""
