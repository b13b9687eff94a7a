"""The question box: a line edit that lets Ctrl+V reach "Paste image" when an image is on the clipboard."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLineEdit

from assistant.qt.inputs import mime_has_image


class QuestionBox(QLineEdit):
    """The question box."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAcceptDrops(False)  # dropped files go to the window, which opens them
        self.setMaxLength(5000)

    def event(self, event) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and event.matches(QKeySequence.StandardKey.Paste)
            and mime_has_image(QGuiApplication.clipboard().mimeData())
        ):
            event.ignore()  # not ours: the window's Paste image action takes it
            return False
        return super().event(event)
