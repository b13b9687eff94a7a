"""A caption of a changed area, asked of the model beside the conversation (watch mode, "What changed?").

The model runs one request at a time and a newer one replaces it: an area is only asked
about when no answer of the user's is waiting, and an answer that never comes (replaced)
is simply not said.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image
from PySide6.QtCore import QObject

from assistant.core.model.backend import Answer, CaptionRequest
from assistant.qt.model_service import ModelService


class AreaCaptions(QObject):
    """Asks the model to caption a crop, outside the conversation."""

    def __init__(self, service: ModelService, parent: QObject | None = None):
        super().__init__(parent)
        self.service = service
        self._waiting: dict[int, Callable[[str], None]] = {}
        service.answered.connect(self._answered)
        service.failed.connect(lambda request_id, _message: self._waiting.pop(request_id, None))

    def ask(self, image: Image.Image, then: Callable[[str], None]) -> bool:
        """Caption ``image``, then call ``then(words)``; False when there is no model to ask."""
        if not self.service.available:
            return False
        request = CaptionRequest(image)
        self._waiting = {request.id: then}  # only the newest is wanted
        self.service.submit(request)
        return True

    def _answered(self, request_id: int, answer: Answer) -> None:
        then = self._waiting.pop(request_id, None)
        if then is not None and answer.text.strip():
            then(answer.text.strip())
