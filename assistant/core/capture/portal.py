"""Screenshots on Wayland, through xdg-desktop-portal's Screenshot interface (non-interactive).

The portal gives the whole screen as a file. The active window's rectangle comes from the
compositor where it tells us (sway: the focused node of ``swaymsg -t get_tree``); GNOME and KDE
tell no application, so there the screen is described and the user is told why.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from PIL import Image

from assistant.core.capture.screen import Capture, CaptureError
from assistant.core.capture.sway import sway_focused_window, sway_windows_of
from assistant.core.desktop import Desktop
from assistant.core.geometry import Rect
from assistant.core.portal import PortalError, connect, request
from assistant.i18n import N_, _

log = logging.getLogger(__name__)
SCREENSHOT = "org.freedesktop.portal.Screenshot"
MISSING = N_("The desktop's screenshot portal is missing: install xdg-desktop-portal and your desktop's back-end "
           "(xdg-desktop-portal-gnome, xdg-desktop-portal-kde, or xdg-desktop-portal-wlr with xdg-desktop-portal-gtk).")
REFUSED = N_("The desktop refused the screenshot. Allow BLIP Assistant to take screenshots: bring its window to the "
           "front and describe again; GNOME asks once, then remembers.")
NO_FOCUS = N_("No window has the focus; describing the whole screen.")
NO_WINDOW = N_("The active window cannot be captured on this desktop; describing the whole screen.")


class PortalCapturer:
    """The Capturer for Wayland desktops. ``timeout_s``: how long a slow portal is waited for."""

    def __init__(self, desktop: Desktop, timeout_s: float = 15.0):
        self.desktop_session, self.timeout_s = desktop, timeout_s
        self._size: tuple[int, int] | None = None

    def _shot(self) -> Image.Image:
        started = time.time()
        try:
            conn = connect()
        except PortalError as err:
            raise CaptureError(_('The screen cannot be captured here: {err}.').format(err=err)) from None
        try:
            code, results = request(conn, SCREENSHOT, "Screenshot", "sa{sv}", ("",), {"interactive": ("b", False)},
                                    timeout=self.timeout_s)
        except PortalError as err:
            if err.missing:
                raise CaptureError(_(MISSING)) from None
            if err.timed_out:
                raise CaptureError(_("The desktop's screenshot portal did not answer in {timeout_s:.0f} seconds; try again, or "
                                     "restart the desktop session.").format(timeout_s=self.timeout_s)) from None
            raise CaptureError(_("The desktop's screenshot portal failed ({err}).").format(err=err)) from None
        finally:
            conn.close()
        if code == 1:
            raise CaptureError(_("The screenshot was cancelled."))
        if code != 0 or not results.get("uri"):
            raise CaptureError(_(REFUSED))
        image = _read(results["uri"], started)
        self._size = image.size
        return image

    def desktop(self) -> Capture:
        image = self._shot()
        if self.desktop_session.sway:
            _blank(image, sway_windows_of(os.getpid()))
        return Capture(image, "screen", Rect(0, 0, *image.size))

    def monitor_at(self, point: tuple[int, int] | None = None) -> Capture:
        return self.desktop()  # the portal's image is the whole screen; sway's outputs could cut it, GNOME's cannot

    def active_window(self) -> Capture:
        found = sway_focused_window() if self.desktop_session.sway else None
        image = self._shot()
        everything = Rect(0, 0, *image.size)
        rect = found[0].intersect(everything) if found else None
        if rect is None:
            note = _(NO_FOCUS) if self.desktop_session.sway else _(NO_WINDOW)
            return Capture(image, "screen", everything, "" if found else note)
        return Capture(_crop(image, rect), f"window {found[1]}".strip(), rect)

    def region(self, rect: Rect) -> Capture:
        image = self._shot()
        clipped = rect.intersect(Rect(0, 0, *image.size))
        if clipped is None:
            raise CaptureError(_("That part of the screen is not on any monitor."))
        return Capture(_crop(image, clipped), "region", clipped)

    def screen_rect(self) -> Rect:
        if self._size is None:
            self._shot()
        return Rect(0, 0, *self._size)


def _blank(image: Image.Image, rects: list[Rect]) -> None:
    """Paint ``rects`` black: our own window, which a Wayland app cannot hide without taking the focus."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    for r in rects:
        draw.rectangle((r.left, r.top, r.left + r.width - 1, r.top + r.height - 1), fill="black")


def _crop(image: Image.Image, rect: Rect) -> Image.Image:
    return image.crop((rect.left, rect.top, rect.left + rect.width, rect.top + rect.height))


def _read(uri: str, since: float) -> Image.Image:
    """The portal's file, loaded; deleted when the portal wrote it for this request (GNOME saves to Pictures)."""
    parsed = urlparse(uri)
    path = Path(unquote(parsed.path)) if parsed.scheme in ("file", "") else None
    if path is None:
        raise CaptureError(_("The desktop's screenshot portal gave an address we cannot read ({n0}).").format(n0=uri[:80]))
    try:
        with Image.open(path) as opened:
            image = opened.convert("RGB")
        if path.stat().st_mtime >= since - 1:
            path.unlink()
    except OSError as err:
        raise CaptureError(_('The screenshot the portal saved cannot be read ({n0}).').format(n0=err.strerror or err)) from None
    return image
