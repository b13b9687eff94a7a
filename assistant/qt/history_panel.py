"""The history dialog: find a past conversation by keyboard, reopen it, export or delete it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant import i18n
from assistant.core.announcer import Announcer
from assistant.core.history.export import to_html, to_markdown
from assistant.core.history.store import HistoryStore, StoredConversation
from assistant.core.session import Session
from assistant.i18n import _, ngettext
from assistant.qt.a11y import name


class HistoryFlow:
    """Owns the history store the app writes to, and opens the dialog on it (Ctrl+H)."""

    def __init__(self, store: HistoryStore | None, session: Session, announcer: Announcer,
                 reopen: Callable[[StoredConversation], None], parent: QWidget):
        self.store, self.session, self.announcer, self.reopen, self.parent = store, session, announcer, reopen, parent
        self.dialog: HistoryDialog | None = None
        session.use_history(store)

    def use_store(self, store: HistoryStore | None) -> None:
        """Settings, History changed: the old store is closed, the new one is read and written from now on."""
        if self.store is not None and self.store is not store:
            self.store.close()
        self.store = store
        self.session.use_history(store)

    def open(self) -> None:
        """The history dialog, or why there is none."""
        if self.store is None:
            self.announcer.message(_("The history is turned off."))
            return
        self.dialog = HistoryDialog(self.store, self.announcer, self.reopen, self.session.forget_history_id, self.parent)
        self.dialog.open()


class HistoryDialog(QDialog):
    """Search, reopen, export and delete past conversations."""

    def __init__(self, store: HistoryStore, announcer: Announcer, reopen: Callable[[StoredConversation], None],
                 deleted: Callable[[int | None], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.announcer, self._reopen, self._deleted = store, announcer, reopen, deleted
        self.setWindowTitle(_("History"))
        name(self, _("History"), _("Past conversations, newest first. Enter opens one."))
        self.search = name(QLineEdit(), _("Search"), _("Type to find text in any question or answer."))
        self.search.setPlaceholderText(_("Search the history"))
        label = QLabel(_("&Search:"))
        label.setBuddy(self.search)
        self.list = name(QListWidget(), _("Conversations"), _("Enter opens the conversation; Delete deletes it."))
        self.list.itemActivated.connect(lambda _item: self.open_selected())
        self.search.textChanged.connect(self.refresh)
        self.search.returnPressed.connect(lambda: self.list.setFocus())
        row = QHBoxLayout()
        for text, slot, tip in ((_("&Open"), self.open_selected, _("Reopen the selected conversation to ask more.")),
                                (_("&Export…"), lambda: self.export(False),
                                 _("Save the selected conversation as Markdown or HTML.")),
                                (_("Export &all…"), lambda: self.export(True), _("Save every conversation as Markdown or HTML.")),
                                (_("&Delete"), lambda: self.delete(False), _("Delete the selected conversation.")),
                                (_("Delete a&ll…"), lambda: self.delete(True), _("Delete every conversation.")),
                                (_("&Close"), self.reject, _("Close the history."))):
            button = name(QPushButton(text), text.replace("&", "").rstrip("…"), tip)
            button.clicked.connect(slot)
            row.addWidget(button)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list, lambda: self.delete(False))
        layout = QVBoxLayout(self)
        search_row = QHBoxLayout()
        search_row.addWidget(label)
        search_row.addWidget(self.search, 1)
        layout.addLayout(search_row)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        self.resize(720, 480)
        self.refresh()
        self.list.setFocus()

    def refresh(self) -> None:
        text = self.search.text().strip()
        found = self.store.search(text) if text else self.store.list()
        self.list.clear()
        for c in found:
            turns = ngettext("{n} turn", "{n} turns", len(c.turns)).format(n=len(c.turns))
            item = QListWidgetItem(_("{when}, {source}: {caption} ({turns})").format(
                when=i18n.when(c.started), source=c.source, caption=c.caption or _("no description"), turns=turns))
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.list.addItem(item)
        if found:
            self.list.setCurrentRow(0)
        n = len(found)
        self.announcer.message(ngettext("{n} conversation found.", "{n} conversations found.", n).format(n=n) if text else
                               ngettext("{n} conversation in the history.", "{n} conversations in the history.", n).format(n=n))

    def selected(self) -> StoredConversation | None:
        item = self.list.currentItem()
        return self.store.get(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def open_selected(self) -> None:
        conversation = self.selected()
        if conversation is not None:
            self.accept()
            self._reopen(conversation)

    def export(self, everything: bool) -> None:
        chosen = self.store.list() if everything else [c for c in [self.selected()] if c]
        if not chosen:
            self.announcer.message(_("There is nothing to export."))
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Export history"), "blip-assistant-history.html",
                                              _("HTML with images (*.html);;Markdown (*.md)"))
        if path:
            self.export_to(chosen, Path(path))

    def export_to(self, chosen: list[StoredConversation], path: Path) -> None:
        text = to_markdown(chosen) if path.suffix.lower() == ".md" else to_html(chosen)
        path.write_text(text, encoding="utf-8")
        self.announcer.message(ngettext("Exported {n} conversation to {name}.", "Exported {n} conversations to {name}.",
                                        len(chosen)).format(n=len(chosen), name=path.name))

    def delete(self, everything: bool) -> None:
        target = None if everything else self.selected()
        if not everything and target is None:
            return
        question = (_("Delete every conversation in the history? This cannot be undone.") if everything else
                    _("Delete the conversation about {source}? This cannot be undone.").format(source=target.source))
        answer = QMessageBox.question(self, _("Delete"), question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        count = self.store.delete(None if everything else target.id)
        self._deleted(None if everything else target.id)
        self.refresh()
        deleted = ngettext("Deleted {count} conversation.", "Deleted {count} conversations.", count)
        self.announcer.message(deleted.format(count=count))
