"""The screen-items list: a small window that takes focus; arrows move, Enter clicks, D describes, Escape returns.

A view only: each key becomes an intent signal; :class:`assistant.qt.explore_flow.ExploreFlow` acts on it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QLabel, QListWidget, QVBoxLayout

from assistant.i18n import N_, _
from assistant.qt.a11y import name
from assistant.qt.capture_flow import give_focus_to, on_x11, x11_focus_in

log = logging.getLogger(__name__)

CLAIM_MS = (30, 60, 100, 150, 250, 400, 600)  # the gaps between checks
HELP = N_("Arrows move, letters jump, Enter clicks, Shift+Enter double-clicks, the menu key right-clicks, " \
       "D describes, F5 refreshes, Escape returns.")


class ExploreDialog(QDialog):
    """Lists the items; emits what the user asked for, with the row it is about."""

    click_requested = Signal(int, str, int)  # row, button, count
    describe_requested = Signal(int)
    refresh_requested = Signal()
    reached = Signal(int)  # the current row changed
    closed = Signal()  # Escape (focus goes back to the app, nothing clicked)

    def __init__(self, parent=None):
        super().__init__(parent)
        # A window of its own, not a dialog "transient for" our main window: that one is hidden while
        # exploring, and window managers move the focus about for the transients of hidden windows.
        self.setWindowFlags(Qt.WindowType.Window)
        # Qt's own activation request carries the time of the last input Qt saw, long ago (the hotkey went
        # to our grab); on X11 the focus is asked for with the server's time now instead (_claim_focus).
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, on_x11())
        self.setWindowTitle(_("Screen items"))
        layout = QVBoxLayout(self)
        self.help = QLabel(_(HELP))
        self.help.setWordWrap(True)
        self.list = QListWidget()
        self.list.installEventFilter(self)
        self.list.currentRowChanged.connect(self.reached.emit)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.help)
        self.resize(520, 420)
        self._focused_logged = False

    def show_items(self, labels: list[str], note: str = "") -> None:
        """Fill the list, name it for the screen reader, and take the focus."""
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems(labels)
        self.list.blockSignals(False)
        count = len(labels)
        title = _("Screen items: {count}.").format(count=count) + " " + (
            _("Arrows move, Enter clicks, D describes, Escape returns.") if count else
            _("None found. F5 refreshes, Escape returns."))
        name(self.list, title.strip(), f"{note} {_(HELP)}".strip())
        self.setWindowTitle(_('Screen items: {count}').format(count=count))
        self.show()
        self.raise_()
        self.list.setFocus()
        self._focused_logged = False
        self._claim_focus()
        if count:
            self.list.setCurrentRow(0)
            self.reached.emit(0)

    def _claim_focus(self, attempt: int = 0) -> None:
        """Opened by a global hotkey, the list must take the focus from the app in front, and keep it.

        X window managers may refuse that to an app that has had no input of late (the key went to our
        grab, not to Qt), or hand the focus back to the app a moment after the list was mapped (seen with
        openbox). So for the first second and a half the window manager is asked, as a pager asks,
        whenever the list is not the active window; Qt's own idea of "active" comes too early to trust.
        """
        if not self.isVisible() or attempt >= len(CLAIM_MS):
            return
        if on_x11():
            if not x11_focus_in(int(self.winId())):
                log.debug("claiming the focus (attempt %d)", attempt + 1)
                give_focus_to(int(self.winId()))
            elif not self._focused_logged:
                self._focused_logged = True
                log.info("explore: the list has the focus")
        elif not self.isActiveWindow():
            self.activateWindow()
        QTimer.singleShot(CLAIM_MS[attempt], lambda: self._claim_focus(attempt + 1))

    def set_label(self, row: int, label: str) -> None:
        item = self.list.item(row)
        if item is not None:
            item.setText(label)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
        if watched is self.list and event.type() == QEvent.Type.KeyPress:
            key, mods = event.key(), event.modifiers()
            log.debug("key %s on row %d", event.text() or key, self.list.currentRow())
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
