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


def voice_of(speaker) -> Pyttsx3Speaker | None:
    """The app's own voice inside ``speaker``, if it has one (to reuse when the settings change)."""
    if isinstance(speaker, Pyttsx3Speaker):
        return speaker
    inner = getattr(speaker, "speakers", None) or [getattr(speaker, "voice", None)]
    return next((s for s in inner if isinstance(s, Pyttsx3Speaker)), None)


def build_speaker(settings: SpeechSettings, window, previous: Speaker | None = None) -> Speaker:
    """The speaker the settings ask for; the voice of ``previous`` is reused with the new settings.

    "auto" speaks through the screen reader while one is running and with our own voice
    otherwise, so screen-reader users never hear everything twice. If our voice fails,
    the user is told once, shown and through the screen reader, and the app goes on with text.
    """
    screen_reader = ScreenReaderSpeaker(window)
    if settings.output == "silent":
        return SilentSpeaker()
    if settings.output == "screen_reader":
        return screen_reader
    voice = voice_of(previous)
    if voice is not None:
        voice.set_settings(settings)  # one engine and one pair of threads for the whole session
    else:
        voice = Pyttsx3Speaker(settings, on_unavailable=_teller(window))
    if settings.output == "auto":
        return AutoSpeaker(voice, screen_reader)
    return MultiSpeaker(voice, screen_reader) if settings.output == "both" else voice


def _teller(window):
    """A thread-safe "tell the user speech is unavailable", shown and through the screen reader."""
    bridge = _Unavailable(window)

    def tell(message: str) -> None:
        window.report(message, error=True)
        announce(window, message, assertive=True)

    bridge.said.connect(tell)

    def emit(message: str) -> None:  # on the speech thread
        try:
            bridge.said.emit(message)
        except RuntimeError:  # the window has closed: nobody left to tell
            pass

    return emit


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
