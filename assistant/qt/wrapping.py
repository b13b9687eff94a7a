"""Buttons and rows that wrap, so no label is ever cut off: in a narrow window, at any text size.

``FlowLayout`` (Qt's flow layout example) puts its widgets on as many rows as the width
needs; a ``WrappingButton`` wider than a whole row breaks its label between words.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QStyle, QStyleOptionToolButton, QToolButton, QWidget


class WrappingButton(QToolButton):
    """A text-only tool button whose label breaks between words when a row is narrower than it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._label = ""

    def label(self) -> str:
        """The label on one line, as the action names it."""
        return self._label or self.text()

    def actionEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().actionEvent(event)
        self._label = self.defaultAction().iconText() if self.defaultAction() else self.text()  # as Qt shows it

    def size_for(self, text: str) -> QSize:
        """The button's size with ``text`` (lines split by newlines) as its label."""
        option = QStyleOptionToolButton()
        self.initStyleOption(option)
        metrics = self.fontMetrics()
        lines = text.replace("&", "").split("\n")
        content = QSize(max(metrics.horizontalAdvance(line) for line in lines), metrics.height() * len(lines))
        return self.style().sizeFromContents(QStyle.ContentsType.CT_ToolButton, option, content, self)

    def wrapped(self, width: int) -> str:
        """The label broken between words so each line fits in ``width`` (a lone long word keeps its line)."""
        words, lines = self.label().split(), []
        for word in words:
            if lines and self.size_for(f"{lines[-1]} {word}").width() <= width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        return "\n".join(lines)

    def text_for(self, width: int) -> str:
        """The label on one line if it fits in ``width``, else broken between words."""
        return self.label() if self.size_for(self.label()).width() <= width else self.wrapped(width)

    def fit(self, width: int) -> QSize:
        """Show the label on as few lines as fit in ``width``; returns the size that takes."""
        text = self.text_for(width)
        if text != self.text():
            self.setText(text)
        return self.size_for(text)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return self.size_for(max(self.label().split() or [""], key=self.fontMetrics().horizontalAdvance))


class FlowLayout(QLayout):
    """Left to right, then on to the next row: each widget at its full size hint, at any width and text size."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt API)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt API)
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt API)
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 (Qt API)
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt API)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 (Qt API)
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802 (Qt API)
        size = QSize()
        for item in self._items:  # as narrow as the widest word of a label: every label stays whole
            widget = item.widget()
            size = size.expandedTo(widget.minimumSizeHint() if isinstance(widget, WrappingButton) else item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect: QRect, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, row_height = area.x(), area.y(), 0
        space = self.spacing()
        for item in self._items:
            if item.widget() is not None and item.widget().isHidden():
                continue
            widget = item.widget()
            if isinstance(widget, WrappingButton):
                hint = widget.fit(area.width()) if move else widget.size_for(widget.text_for(area.width()))
            else:
                hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and row_height > 0:  # on to the next row
                x, y, row_height = area.x(), y + row_height + space, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + space
            row_height = max(row_height, hint.height())
        return y + row_height - rect.y() + m.bottom()


def wrapping_row(widgets: list[QWidget]) -> QWidget:
    """``widgets`` in a row that wraps, in a widget whose height follows its width."""
    box = QWidget()
    layout = FlowLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(True)
    box.setSizePolicy(policy)
    return box
