"""The text found in the current image: shown in the Text found list once read, and what waits for it.

The text reader runs beside the caption model (its own process in the app). A caption that
arrives first, a question asked while it reads, or the OCR-only preset waits here and runs,
on the GUI thread, as soon as the text is there; steps for an image the user has since
left are dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from assistant.core.session import Session
from assistant.core.text.layout import line_item, reading_order


class TextFlow(QObject):
    _read = Signal()  # emitted on the reader's thread: handled on the GUI thread

    def __init__(self, window, session: Session, report: Callable[[str], None]):
        super().__init__(window)
        self.window, self.session, self.report = window, session, report
        self._waiting: list[tuple[object, Callable[[], None]]] = []
        self._read.connect(self._on_read)

    def begin(self) -> None:
        """A new image: forget what waited for the last one; show the list as reading (or off)."""
        self._waiting.clear()
        if self.session.reader is None:
            self.window.text_pane.show_note("Reading text is turned off in Settings.")
            return
        self.window.text_pane.show_note("Reading the text…")
        self.session.when_text_ready(self._read.emit)

    def clear(self) -> None:
        self._waiting.clear()

    def when_ready(self, step: Callable[[], None]) -> None:
        """Run ``step`` now if the text of the current image is read, else once it is."""
        if self.session.text_ready():
            step()
        else:
            self._waiting.append((self.session.conversation, step))

    def show(self, conversation, lines, none: str = "No text was found.") -> None:
        width, height = conversation.image.size
        if lines:
            ordered = reading_order(lines)
            self.window.text_pane.show_lines([line_item(line, width, height) for line in ordered],
                                             [line.text for line in ordered])
        else:
            self.window.text_pane.show_note(conversation.text_note or none)

    def copy(self) -> None:
        pane = self.window.text_pane
        if not pane.lines:
            self.report("There is no text to copy." if self.session.text_ready() else "The text is still being read.")
            return
        QGuiApplication.clipboard().setText(pane.all_text())
        count = len(pane.lines)
        self.report(f"Copied {count} line{'s' if count != 1 else ''} of text.")

    def _on_read(self) -> None:
        conversation = self.session.conversation
        if conversation is None or not self.session.text_ready():
            return  # a reading for an image the user has since left
        self.show(conversation, self.session.text_lines())
        waiting, self._waiting = self._waiting, []
        for owner, step in waiting:
            if owner is conversation:
                step()
