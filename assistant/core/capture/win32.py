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
    hwnd = ctypes.windll.user32.GetForegroundWindow()
    return _window(hwnd) if hwnd else None


def active_window_id() -> int | None:
    """The foreground window's handle, or None."""
    return ctypes.windll.user32.GetForegroundWindow() or None


def window_state(hwnd: int):
    """(Rect, visible) of window ``hwnd`` now, or None once it is closed."""
    user32 = ctypes.windll.user32
    if not user32.IsWindow(hwnd):
        return None
    return _window(hwnd)[0], bool(user32.IsWindowVisible(hwnd)) and not user32.IsIconic(hwnd)


def _window(hwnd: int):
    from assistant.core.geometry import Rect

    user32 = ctypes.windll.user32
    rect = wintypes.RECT()
    # The visible frame, without the invisible resize borders that GetWindowRect includes.
    if ctypes.windll.dwmapi.DwmGetWindowAttribute(hwnd, 9, ctypes.byref(rect), ctypes.sizeof(rect)) != 0:
        user32.GetWindowRect(hwnd, ctypes.byref(rect))
    title = ctypes.create_unicode_buffer(256)
    user32.GetWindowTextW(hwnd, title, 256)
    return Rect(rect.left, rect.top, rect.right - rect.left, rect.bottom - rect.top), title.value
