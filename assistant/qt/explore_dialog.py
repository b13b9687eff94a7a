"""The screen-items list: a small window that takes focus; arrows move, Enter clicks, D describes, Escape returns.

A view only: each key becomes an intent signal; :class:`assistant.qt.explore_flow.ExploreFlow` acts on it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QDialog, QLabel, QListWidget, QVBoxLayout

from assistant.qt.a11y import name

HELP = "Arrows move, letters jump, Enter clicks, Shift+Enter double-clicks, the menu key right-clicks, " \
       "D describes, F5 refreshes, Escape returns."


class ExploreDialog(QDialog):
    """Lists the items; emits what the user asked for, with the row it is about."""

    click_requested = Signal(int, str, int)  # row, button, count
    describe_requested = Signal(int)
    refresh_requested = Signal()
    reached = Signal(int)  # the current row changed
    closed = Signal()  # Escape (focus goes back to the app, nothing clicked)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Screen items")
        layout = QVBoxLayout(self)
        self.help = QLabel(HELP)
        self.help.setWordWrap(True)
        self.list = QListWidget()
        self.list.installEventFilter(self)
        self.list.currentRowChanged.connect(self.reached.emit)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.help)
        self.resize(520, 420)

    def show_items(self, labels: list[str], note: str = "") -> None:
        """Fill the list, name it for the screen reader, and take the focus."""
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems(labels)
        self.list.blockSignals(False)
        count = len(labels)
        title = f"Screen items: {count}. " + ("Arrows move, Enter clicks, D describes, Escape returns." if count
                                              else "None found. F5 refreshes, Escape returns.")
        name(self.list, title.strip(), f"{note} {HELP}".strip())
        self.setWindowTitle(f"Screen items: {count}")
        self.show()
        self.raise_()
        self.activateWindow()
        self.list.setFocus()
        if count:
            self.list.setCurrentRow(0)
            self.reached.emit(0)

    def set_label(self, row: int, label: str) -> None:
        item = self.list.item(row)
        if item is not None:
            item.setText(label)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
        if watched is self.list and event.type() == QEvent.Type.KeyPress:
            key, mods = event.key(), event.modifiers()
            row = self.list.currentRow()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and row >= 0:
                double = bool(mods & Qt.KeyboardModifier.ShiftModifier)
                self.click_requested.emit(row, "left", 2 if double else 1)
                return True
            if key == Qt.Key.Key_Menu and row >= 0:
                self.click_requested.emit(row, "right", 1)
                return True
            if key == Qt.Key.Key_D and not mods and row >= 0:
                self.describe_requested.emit(row)
                return True
            if key == Qt.Key.Key_F5:
                self.refresh_requested.emit()
                return True
            if key == Qt.Key.Key_Escape:
                self.closed.emit()
                return True
        return super().eventFilter(watched, event)

    def reject(self) -> None:  # the window's close button, or Escape reaching the dialog
        self.closed.emit()
