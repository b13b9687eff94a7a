"""Speakers that live on the Qt side: the user's own screen reader."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

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
