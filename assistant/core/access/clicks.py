"""Clicking where a screen item is: XTest on X11, SendInput on Windows, Quartz events on macOS.

Only ever called from the user's own key in the screen-items list ("Enter clicks").
"""

from __future__ import annotations

import sys
from typing import Protocol

from assistant.core.errors import AssistantError
from assistant.i18n import _


class ClickError(AssistantError):
    """The click could not be made here (no X server, no permission): one sentence."""


class Clicker(Protocol):
    """Moves the pointer to (x, y) in physical pixels and clicks."""

    def click(self, x: int, y: int, button: str = "left", count: int = 1) -> None: ...


class XTestClicker:
    """X11: the XTEST extension (python-xlib), as xdotool does; the click reaches the window under the point."""

    BUTTONS = {"left": 1, "middle": 2, "right": 3}

    def click(self, x: int, y: int, button: str = "left", count: int = 1) -> None:
        from Xlib import X, display
        from Xlib.ext import xtest

        try:
            d = display.Display()
        except Exception as err:
            raise ClickError(_('The click cannot be made: no X display ({err}).').format(err=err)) from None
        try:
            if not d.has_extension("XTEST"):
                raise ClickError(_("The click cannot be made: this X server has no XTEST extension."))
            xtest.fake_input(d, X.MotionNotify, x=x, y=y)
            for _press in range(count):
                xtest.fake_input(d, X.ButtonPress, self.BUTTONS[button])
                xtest.fake_input(d, X.ButtonRelease, self.BUTTONS[button])
            d.sync()
        finally:
            d.close()


class SendInputClicker:
    """Windows: ``SetCursorPos`` and ``SendInput`` (user32 through ctypes)."""

    FLAGS = {"left": (0x0002, 0x0004), "right": (0x0008, 0x0010), "middle": (0x0020, 0x0040)}

    def __init__(self, user32=None):
        self._user32 = user32

    def click(self, x: int, y: int, button: str = "left", count: int = 1) -> None:
        import ctypes

        user32 = self._user32 or ctypes.windll.user32

        class MouseInput(ctypes.Structure):
            _fields_ = [("dx", ctypes.c_long), ("dy", ctypes.c_long), ("mouseData", ctypes.c_ulong),
                        ("dwFlags", ctypes.c_ulong), ("time", ctypes.c_ulong), ("dwExtraInfo", ctypes.c_size_t)]

        class Input(ctypes.Structure):
            _fields_ = [("type", ctypes.c_ulong), ("mi", MouseInput), ("_pad", ctypes.c_byte * 8)]

        if not user32.SetCursorPos(x, y):
            raise ClickError(_("The click cannot be made: Windows refused to move the pointer."))
        down, up = self.FLAGS[button]
        events = [Input(0, MouseInput(0, 0, 0, flag, 0, 0)) for _ in range(count) for flag in (down, up)]
        array = (Input * len(events))(*events)
        if user32.SendInput(len(events), array, ctypes.sizeof(Input)) != len(events):
            raise ClickError(_("The click cannot be made: Windows blocked the input (a window of higher integrity?)."))


class QuartzClicker:
    """macOS: Quartz mouse events (pyobjc); needs the Accessibility permission, like the hotkeys."""

    def __init__(self, quartz=None):
        self._quartz = quartz

    def click(self, x: int, y: int, button: str = "left", count: int = 1) -> None:
        q = self._quartz
        if q is None:
            import Quartz as q  # noqa: N813
        kinds = {"left": (q.kCGEventLeftMouseDown, q.kCGEventLeftMouseUp, q.kCGMouseButtonLeft),
                 "right": (q.kCGEventRightMouseDown, q.kCGEventRightMouseUp, q.kCGMouseButtonRight),
                 "middle": (q.kCGEventOtherMouseDown, q.kCGEventOtherMouseUp, q.kCGMouseButtonCenter)}
        down, up, which = kinds[button]
        for n in range(1, count + 1):
            for kind in (down, up):
                event = q.CGEventCreateMouseEvent(None, kind, (x, y), which)
                q.CGEventSetIntegerValueField(event, q.kCGMouseEventClickState, n)
                q.CGEventPost(q.kCGHIDEventTap, event)


class FakeClicker:
    """Records clicks (widget tests on the offscreen platform; the real XTest click is tested on Xvfb)."""

    def __init__(self):
        self.clicks: list[tuple[int, int, str, int]] = []

    def click(self, x: int, y: int, button: str = "left", count: int = 1) -> None:
        self.clicks.append((x, y, button, count))


def system_clicker() -> Clicker:
    """The real clicker for this system."""
    if sys.platform == "win32":
        return SendInputClicker()
    if sys.platform == "darwin":
        return QuartzClicker()
    return XTestClicker()
