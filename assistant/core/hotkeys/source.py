"""Global hotkeys behind one small interface: the X11 grab, pynput, and a fake for tests.

On Linux (X11) the keys are grabbed with XGrabKey (``core.hotkeys.x11``: no evdev to build,
and the key does not leak into the focused app); on Windows and macOS pynput listens.
Both call ``on_action`` on their own thread: the caller moves it to its own (the window
does so through a Qt signal). The back-ends are imported lazily: without an X server
pynput raises at import time. On Wayland an X11 grab sees only keys typed into X11 (XWayland)
windows, so there the keys come from the GlobalShortcuts portal or the desktop's shortcuts
(``core.hotkeys.portal``).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Protocol

from assistant.config import HotkeySettings
from assistant.core.desktop import detect
from assistant.core.errors import one_line
from assistant.core.hotkeys.bindings import ACTIONS, check_bindings, describe_binding
from assistant.i18n import _

log = logging.getLogger(__name__)
ActionCallback = Callable[[str, float], None]  # action, time.perf_counter() when the key was seen


class HotkeySource(Protocol):
    """Where global hotkeys come from. ``on_action`` (given to the constructor) hears each press."""

    active: dict[str, str]  # action -> binding, for those that work now

    def start(self, settings: HotkeySettings) -> list[str]:
        """Register the bindings; returns what the user must be told (problems, Wayland), never raises."""

    def stop(self) -> None:
        """Unregister every binding (a new ``start`` may follow)."""

    def pause(self) -> None:
        """Keys are still taken but do nothing (Settings records a new hotkey)."""

    def resume(self) -> None:
        """Keys act again."""

    def help_text(self) -> str:
        """The active hotkeys, in a sentence for F1."""


def help_text(active: dict[str, str]) -> str:
    """The active hotkeys in one sentence."""
    if not active:
        return _("No global hotkeys are active.")
    keys = "; ".join(f"{describe_binding(b)}: {_(ACTIONS[a])}" for a, b in active.items())
    return _("Global hotkeys: {keys}.").format(keys=keys)


class _Registered:
    """What the real sources share: checking bindings, the paused flag, saying what did not register."""

    unavailable_hint = ""

    def __init__(self, on_action: ActionCallback):
        self._on_action = on_action
        self._listener = None
        self._paused = False
        self.active: dict[str, str] = {}

    def _open(self, handlers: dict[str, Callable[[], None]]):
        raise NotImplementedError

    def start(self, settings: HotkeySettings) -> list[str]:
        if not settings.enabled:
            return []
        usable, problems = check_bindings(settings.bindings)
        messages = [p.message for p in problems]
        if not usable:
            return messages
        handlers = {binding: self._emitter(action) for action, binding in usable.items()}
        try:
            self._listener = self._open(handlers)
            self._listener.start()
            self._listener.wait()  # until it receives keys (a few ms): a press right after start counts
        except Exception as err:  # no X server, no permission (macOS Accessibility), bad backend
            messages.append(_("Global hotkeys are unavailable ({error}).{hint} The shortcuts inside the window still "
                              "work.").format(error=one_line(err, 120), hint=self.unavailable_hint))
            self._listener = None
            return messages
        by_binding = {binding: action for action, binding in usable.items()}
        for attribute, why in (("taken", _("{key} is already taken by another program")),
                               ("missing", _("This keyboard has no key for {key}"))):
            for binding in getattr(self._listener, attribute, []):
                usable.pop(by_binding[binding])
                messages.append(_("{why}, so {action} has no global hotkey; choose another in Settings.").format(
                    why=why.format(key=describe_binding(binding)), action=_(ACTIONS[by_binding[binding]]).lower()))
        self.active = usable
        log.info("global hotkeys: %s", ", ".join(f"{a}={describe_binding(b)}" for a, b in usable.items()))
        return messages

    def _emitter(self, action: str) -> Callable[[], None]:
        def fire() -> None:  # the key thread: hand over, never touch widgets
            if not self._paused:
                self._on_action(action, time.perf_counter())

        return fire

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()  # X11: ungrabbed before it returns; pynput: a daemon thread, exit is not held up
            self._listener = None
        self.active = {}

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    def help_text(self) -> str:
        return help_text(self.active)


class X11Hotkeys(_Registered):
    """XGrabKey on the X server: the key press goes to us only, never also to the focused app."""

    def __init__(self, on_action: ActionCallback, display: str | None = None):
        super().__init__(on_action)
        self._display = display

    def _open(self, handlers):
        from assistant.core.hotkeys.x11 import XGrabHotKeys

        return XGrabHotKeys(handlers, self._display)


class PynputHotkeys(_Registered):
    """pynput's global listener (Windows, macOS)."""

    unavailable_hint = " On macOS, allow BLIP Assistant under Privacy & Security > Accessibility." \
        if sys.platform == "darwin" else ""

    def _open(self, handlers):
        from pynput import keyboard

        listener = keyboard.GlobalHotKeys(handlers)
        listener.daemon = True
        return listener


class FakeHotkeys:
    """A test double: every valid binding registers, and ``press`` acts as a key would."""

    def __init__(self, on_action: ActionCallback):
        self._on_action = on_action
        self._paused = False
        self.active: dict[str, str] = {}
        self.starts = 0

    def start(self, settings: HotkeySettings) -> list[str]:
        self.starts += 1
        if not settings.enabled:
            return []
        self.active, problems = check_bindings(settings.bindings)
        return [p.message for p in problems]

    def stop(self) -> None:
        self.active = {}

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    def press(self, action: str) -> bool:
        """The key of ``action`` pressed: True if it acted (registered and not paused)."""
        if action not in self.active or self._paused:
            return False
        self._on_action(action, time.perf_counter())
        return True

    def help_text(self) -> str:
        return help_text(self.active)


def system_hotkeys(on_action: ActionCallback) -> HotkeySource:
    """The real source for this system: on Wayland the GlobalShortcuts portal (or the desktop's shortcuts)."""
    if sys.platform.startswith("linux"):
        if detect().wayland:
            from assistant.core.hotkeys.portal import PortalShortcuts

            return PortalShortcuts(on_action)
        return X11Hotkeys(on_action)
    return PynputHotkeys(on_action)
