"""Screenshots: the whole desktop, the monitor under the pointer, the active window.

mss grabs pixels on X11, Windows and macOS. Finding the active window is per platform
(X11: ``_NET_ACTIVE_WINDOW``, then the input focus; Windows: the foreground window);
where we cannot, we capture the monitor and say so. The GUI hides its own window
before calling in here, so the assistant never describes itself.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from assistant.core.desktop import detect
from assistant.core.errors import AssistantError, one_line
from assistant.core.geometry import Rect
from assistant.i18n import _

log = logging.getLogger(__name__)
BLANK_SPAN = 8  # every channel within 8 levels of 255: no visible content


class CaptureError(AssistantError):
    """The screen could not be captured (no display, no permission)."""


@dataclass(frozen=True)
class Capture:
    """A captured image, where it came from, and anything the user should know about it."""

    image: Image.Image
    source: str  # "screen", "monitor 2", "window Firefox"
    rect: Rect
    note: str = ""  # said to the user when we captured something other than what was asked
    window_id: int | None = None  # the window captured (X11 window, Windows HWND), to capture it again later


class Capturer(Protocol):
    """Takes screenshots: the real one (mss) or a fake."""

    def desktop(self) -> Capture: ...

    def monitor_at(self, point: tuple[int, int] | None = None) -> Capture: ...

    def active_window(self) -> Capture: ...

    def region(self, rect: Rect) -> Capture:
        """Just ``rect`` (physical desktop pixels): a control's crop."""

    def screen_rect(self) -> Rect:
        """The whole desktop's rectangle, to clip crops to."""


def monitor_containing(monitors: list[Rect], x: int, y: int) -> int:
    """Index of the monitor holding (x, y), else the nearest one (layouts may have gaps)."""
    for i, rect in enumerate(monitors):
        if rect.contains(x, y):
            return i
    return min(range(len(monitors)), key=lambda i: monitors[i].distance_to(x, y))


def blank_reason(image: Image.Image) -> str | None:
    """A sentence if ``image`` is one flat colour (screen curtain, lock screen, black screen), else None.

    BLIP-2 invents scenes for such images, so they are reported instead of described.
    """
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if min(rgb.size) >= 64 and _varied(rgb.reduce(8).getextrema()):
        return None  # an eighth of the size answers for most screens, in a few ms on the GUI thread
    extrema = rgb.getextrema()  # else every pixel: one small mark on a flat screen is not blank
    if _varied(extrema):
        return None
    level = sum((low + high) / 2 for low, high in extrema) / 3
    spread = max(high for _, high in extrema) - min(low for low, _ in extrema)
    colour = "black" if level < 24 else "white" if level > 232 else "grey" if spread <= BLANK_SPAN else "one flat colour"
    return _('The capture is blank: all {colour}. The screen may be off, locked or curtained.').format(colour=colour)


def _varied(extrema) -> bool:
    return any(high - low > BLANK_SPAN for low, high in extrema)


class MssCapturer:
    """Real screenshots through mss, in physical pixels."""

    def _monitors(self, sct) -> tuple[Rect, list[Rect]]:
        rects = [Rect(m["left"], m["top"], m["width"], m["height"]) for m in sct.monitors]
        return rects[0], rects[1:] or rects[:1]

    def _open(self):
        import mss

        try:
            return mss.MSS() if hasattr(mss, "MSS") else mss.mss()
        except Exception as err:  # mss raises its own ScreenShotError, or OSError without a display
            raise CaptureError(_('The screen cannot be captured here ({n0}).').format(n0=one_line(err, 120))) from None

    def _grab(self, sct, rect: Rect) -> Image.Image:
        try:
            shot = sct.grab({"left": rect.left, "top": rect.top, "width": rect.width, "height": rect.height})
        except Exception as err:
            raise CaptureError(_('The screen cannot be captured ({n0}).').format(n0=one_line(err, 120))) from None
        return Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")

    def desktop(self) -> Capture:
        with self._open() as sct:
            everything, monitors = self._monitors(sct)
            source = "screen" if len(monitors) == 1 else f"all {len(monitors)} screens"
            return Capture(self._grab(sct, everything), source, everything)

    def monitor_at(self, point: tuple[int, int] | None = None) -> Capture:
        with self._open() as sct:
            _, monitors = self._monitors(sct)
            point = point or pointer_position()
            index = monitor_containing(monitors, *point) if point else 0
            rect = monitors[index]
            source = "screen" if len(monitors) == 1 else f"screen {index + 1}"
            return Capture(self._grab(sct, rect), source, rect)

    def active_window(self) -> Capture:
        found = active_window_rect()
        with self._open() as sct:
            everything, monitors = self._monitors(sct)
            rect = found[0].intersect(everything) if found else None
            if rect is None:
                capture = self.monitor_at()
                return Capture(capture.image, capture.source, capture.rect,
                               _("The active window could not be found here, so the screen was described instead."))
            return Capture(self._grab(sct, rect), f"window {found[1]}".strip(), rect,
                           window_id=_platform_query("active_window_id"))

    def region(self, rect: Rect) -> Capture:
        with self._open() as sct:
            everything, _ = self._monitors(sct)
            clipped = rect.intersect(everything)
            if clipped is None:
                raise CaptureError(_("That part of the screen is not on any monitor."))
            return Capture(self._grab(sct, clipped), "region", clipped)

    def screen_rect(self) -> Rect:
        with self._open() as sct:
            return self._monitors(sct)[0]


def _platform_query(name: str):
    """Call ``name`` from this platform's helper module (x11 or win32); None where unknown or failing.

    On Wayland, X11 would answer for XWayland's windows only: sway says where its windows are, others nothing.
    """
    try:
        if sys.platform.startswith("linux") and detect().wayland:
            from assistant.core.capture import sway

            return sway.sway_focused_window() if name == "active_window" and detect().sway else None
        if sys.platform.startswith("linux"):
            from assistant.core.capture import x11 as helpers
        elif sys.platform == "win32":
            from assistant.core.capture import win32 as helpers
        else:
            return None
        return getattr(helpers, name)()
    except Exception as err:  # no X server, no permission: the caller falls back to the monitor
        log.info("%s unknown: %s", name.replace("_", " "), err)
        return None


def pointer_position() -> tuple[int, int] | None:
    """The mouse pointer in physical desktop coordinates, where the platform tells us."""
    return _platform_query("pointer_position")


def active_window_rect() -> tuple[Rect, str] | None:
    """(rectangle, title) of the active window, or None where it cannot be found."""
    return _platform_query("active_window")


class FakeCapturer:
    """Returns prepared images: for widget tests on the offscreen platform, where no screen exists.

    The real MssCapturer is tested on an Xvfb screen.
    """

    def __init__(self, image: Image.Image | None = None):
        self.image = image or Image.new("RGB", (64, 48), "white")
        self.calls: list[str] = []

    def _capture(self, call: str, source: str) -> Capture:
        self.calls.append(call)
        return Capture(self.image, source, Rect(0, 0, *self.image.size))

    def desktop(self) -> Capture:
        return self._capture("desktop", "all screens")

    def monitor_at(self, point: tuple[int, int] | None = None) -> Capture:
        return self._capture("monitor_at", "screen")

    def active_window(self) -> Capture:
        return self._capture("active_window", "window Fake")

    def region(self, rect: Rect) -> Capture:
        self.calls.append("region")
        box = (rect.left, rect.top, rect.left + rect.width, rect.top + rect.height)
        return Capture(self.image.crop(box), "region", rect)

    def screen_rect(self) -> Rect:
        return Rect(0, 0, *self.image.size)
