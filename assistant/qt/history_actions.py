"""The window's side of the history: keep each turn, open the history dialog, reopen a conversation."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import QListWidgetItem

from assistant.core.conversation import Conversation
from assistant.core.errors import ImageError
from assistant.core.images import load_image
from assistant.core.prompts import Turn


class HistoryActions:
    """Mixed into MainWindow (which owns ``history``, ``conversation`` and the widgets)."""

    def _remember(self, write):
        """Write to the history; a failure is said once and never stops the conversation."""
        if self.history is None:
            return None
        try:
            return write(self.history)
        except (sqlite3.Error, OSError) as err:
            self.history = None
            self.report(f"The history cannot be saved any more ({err}); conversations go on without it.", error=True)
            return None

    def show_history(self) -> None:
        if self.history is None:
            self.report("The history is turned off.")
            return
        from assistant.qt.history_panel import HistoryDialog

        self.history_dialog = HistoryDialog(self.history, self)
        self.history_dialog.open()

    def open_stored(self, stored) -> None:
        """Make a past conversation current again: its image, its turns, and new questions continue it."""
        image = None
        if stored.image and stored.image.exists():
            try:
                image = load_image(stored.image)
            except ImageError:
                image = None
        self.service.stop()
        self._latest, self._unsaved = None, False
        self.history_view.clear()
        for t in stored.turns:
            text = f"Question: {t.question}\nAnswer: {t.answer}" if t.question else f"Description of {stored.source}: {t.answer}"
            self.history_view.addItem(QListWidgetItem(text))
        self.history_view.setCurrentRow(self.history_view.count() - 1)
        if image is None:
            self.conversation, self._history_id = None, None
            self.image_pane.clear()
            self.report(f"Reopened {stored.source} without its image (images were not stored), so you can read it "
                        "but not ask more.")
            return
        self.conversation = Conversation(image, stored.source, caption=stored.caption,
                                         turns=[Turn(t.question, t.answer) for t in stored.turns if t.question])
        self._history_id = stored.id
        self._show_image(image)
        self.image_pane.setAccessibleName(f"Image: {stored.source}")
        self.image_pane.setAccessibleDescription(stored.caption)
        self.report(f"Reopened {stored.source}: {stored.caption}. Ask a question to continue.")
        self.question.setFocus()

    def forget_history_id(self, conversation_id: int | None) -> None:
        if conversation_id is None or conversation_id == self._history_id:
            self._history_id = None
