"""Builds the window's speaker from the settings: the user's screen reader by its own API, our voice, or both."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget

from assistant.config import SpeechSettings
from assistant.core.announcer import Announcer
from assistant.core.speech import Pyttsx3Speaker, SilentSpeaker, Speaker
from assistant.core.speech.platforms import platform_routes
from assistant.core.speech.routes import Route
from assistant.core.speech.screen_reader import ScreenReaderSpeaker
from assistant.qt.a11y import announce


class _Bridge(QObject):
    """Carries a message from a speech thread to the GUI thread."""

    said = Signal(str)


def voice_of(speaker) -> Pyttsx3Speaker | None:
    """The app's own voice inside ``speaker``, if it has one (to reuse when the settings change)."""
    if isinstance(speaker, Pyttsx3Speaker):
        return speaker
    inner = getattr(speaker, "voice", None)
    return inner if isinstance(inner, Pyttsx3Speaker) else None


def build_speaker(settings: SpeechSettings, announcer: Announcer, window: QWidget, previous: Speaker | None = None,
                  routes: list[Route] | None = None, language: str = "") -> Speaker:
    """The speaker the settings ask for; the voice and routes of ``previous`` are reused.

    "auto" speaks through the running screen reader's own API (Orca, NVDA, JAWS, VoiceOver),
    in the user's voice and braille, also while our window is hidden or in the background;
    with no screen reader it uses our own voice. If a route fails, our voice takes over
    and the user is told once. Our voice's own failure is shown and spoken through the
    screen reader, and the app goes on in text. ``window`` is where Qt's accessibility
    announcements come from; the speech threads' messages reach ``announcer`` on its thread. Our voice speaks
    ``language`` (the answers') in a voice for it, when one is installed and none is chosen.
    """
    if settings.output == "silent":
        return SilentSpeaker()
    voice = voice_of(previous)
    if voice is not None:
        voice.set_settings(settings)  # one engine and one pair of threads for the whole session
        voice.language = language
    else:
        voice = Pyttsx3Speaker(settings, on_unavailable=_on_gui_thread(window, lambda m: announcer.message(m, error=True)),
                               language=language)
    if settings.output == "voice":
        return voice
    if routes is None:
        routes = getattr(previous, "routes", None) or platform_routes()
    return ScreenReaderSpeaker(routes, voice, mode=settings.output,
                               on_problem=_on_gui_thread(window, lambda m: announcer.status(m, announced=False)),
                               also=_announcer(window))


def _on_gui_thread(window, tell):
    """A thread-safe ``tell(message)``: speech threads call it, the GUI thread runs it."""
    bridge = _Bridge(window)
    bridge.said.connect(tell)

    def emit(message: str) -> None:
        try:
            bridge.said.emit(message)
        except RuntimeError:  # the window has closed: nobody left to tell
            pass

    return emit


def _announcer(window):
    """Qt's accessibility announcement, only where it adds something.

    That is: no direct route spoke the message and a screen reader is listening (Narrator, or
    a reader we have no route to; they take announcements only while our window is active).
    """

    def also(text: str, interrupt: bool, spoken_by) -> None:
        if spoken_by is None and QAccessible.isActive():
            announce(window, text, assertive=interrupt)

    return also
