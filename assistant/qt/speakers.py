"""Speakers that live on the Qt side: the user's own screen reader."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget

from assistant.config import SpeechSettings
from assistant.core.speech import MultiSpeaker, Pyttsx3Speaker, SilentSpeaker, Speaker
from assistant.qt.a11y import announce


class ScreenReaderSpeaker:
    """Speaks through the running screen reader (announcement events), in the user's own voice and braille."""

    def __init__(self, widget: QWidget):
        self._widget = widget
        self.last = ""

    def say(self, text: str, interrupt: bool = True) -> None:
        if text:
            self.last = text
            announce(self._widget, text, assertive=interrupt)

    def stop(self) -> None:
        """Screen readers stop their own speech (Control in NVDA and JAWS, Control in Orca)."""

    def repeat_last(self) -> None:
        if self.last:
            announce(self._widget, self.last, assertive=True)


class _Unavailable(QObject):
    """Carries "speech is unavailable" from the speech thread to the GUI thread."""

    said = Signal(str)


def build_speaker(settings: SpeechSettings, window) -> Speaker:
    """The speaker the settings ask for.

    "auto" speaks through the screen reader while one is running and with our own voice
    otherwise, so screen-reader users never hear everything twice. If our voice fails,
    the user is told once, shown and through the screen reader, and the app goes on with text.
    """
    screen_reader = ScreenReaderSpeaker(window)
    if settings.output == "silent":
        return SilentSpeaker()
    if settings.output == "screen_reader":
        return screen_reader
    bridge = _Unavailable(window)

    def tell(message: str) -> None:
        window.report(message, error=True)
        announce(window, message, assertive=True)

    bridge.said.connect(tell)
    voice = Pyttsx3Speaker(settings, on_unavailable=bridge.said.emit)
    if settings.output == "auto":
        return AutoSpeaker(voice, screen_reader)
    return MultiSpeaker(voice, screen_reader) if settings.output == "both" else voice


class AutoSpeaker:
    """The screen reader when one is listening (QAccessible.isActive), else our own voice."""

    def __init__(self, voice: Speaker, screen_reader: ScreenReaderSpeaker):
        self.voice, self.screen_reader = voice, screen_reader

    def _current(self) -> Speaker:
        return self.screen_reader if QAccessible.isActive() else self.voice

    def say(self, text: str, interrupt: bool = True) -> None:
        self._current().say(text, interrupt)

    def stop(self) -> None:
        self.voice.stop()

    def repeat_last(self) -> None:
        self._current().repeat_last()
