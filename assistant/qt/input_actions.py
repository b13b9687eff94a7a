"""Images into the window: open, paste, drop and a path on the command line (a MainWindow mixin)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from assistant.core.errors import ImageError
from assistant.core.images import load_image
from assistant.qt.inputs import IMAGE_FILTER, image_from_mime, mime_has_image


class InputActions:
    """Each way in ends in ``start_conversation(image, source)``; a bad input is said in one line."""

    def open_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", "", IMAGE_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        try:
            image = load_image(path)
        except ImageError as err:
            self.report(str(err), error=True)
            return
        self.start_conversation(image, Path(path).name)

    def paste_image(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if not mime_has_image(mime) and self.question.hasFocus():
            self.question.paste()  # text on the clipboard: an ordinary paste into the question
            return
        self._take_mime(mime)

    def _take_mime(self, mime) -> None:
        try:
            image, source = image_from_mime(mime)
        except ImageError as err:
            self.report(str(err), error=True)
            return
        self.start_conversation(image, source)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if mime_has_image(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        event.acceptProposedAction()
        self._take_mime(event.mimeData())
