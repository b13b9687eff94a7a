"""The Changes list: what watch mode saw appear and go, newest last, one line each (a braille display reads it)."""

from __future__ import annotations

import time

from assistant.i18n import N_, _
from assistant.qt.text_pane import LabelledList

KEPT = 500  # rows: hours of watching never grow the window's memory
HELP = N_("What appeared and went in the watched window, newest last, each with its time.")


class ChangesPane(LabelledList):
    """Hidden until watching starts; its rows live in memory only."""

    def __init__(self):
        super().__init__(_("Chan&ges:"), _("Changes"), _(HELP))  # Alt+H is the Help menu
        self.hide()

    def add(self, text: str, at: float | None = None) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(at))
        self.list.addItem(f"{stamp} {text}")
        while self.list.count() > KEPT:
            self.list.takeItem(0)
        self.list.setCurrentRow(self.list.count() - 1)
        self.list.setAccessibleName(_("Changes: {count}").format(count=self.list.count()))

    def rows(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def clear(self) -> None:
        self.list.clear()
        self.list.setAccessibleName(_("Changes"))
