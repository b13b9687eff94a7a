"""The text found in the current image: shown in the Text found list once read, and what waits for it.

The text reader runs beside the caption model (its own process in the app). A caption that
arrives first, a question asked while it reads, or the OCR-only preset waits here and runs,
on the GUI thread, as soon as the text is there; steps for an image the user has since
left are dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from assistant.core.announcer import Announcer
from assistant.core.session import Conversation, Session
from assistant.core.text.layout import line_item, reading_order
from assistant.i18n import _, ngettext
from assistant.qt.view import ConversationView


class TextFlow(QObject):
    """Shows the text found, runs what waited for it, and copies it."""

    _read = Signal()  # emitted on the reader's thread: handled on the GUI thread

    def __init__(self, view: ConversationView, session: Session, announcer: Announcer, parent: QObject | None = None):
        super().__init__(parent)
        self.view, self.session, self.announcer = view, session, announcer
        self._waiting: list[tuple[object, Callable[[], None]]] = []
        self._read.connect(self._on_read)

    def begin(self) -> None:
        """A new image: forget what waited for the last one; show the list as reading (or off)."""
        self._waiting.clear()
        if self.session.reader is None:
            self.view.show_text([], _("Reading text is turned off in Settings."))
            return
        self.view.show_text([], _("Reading the text…"))
        self.session.when_text_ready(self._read.emit)

    def clear(self) -> None:
        """Nothing waits any more (a new or reopened conversation)."""
        self._waiting.clear()

    def when_ready(self, step: Callable[[], None]) -> None:
        """Run ``step`` now if the text of the current image is read, else once it is."""
        if self.session.text_ready():
            step()
        else:
            self._waiting.append((self.session.conversation, step))

    def show(self, conversation: Conversation, lines, none: str = "") -> None:
        """The lines in reading order, each with where it is; or why there are none."""
        width, height = conversation.image.size
        items = [line_item(line, width, height) for line in reading_order(lines)] if lines else []
        self.view.show_text(items, conversation.text_note or none or _("No text was found."))

    def copy(self) -> None:
        """Ctrl+Shift+C: every line found, one a line, on the clipboard."""
        c = self.session.conversation
        if c is None or not self.session.text_ready():
            self.announcer.message(_("There is no text to copy.") if c is None else _("The text is still being read."))
            return
        lines = [line.text for line in reading_order(self.session.text_lines())]
        if not lines:
            self.announcer.message(_("There is no text to copy."))
            return
        self.view.copy_text("\n".join(lines))
        self.announcer.message(ngettext("Copied {n} line of text.", "Copied {n} lines of text.", len(lines)).format(n=len(lines)))

    def _on_read(self) -> None:
        conversation = self.session.conversation
        if conversation is None or not self.session.text_ready():
            return  # a reading for an image the user has since left
        self.show(conversation, self.session.text_lines())
        waiting, self._waiting = self._waiting, []
        for owner, step in waiting:
            if owner is conversation:
                step()
