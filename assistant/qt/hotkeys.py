"""Global hotkeys turned into Qt signals in the GUI thread.

On Linux (X11) the keys are grabbed with XGrabKey (core.x11_hotkeys: no evdev to build,
and the key does not leak into the focused app); on Windows and macOS pynput listens.
Both call back on their own thread; the callbacks only emit ``triggered``, which Qt
queues to the GUI thread. They are imported lazily: without an X server pynput raises at
import time. On Wayland only keys typed into X11 (XWayland) windows reach us, so we say
so instead of failing silently; the in-app shortcuts keep working everywhere.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from PySide6.QtCore import QObject, Signal

from assistant.config import HotkeySettings
from assistant.core.errors import one_line
from assistant.core.hotkeys.bindings import ACTIONS, check_bindings, describe_binding

log = logging.getLogger(__name__)


class HotkeyListener(QObject):
    triggered = Signal(str, float)  # action, time.perf_counter() when the key was seen

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._listener = None
        self.active: dict[str, str] = {}
        self.paused = False  # e.g. while Settings records a new hotkey: keys are heard but do nothing

    def start(self, settings: HotkeySettings) -> list[str]:
        """Register the bindings; returns messages for the user (problems, Wayland), never raises."""
        if not settings.enabled:
            return []
        usable, problems = check_bindings(settings.bindings)
        messages = [p.message for p in problems]
        if not usable:
            return messages
        if sys.platform.startswith("linux") and (os.environ.get("WAYLAND_DISPLAY") or
                                                 os.environ.get("XDG_SESSION_TYPE") == "wayland"):
            messages.append("This is a Wayland session: global hotkeys work only while an X11 application has focus. "
                            "The shortcuts inside the BLIP Assistant window work as usual.")
        handlers = {binding: self._emitter(action) for action, binding in usable.items()}
        try:
            self._listener = _backend(handlers)
            self._listener.start()
            self._listener.wait()  # until it receives keys (a few ms): a press right after start counts
        except Exception as err:  # no X server, no permission (macOS Accessibility), bad backend
            hint = " On macOS, allow BLIP Assistant under Privacy & Security > Accessibility." if sys.platform == "darwin" else ""
            messages.append(f"Global hotkeys are unavailable ({one_line(err, 120)}).{hint} "
                            "The shortcuts inside the window still work.")
            self._listener = None
            return messages
        by_binding = {binding: action for action, binding in usable.items()}
        for binding in getattr(self._listener, "taken", []):
            messages.append(f"{describe_binding(binding)} is already taken by another program, so "
                            f"{ACTIONS[by_binding[binding]].lower()} has no global hotkey; choose another in Settings.")
            usable.pop(by_binding[binding])
        for binding in getattr(self._listener, "missing", []):
            messages.append(f"This keyboard has no key for {describe_binding(binding)}, so "
                            f"{ACTIONS[by_binding[binding]].lower()} has no global hotkey; choose another in Settings.")
            usable.pop(by_binding[binding])
        self.active = usable
        log.info("global hotkeys: %s", ", ".join(f"{a}={describe_binding(b)}" for a, b in usable.items()))
        return messages

    def _emitter(self, action: str):
        def fire() -> None:  # pynput's thread: emit only, never touch widgets
            if not self.paused:
                self.triggered.emit(action, time.perf_counter())

        return fire

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()  # X11: ungrabbed before it returns; pynput: a daemon thread, exit is not held up
            self._listener = None
        self.active = {}


def _backend(handlers):
    if sys.platform.startswith("linux"):
        from assistant.core.hotkeys.x11 import XGrabHotKeys

        return XGrabHotKeys(handlers)
    from pynput import keyboard

    listener = keyboard.GlobalHotKeys(handlers)
    listener.daemon = True
    return listener


def help_text(active: dict[str, str]) -> str:
    if not active:
        return "No global hotkeys are active."
    return "Global hotkeys: " + "; ".join(f"{describe_binding(b)}: {ACTIONS[a]}" for a, b in active.items()) + "."
