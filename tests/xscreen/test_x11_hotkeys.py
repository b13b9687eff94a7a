"""The X11 hotkey grab for real: Xvfb and openbox, keys pressed by xdotool into another client's focused window."""

import subprocess
import threading

import pytest
from Xlib import XK, X
from Xlib import display as xdisplay

from assistant.core.hotkeys.x11 import XGrabHotKeys

BINDING = "<ctrl>+<alt>+<shift>+s"


class KeyWindow:
    """Another client's window with the keyboard focus, recording the keys it receives."""

    def __init__(self, env):
        self.d = xdisplay.Display(env["DISPLAY"])
        screen = self.d.screen()
        self.window = screen.root.create_window(20, 20, 200, 100, 0, screen.root_depth,
                                                event_mask=X.KeyPressMask | X.StructureNotifyMask)
        self.window.set_wm_name("Key window")
        self.window.map()
        self.d.sync()
        subprocess.run(["xdotool", "windowactivate", "--sync", str(self.window.id)], env=env, check=True)
        subprocess.run(["xdotool", "windowfocus", "--sync", str(self.window.id)], env=env, check=True)

    def keys(self) -> list[str]:
        self.d.sync()  # a round trip: whatever the server sent us before now is in the queue
        names = []
        while self.d.pending_events():
            event = self.d.next_event()
            if event.type == X.KeyPress:
                names.append(XK.keysym_to_string(self.d.keycode_to_keysym(event.detail, 0)) or str(event.detail))
        return names

    def close(self):
        self.window.destroy()
        self.d.close()


@pytest.fixture
def key_window(xserver):
    window = KeyWindow(xserver[0])
    yield window
    window.close()


def press(env, *keys):
    subprocess.run(["xdotool", "key", "--clearmodifiers", *keys], env=env, check=True)


class Counter:
    """A hotkey callback that counts its calls; ``wait(n)`` blocks until it has been called n times."""

    def __init__(self):
        self.calls = 0
        self.changed = threading.Condition()

    def __call__(self):
        with self.changed:
            self.calls += 1
            self.changed.notify_all()

    def wait(self, n: int, timeout: float = 10) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.calls >= n, timeout)


def test_a_hotkey_fires_once_per_press_and_its_key_never_reaches_the_focused_app(xserver, key_window):
    env, _ = xserver
    fire = Counter()
    keys = XGrabHotKeys({BINDING: fire}, env["DISPLAY"])
    keys.start()
    try:
        assert keys.taken == [] and keys.missing == []
        press(env, "ctrl+alt+shift+s")
        assert fire.wait(1)
        received = key_window.keys()
        assert "s" not in received, received  # grabbed: the app with focus did not get it (pynput's would)
        press(env, "ctrl+alt+shift+d")  # not ours: it reaches the app, and we do not fire
        assert "d" in key_window.keys()
        press(env, "Num_Lock", "ctrl+alt+shift+s", "Num_Lock")  # Num Lock on must not make the grab miss
        press(env, "Caps_Lock", "ctrl+alt+shift+s", "Caps_Lock")
        assert fire.wait(3) and "s" not in key_window.keys()
    finally:
        keys.stop()
    press(env, "ctrl+alt+shift+s")  # stopped: ungrabbed, so the key goes to the app again
    assert "s" in key_window.keys() and fire.calls == 3  # once per press, no more


def test_a_combination_another_program_holds_is_reported_and_freed_keys_can_be_taken_at_once(xserver):
    env, _ = xserver
    other = XGrabHotKeys({BINDING: lambda: None}, env["DISPLAY"])  # another program, holding the grab
    other.start()
    fire = Counter()
    ours = XGrabHotKeys({BINDING: lambda: None, "<ctrl>+<alt>+<shift>+w": fire}, env["DISPLAY"])
    ours.start()
    try:
        assert ours.taken == [BINDING]
        press(env, "ctrl+alt+shift+w")  # the rest still work
        assert fire.wait(1)
    finally:
        ours.stop()
        other.stop()
    again = XGrabHotKeys({BINDING: lambda: None}, env["DISPLAY"])
    again.start()  # e.g. Settings applied a new binding: stop() ungrabbed before it returned
    try:
        assert again.taken == []
    finally:
        again.stop()


def test_the_listener_says_which_hotkey_is_taken_and_keeps_the_rest(xserver, monkeypatch):
    from assistant.config import HotkeySettings
    from assistant.core.hotkeys.source import X11Hotkeys

    env, _ = xserver
    monkeypatch.setenv("DISPLAY", env["DISPLAY"])
    other = XGrabHotKeys({BINDING: lambda: None}, env["DISPLAY"])
    other.start()
    listener = X11Hotkeys(lambda action, pressed_at: None)
    try:
        messages = listener.start(HotkeySettings())
        assert any(m.startswith("Ctrl+Alt+Shift+S is already taken by another program, so describe the screen")
                   for m in messages), messages
        assert "describe_screen" not in listener.active and "describe_window" in listener.active
    finally:
        listener.stop()
        other.stop()
