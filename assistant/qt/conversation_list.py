"""The conversation: one item per description, question and answer; says so when it is empty."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QListWidget

from assistant.i18n import N_, _

EMPTY = N_("No conversation yet")
EMPTY_HELP = N_("No conversation yet. Describe the screen, or open, paste or drop an image.")
HELP = N_("Descriptions, questions and answers; newest last.")


class ConversationList(QListWidget):
    """A list whose empty state is shown on screen and read by screen readers (not a bare "list")."""

    def __init__(self):
        super().__init__()
        self.setWordWrap(True)
        self.setAcceptDrops(False)
        model = self.model()
        for changed in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            changed.connect(self._update_description)
        self._update_description()

    def _update_description(self, *_args) -> None:
        # Orca speaks an empty list's name but not its description: the empty state goes in the name.
        empty = _("Conversation: {empty}").format(empty=_(EMPTY).lower())
        self.setAccessibleName(_("Conversation") if self.count() else empty)
        self.setAccessibleDescription(_(HELP) if self.count() else _(EMPTY_HELP))

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().paintEvent(event)
        if self.count():
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
        painter.drawText(self.viewport().rect().adjusted(8, 8, -8, -8),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, _(EMPTY_HELP))
