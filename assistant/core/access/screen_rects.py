"""From where the accessibility API says a thing is, to the pixels to capture or click.

GTK and Qt report positions in logical pixels: under a scale factor of 2 (``GDK_SCALE``,
``QT_SCALE_FACTOR``) a window at physical (200, 100) says (100, 50). The factor is found
by comparing the toolkit's window with the X window the window manager shows, which the
toolkit cannot misreport. Extents can also run off the screen: the crop is clipped.
"""

from __future__ import annotations

from assistant.core.geometry import Rect

SCALES = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0)
MARGIN = 6  # pixels around a control's crop: its border and focus ring are part of how it looks


def scale_between(toolkit: Rect, physical: Rect) -> float:
    """The factor that best maps the toolkit's window onto the X window (window decorations aside)."""
    def miss(scale: float) -> float:
        return abs(toolkit.width * scale - physical.width) + abs(toolkit.height * scale - physical.height)

    return min(SCALES, key=miss)


def scaled(rect: Rect, scale: float) -> Rect:
    """``rect`` in physical pixels."""
    if scale == 1.0:
        return rect
    return Rect(round(rect.left * scale), round(rect.top * scale), round(rect.width * scale), round(rect.height * scale))


def crop_rect(rect: Rect, screen: Rect, margin: int = MARGIN) -> Rect | None:
    """``rect`` with a small margin, clipped to the screen; None when nothing of it is on screen."""
    grown = Rect(rect.left - margin, rect.top - margin, rect.width + 2 * margin, rect.height + 2 * margin)
    return grown.intersect(screen)


def around(x: int, y: int, screen: Rect, size: int = 320) -> Rect:
    """A square of ``size`` pixels centred on (x, y), moved inside the screen."""
    size = min(size, screen.width, screen.height)
    left = min(max(screen.left, x - size // 2), screen.left + screen.width - size)
    top = min(max(screen.top, y - size // 2), screen.top + screen.height - size)
    return Rect(left, top, size, size)


def centre(rect: Rect) -> tuple[int, int]:
    """The point a click on ``rect`` goes to."""
    return rect.left + rect.width // 2, rect.top + rect.height // 2
