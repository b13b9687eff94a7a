"""The text found in the image: one line per item (a braille display reads it line by line), with where it is."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QListWidget, QVBoxLayout, QWidget

from assistant.i18n import N_, _, ngettext
from assistant.qt.a11y import name

HELP = N_("The text read in the image, in reading order, one line per item, each with where it is.")


class LabelledList(QWidget):
    """A named list, one item a line (a braille display reads it line by line), under a label that reaches it."""

    def __init__(self, label: str, accessible_name: str, description: str):
        super().__init__()
        self.list = name(QListWidget(), accessible_name, description)
        self.list.setWordWrap(True)
        text = QLabel(label)
        text.setBuddy(self.list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(text)
        layout.addWidget(self.list, 1)


class TextPane(LabelledList):
    """The Text found list and its label."""

    def __init__(self):
        super().__init__(_("Te&xt found:"), _("Text found"), _(HELP))
        self.show_note(_("No image yet."))

    def show_lines(self, items: list[str]) -> None:
        """``items`` as shown: each line's text and where it is."""
        self.list.clear()
        self.list.addItems(items)
        self.list.setAccessibleName(ngettext("Text found: {n} line", "Text found: {n} lines", len(items)).format(n=len(items)))
        if items:
            self.list.setCurrentRow(0)

    def show_note(self, note: str) -> None:
        """No lines: why (not read yet, none found, the reader failed)."""
        self.list.clear()
        self.list.addItem(note)
        self.list.setAccessibleName(_('Text found: {note}').format(note=note))
