"""What "describe the focused control" and "describe what is under the pointer" capture, and say first.

The accessibility API answers in milliseconds, so its words are said at once ("Unlabeled
button"); the crop of the control then goes to the text reader and the caption model. Where
the application exposes nothing (xterm, a game, a remote desktop, Wayland without AT-SPI)
the focused window, or the area around the pointer, is described instead, and that is said.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PIL import Image

from assistant.core.access.element import AccessibilityProbe, Element
from assistant.core.access.screen_rects import around, crop_rect
from assistant.core.capture.screen import Capturer, pointer_position
from assistant.core.geometry import Rect
from assistant.core.onscreen.places import element_placement
from assistant.i18n import N_, _

log = logging.getLogger(__name__)
NO_CONTROL = N_("No control details here; describing the focused window.")
NOTHING_AT_POINTER = N_("Nothing is exposed under the pointer; describing the area around it.")


@dataclass(frozen=True)
class Target:
    """A crop to describe, what is said before its text and caption, and where it came from."""

    image: Image.Image
    source: str  # "focused control", "focused window", "object under the pointer", "area around the pointer"
    lead: str  # said at once: what the accessibility API says, or why the window is described instead
    rect: Rect  # where the crop is on screen
    element: Element | None = None
    place: str = ""  # "at the top left of the Archive tool window, left of Save"


def focused_target(probe: AccessibilityProbe, capturer: Capturer) -> Target:
    """The focused control's crop, or the focused window where the application exposes none."""
    try:
        element = probe.focused()
    except Exception as err:  # noqa: BLE001 - a probe failure is a fallback, never a traceback
        log.info("focused object unknown: %s", err)
        element = None
    if element is not None and element.rect is not None:
        target = _crop(capturer, element, "focused control")
        if target is not None:
            return target
    capture = capturer.active_window()
    return Target(capture.image, "focused window", _(NO_CONTROL), capture.rect)


def pointer_target(probe: AccessibilityProbe, capturer: Capturer, point: tuple[int, int] | None = None) -> Target:
    """The object under the pointer (where it is now, unless ``point``), or the area around it."""
    if point is None:
        point = pointer_position()
        if point is None:  # the platform does not say: the middle of the screen
            screen = capturer.screen_rect()
            point = (screen.left + screen.width // 2, screen.top + screen.height // 2)
    try:
        element = probe.at_point(*point)
    except Exception as err:  # noqa: BLE001
        log.info("object at %s unknown: %s", point, err)
        element = None
    if element is not None and element.rect is not None and element.role not in ("frame", "window", "filler"):
        target = _crop(capturer, element, "object under the pointer")
        if target is not None:
            return target
    screen = capturer.screen_rect()
    rect = around(*point, screen)
    return Target(capturer.region(rect).image, "area around the pointer", _(NOTHING_AT_POINTER), rect)


def _crop(capturer: Capturer, element: Element, source: str) -> Target | None:
    rect = crop_rect(element.rect, capturer.screen_rect())
    if rect is None:
        return None  # scrolled off screen, or on a monitor that is gone
    capture = capturer.region(rect)
    return Target(capture.image, source, element.summary(), rect, element, element_placement(element))
