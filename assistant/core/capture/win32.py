"""Windows helpers (ctypes): pointer position and the foreground window's rectangle."""

from __future__ import annotations

import ctypes
from ctypes import wintypes


def pointer_position() -> tuple[int, int]:
    """The mouse pointer, in screen pixels."""
    point = wintypes.POINT()
    ctypes.windll.user32.GetCursorPos(ctypes.byref(point))
    return point.x, point.y


def active_window():
    """The foreground window: its rectangle and title, or None."""
    from assistant.core.geometry import Rect

    user32 = ctypes.windll.user32
    hwnd = user32.GetForegroundWindow()
    if not hwnd:
        return None
    rect = wintypes.RECT()
    # The visible frame, without the invisible resize borders that GetWindowRect includes.
    if ctypes.windll.dwmapi.DwmGetWindowAttribute(hwnd, 9, ctypes.byref(rect), ctypes.sizeof(rect)) != 0:
        user32.GetWindowRect(hwnd, ctypes.byref(rect))
    title = ctypes.create_unicode_buffer(256)
    user32.GetWindowTextW(hwnd, title, 256)
    return Rect(rect.left, rect.top, rect.right - rect.left, rect.bottom - rect.top), title.value
