"""Explore: list what is on the screen (text found and exposed controls) and click one, all by keyboard.

The hotkey scans the focused window on a thread (capture, text reader, accessibility API at
once) and opens the list. Enter hides the list, gives the focus back to the app that held it,
checks that the item's pixels are as they were when the list was made (else says so and asks
for a second Enter or F5), says "Clicking Save", and clicks its centre. Nothing is ever
clicked without the user's key. Escape returns to the app without clicking.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer

from assistant.core.access.clicks import Clicker, ClickError
from assistant.core.access.element import AccessibilityProbe
from assistant.core.access.screen_rects import centre
from assistant.core.announcer import Announcer
from assistant.core.capture.screen import CaptureError
from assistant.core.onscreen.explore import Scan, has_changed, scan
from assistant.core.onscreen.items import ScreenItem
from assistant.core.onscreen.targets import Target
from assistant.i18n import _
from assistant.qt.capture_flow import CaptureFlow, active_x11_window, give_focus_to
from assistant.qt.explore_dialog import ExploreDialog

log = logging.getLogger(__name__)
SETTLE_MS = 120  # after the list hides: the app's window is back on top before its pixels are compared and clicked


class ExploreFlow(QObject):
    """Owns the screen-items list: scans, shows, describes, clicks."""

    def __init__(self, capture: CaptureFlow, probe: AccessibilityProbe, clicker: Clicker, announcer: Announcer,
                 controller, session, area: str = "window", parent: QObject | None = None):
        super().__init__(parent)
        self.capture, self.probe, self.clicker, self.announcer = capture, probe, clicker, announcer
        self.controller, self.session, self.area = controller, session, area
        self.dialog = ExploreDialog()
        self.scan: Scan | None = None
        self._described: set[int] = set()
        self._confirm: int | None = None  # the row whose click waits for a second Enter (the window changed)
        d = self.dialog
        d.click_requested.connect(self.click)
        d.describe_requested.connect(lambda row: self.describe(row, say_lead=True))
        d.refresh_requested.connect(self.start)
        d.reached.connect(self._reached)
        d.closed.connect(self.close)

    def start(self) -> None:
        """Scan the focused window (or the screen) and show the list."""
        self.announcer.status(_("Listing the items on screen…"), announced=False)
        probe, reader, area = self.probe, self.session.reader, self.area
        showing = self.dialog.isVisible()
        self.dialog.hide()
        return_to = self.scan.return_to if showing and self.scan is not None else None

        def job(capturer):
            found = scan(probe, capturer, reader, area)
            found.return_to = return_to or active_x11_window()
            return found

        self.capture.run("explore", job, hide="window" if area == "window" else "always",
                         stay_hidden=True)

    def found(self, name: str, result: object) -> None:
        """The scan is done (the capture flow's ``found``): show it."""
        if name != "explore":
            return
        self.scan, self._described, self._confirm = result, set(), None
        self.dialog.show_items([item.label() for item in result.items], result.note)
        log.info("explore: %d items", len(result.items))
        if result.note:
            self.announcer.message(result.note)

    def _item(self, row: int) -> ScreenItem | None:
        if self.scan is None or not 0 <= row < len(self.scan.items):
            return None
        return self.scan.items[row]

    def _reached(self, row: int) -> None:
        item = self._item(row)
        if item is not None and item.unlabeled and not item.looks_like and row not in self._described:
            self.describe(row, say_lead=False)  # named by what it looks like, when first reached

    def describe(self, row: int, say_lead: bool = True) -> None:
        """D: the item's crop, described like a focused control (its text, then what it looks like)."""
        item = self._item(row)
        if item is None:
            return
        self._described.add(row)
        image, rect = self.scan.crop(item)
        target = Target(image, "explore item", item.label(), rect, place=item.place)

        def named(caption: str, row=row) -> None:
            if self.scan is not None and row < len(self.scan.items):
                self.scan.items[row] = replace(self.scan.items[row], looks_like=caption.rstrip("."))
                self.dialog.set_label(row, self.scan.items[row].label())

        self.controller.describe_target(target, say_lead=say_lead, on_caption=named)

    def click(self, row: int, button: str = "left", count: int = 1) -> None:
        """Hide the list, give the app its focus back, check the item is still there, then click its centre."""
        item = self._item(row)
        if item is None:
            return
        self.dialog.hide()
        if self.scan.return_to is not None:
            give_focus_to(self.scan.return_to)
        QTimer.singleShot(SETTLE_MS, lambda: self._click_now(row, item, button, count))

    def _click_now(self, row: int, item: ScreenItem, button: str, count: int) -> None:
        name = item.name or _('the unlabeled {kind}').format(kind=item.kind)
        if self._confirm != row:
            try:
                now = self.capture.capturer.region(self.scan.crop(item)[1]).image
                changed = has_changed(self.scan, item, now)
            except CaptureError:
                changed = False
            if changed:
                self._confirm = row
                self.dialog.show()
                self.dialog.activateWindow()
                self.announcer.message(_("The window has changed since the list was made, so {name} may have moved. Press "
                                         "Enter again to click it anyway, or F5 to refresh the list.").format(name=name))
                return
        self._confirm = None
        what = {("left", 1): "Clicking", ("left", 2): "Double-clicking", ("right", 1): "Right-clicking"}.get(
            (button, count), "Clicking")
        self.announcer.say(f"{what} {name}.")
        x, y = centre(item.rect)
        try:
            self.clicker.click(x, y, button, count)
        except ClickError as err:
            self.announcer.message(str(err), error=True)
            self.capture.show_again(self.scan.return_to)
            return
        log.info("explore: %s %s at %d,%d", what.lower(), name, x, y)
        self.capture.show_again(self.scan.return_to)

    def close(self) -> None:
        """Escape: the list goes, the focus goes back to the app, nothing is clicked."""
        self.dialog.hide()
        return_to = self.scan.return_to if self.scan is not None else None
        if return_to is not None:
            give_focus_to(return_to)
        self.capture.show_again(return_to)
        self.announcer.status(_("Screen items closed."), announced=False)
        log.info("explore: closed, nothing clicked")
