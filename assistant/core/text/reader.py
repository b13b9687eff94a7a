"""Reading the text in an image: the ``TextReader`` interface, RapidOCR behind it, and a fake.

RapidOCR (``rapidocr`` 3.x on ONNX Runtime, Apache-2.0) ships its PP-OCRv6 detection and
recognition models inside its wheel, so nothing is downloaded at run time and it works
offline from the first start. It reads the image at full resolution (never the 224 px
the caption model sees). See bench/ocr.py for why it was chosen over the 1.4 releases.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from assistant.core.errors import AssistantError, one_line
from assistant.core.geometry import Rect
from assistant.core.processes import give_back_memory
from assistant.i18n import _

log = logging.getLogger(__name__)

# Screens are upright: the angle classifier only costs time. Detection runs at up to 1600 px on
# the long side (the text in each box found is then read at full resolution): 10 px text on a
# 1080p screen, light or dark, is still found, in about 70 % of the time of full size; at 1280 px
# a 10 px line on a dark screen was lost and "password" in 12 px serif split in two (bench/ocr.py).
RAPIDOCR_PARAMS = {
    "Global.use_cls": False,
    "Global.log_level": "error",  # "no text found" is not a warning here: the caller says it once
    "Global.text_score": 0.5,
    "Det.limit_type": "max",
    "Det.limit_side_len": 1600,
}


class TextReadError(AssistantError):
    """The text could not be read (the OCR engine is missing or failed): one line for the user."""


@dataclass(frozen=True)
class TextLine:
    """A line of text found in an image, with its box."""

    text: str
    box: Rect  # in the image's pixels
    confidence: float  # 0..1

    def to_dict(self) -> dict:
        b = self.box
        return {"text": self.text, "box": [b.left, b.top, b.width, b.height], "confidence": round(self.confidence, 3)}

    @classmethod
    def from_dict(cls, d: dict) -> TextLine:
        return cls(d["text"], Rect(*d["box"]), float(d.get("confidence", 1.0)))


class TextReader(Protocol):
    """Reads the text in an image (OCR)."""

    def read(self, image: Image.Image) -> list[TextLine]:
        """The lines of text in ``image`` (any order; ``layout`` puts them in reading order)."""


class RapidTextReader:
    """RapidOCR, loaded on first use (about 0.3 s), then reused. Safe to call from one thread at a time."""

    def __init__(self, params: dict | None = None):
        self._params = {**RAPIDOCR_PARAMS, **(params or {})}
        self._engine = None
        self._lock = threading.Lock()

    def read(self, image: Image.Image) -> list[TextLine]:
        reason = unreadable_shape(*image.size, int(self._params["Det.limit_side_len"]))
        if reason:
            raise TextReadError(_('The text could not be read: {reason}.').format(reason=reason))
        with self._lock:
            engine = self._load()
            try:
                result = engine(image.convert("RGB"))
            except Exception as err:  # a bug or a bad image in the engine: one line said, the details at debug level
                log.warning("OCR failed on a %dx%d image: %s", *image.size, one_line(err))
                log.debug("OCR failure", exc_info=True)
                raise TextReadError(_('The text could not be read: {n0}').format(n0=_in_words(err))) from err
            finally:
                give_back_memory()  # a few ms: frames of every size otherwise leave the heap scattered and large
        if result.txts is None or result.boxes is None:
            return []
        return [TextLine(text.strip(), _rect(box), float(score))
                for box, text, score in zip(result.boxes, result.txts, result.scores or ()) if text.strip()]

    def _load(self):
        if self._engine is None:
            try:
                from rapidocr import RapidOCR
            except ImportError as err:
                raise TextReadError(_("Reading text needs the rapidocr package: pip install rapidocr onnxruntime")) from err
            try:
                self._engine = RapidOCR(params=self._params)
            except Exception as err:
                log.exception("OCR engine failed to start")
                raise TextReadError(_('The text reader failed to start: {n0}').format(n0=one_line(err))) from err
        return self._engine


# RapidOCR scales an image whose long side is over ``Det.limit_side_len`` down to it and rounds both
# sides to 32 px: a short side under 16 px after that rounds to 0, and it raises ResizeImgError.
# Smaller images, even 1x1, are read as they are.
SMALLEST_SIDE = 16


def unreadable_shape(width: int, height: int, limit_side: int = 1600) -> str | None:
    """Why text cannot be read from an image of this shape, in words; None when it can."""
    longest = max(width, height)
    if longest > limit_side and min(width, height) * limit_side / longest < SMALLEST_SIDE:  # a strip, standing or lying
        return _("the image is too narrow to read text from")
    return None


def _in_words(err: Exception) -> str:
    """The engine's failure as the user can understand it: its resizing fails only on the image's shape."""
    if type(err).__name__ == "ResizeImgError":
        return _("the image is too narrow to read text from")
    return one_line(err)


class FakeTextReader:
    """Returns the lines it was given (or raises ``error``); for tests of what is built on top."""

    def __init__(self, lines: Sequence[TextLine] = (), error: str | None = None):
        self.lines, self.error = list(lines), error
        self.images: list[Image.Image] = []

    def read(self, image: Image.Image) -> list[TextLine]:
        self.images.append(image)
        if self.error:
            raise TextReadError(self.error)
        return list(self.lines)


def _rect(quad) -> Rect:
    xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
    left, top = int(min(xs)), int(min(ys))
    return Rect(left, top, max(1, int(max(xs)) - left), max(1, int(max(ys)) - top))
