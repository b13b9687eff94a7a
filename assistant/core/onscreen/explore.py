"""One scan for the screen-items list: capture the window (or screen), read its text, ask for its controls.

The text reader and the accessibility API work at the same time: the controls are asked for
while the text is read. The result keeps the capture, to crop an item for "describe" and to
see whether the window has changed before a click.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageStat

from assistant.core.access.element import AccessibilityProbe
from assistant.core.access.screen_rects import crop_rect
from assistant.core.capture.screen import Capture, Capturer
from assistant.core.errors import one_line
from assistant.core.geometry import Rect
from assistant.core.onscreen.items import ScreenItem, screen_items

log = logging.getLogger(__name__)
CHANGED_LEVEL = 10.0  # mean difference (0-255) above which an item's pixels are taken to have changed


@dataclass
class Scan:
    """What explore found: the capture, its items, and what the user should be told about it."""

    capture: Capture
    items: list[ScreenItem]
    note: str = ""  # "The text could not be read: …"
    return_to: int | None = None  # the window the focus goes back to (X11 window id)

    def crop(self, item: ScreenItem) -> tuple[Image.Image, Rect]:
        """The item's pixels as captured, with a small margin, and where they are on screen."""
        rect = crop_rect(item.rect, self.capture.rect) or item.rect
        origin = self.capture.rect
        box = (rect.left - origin.left, rect.top - origin.top, rect.left - origin.left + rect.width,
               rect.top - origin.top + rect.height)
        return self.capture.image.crop(box), rect


def scan(probe: AccessibilityProbe, capturer: Capturer, reader, area: str = "window") -> Scan:
    """Capture ``area`` ("window" or "screen") and list its items; ``reader`` has ``submit(image) -> Future``."""
    capture = capturer.active_window() if area == "window" else capturer.monitor_at()
    reading = reader.submit(capture.image) if reader is not None else None
    try:
        controls = probe.controls(capture.rect)
    except Exception as err:  # noqa: BLE001 - the text alone still makes a list
        log.info("controls unknown: %s", err)
        controls = []
    note, lines = capture.note, []
    if reading is None:
        note = (note + " Reading text is turned off, so only the exposed controls are listed.").strip()
    else:
        try:
            lines = list(reading.result())
        except Exception as err:  # noqa: BLE001 - TextReadError or a broken reader: said, not raised
            note = (note + f" The text could not be read ({one_line(err, 100)}).").strip()
    title = capture.source.removeprefix("window ").strip() if capture.source.startswith("window") else ""
    return Scan(capture, screen_items(lines, controls, capture.rect, title), note)


def has_changed(scan: Scan, item: ScreenItem, now: Image.Image) -> bool:
    """Whether the item's pixels ``now`` differ from when the list was made (it may have moved)."""
    before, _ = scan.crop(item)
    if before.size != now.size:
        return True
    difference = ImageChops.difference(before.convert("RGB"), now.convert("RGB"))
    return sum(ImageStat.Stat(difference).mean) / 3 > CHANGED_LEVEL
