"""The portals' answers we cannot get from a real portal here, against a python-dbusmock one (see mock_portal.py).

Each test has a private session bus that starts nothing on demand, so no real portal answers
in the mock's place. "Portal missing" needs no mock: the bus alone has no portal on it.
"""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest
from PIL import Image

from assistant.config import ACTIONS, HotkeySettings
from assistant.core.capture.portal import MISSING, NO_WINDOW, REFUSED, PortalCapturer
from assistant.core.capture.screen import CaptureError
from assistant.core.desktop import Desktop
from assistant.core.hotkeys.portal import SHORTCUTS_HINT, PortalShortcuts, preferred_trigger
from assistant.qt.permission_flow import ALLOWED, EXPLAIN, ScreenshotPermission, needs_asking
from tests.processes import stop
from tests.secret_service import private_bus
from tests.wayland.conftest import need

HERE = Path(__file__).parent
SWAY = Desktop("wayland", "sway")


@pytest.fixture
def bus(tmp_path, monkeypatch):
    need("dbus-daemon", "gdbus")
    with private_bus(tmp_path) as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address


@pytest.fixture
def mock_portal(bus, tmp_path):
    """Starts the mock portal with the given parameters; stopped at the end of the test."""
    started = []

    def start(**parameters):
        if subprocess.run(["/usr/bin/python3", "-c", "import dbusmock"], capture_output=True).returncode:
            need("python3-dbusmock (import dbusmock)")
        proc = subprocess.Popen(["/usr/bin/python3", "-m", "dbusmock", "--session", "-t", str(HERE / "mock_portal.py"),
                                 "-p", json.dumps(parameters)], stdout=open(tmp_path / "mock.log", "w"),
                                stderr=subprocess.STDOUT)
        started.append(proc)
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", "org.freedesktop.portal.Desktop"],
                       check=True, timeout=30)
        return proc

    yield start
    stop(*started)


def test_a_missing_portal_names_the_packages_to_install(bus):
    with pytest.raises(CaptureError) as caught:
        PortalCapturer(SWAY).desktop()
    assert str(caught.value) == MISSING
    assert "xdg-desktop-portal" in MISSING


def test_an_allowed_screenshot_is_read_and_the_file_the_portal_saved_is_deleted(mock_portal, tmp_path):
    saved = tmp_path / "Screenshot.png"  # where GNOME's portal saves it: the user's Pictures folder
    mock_portal(screenshot="allow", uri=saved.as_uri())
    Image.new("RGB", (40, 30), (200, 0, 0)).save(saved)
    capture = PortalCapturer(SWAY).desktop()
    assert capture.image.size == (40, 30) and capture.image.getpixel((5, 5)) == (200, 0, 0)
    assert not saved.exists()  # read back: nothing is left behind in the user's folders
    Image.new("RGB", (40, 30), (200, 0, 0)).save(saved)
    window = PortalCapturer(Desktop("wayland", "gnome")).active_window()
    assert (window.source, window.note) == ("screen", NO_WINDOW)  # GNOME tells no app where the active window is


def test_the_first_start_on_gnome_asks_for_screenshots_explained_and_remembers(mock_portal, tmp_path, qtbot):
    saved = tmp_path / "Screenshot.png"
    mock_portal(screenshot="allow", uri=saved.as_uri())
    Image.new("RGB", (40, 30), "white").save(saved)
    assert needs_asking(Desktop("wayland", "gnome"), allowed=False)
    assert not needs_asking(Desktop("wayland", "gnome"), allowed=True)
    assert not needs_asking(Desktop("wayland", "kde"), allowed=False) and not needs_asking(Desktop("x11", "gnome"), False)
    said, remembered = Said(), []
    flow = ScreenshotPermission(PortalCapturer(Desktop("wayland", "gnome")), said, lambda: remembered.append(True),
                                delay_ms=0)
    flow.ask()
    qtbot.waitUntil(lambda: len(said) == 2, timeout=20_000)
    assert said == [(EXPLAIN, False), (ALLOWED, False)] and remembered == [True]


def test_a_refused_permission_is_said_and_asked_again_next_time(mock_portal, qtbot):
    mock_portal(screenshot="refuse")
    said, remembered = Said(), []
    flow = ScreenshotPermission(PortalCapturer(Desktop("wayland", "gnome")), said, lambda: remembered.append(True),
                                delay_ms=0)
    flow.ask()
    qtbot.waitUntil(lambda: len(said) == 2, timeout=20_000)
    assert said == [(EXPLAIN, False), (REFUSED, True)] and remembered == []


class Said(list):
    """Records what the flow tells the user (the announcer's ``message``; the announcer itself is tested elsewhere)."""

    def message(self, text: str, error: bool = False) -> None:
        self.append((text, error))


def test_a_refused_screenshot_says_how_to_allow_it(mock_portal):
    mock_portal(screenshot="refuse")  # what GNOME answers when its permission dialog is denied
    with pytest.raises(CaptureError) as caught:
        PortalCapturer(SWAY).desktop()
    assert str(caught.value) == REFUSED


def test_a_portal_that_never_answers_times_out_with_a_sentence(mock_portal):
    mock_portal(screenshot="silent")
    with pytest.raises(CaptureError, match=r"did not answer in 1 seconds"):
        PortalCapturer(SWAY, timeout_s=1).desktop()


def test_global_shortcuts_are_registered_with_their_keys_and_activation_runs_the_action(mock_portal):
    mock_portal()
    heard: list[str] = []
    pressed = threading.Event()

    def on_action(action, _at):
        heard.append(action)
        pressed.set()

    source = PortalShortcuts(on_action)
    bindings = {"describe_screen": "<ctrl>+<alt>+<shift>+s", "repeat": "<ctrl>+<alt>+<shift>+g"}
    messages = source.start(HotkeySettings(bindings={**{a: "" for a in ACTIONS}, **bindings}))
    try:
        assert source.available
        assert source.active == bindings
        assert source.assigned == {"describe_screen": "Ctrl+Alt+Shift+S", "repeat": "Ctrl+Alt+Shift+G"}
        assert messages == ["Global keys come from the desktop's shortcuts: Ctrl+Alt+Shift+S: Describe the screen "
                            "under the mouse pointer; Ctrl+Alt+Shift+G: Repeat the last answer."]
        assert "Ctrl+Alt+Shift+S" in source.help_text()
        subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.portal.Desktop", "--object-path",
                        "/org/freedesktop/portal/desktop", "--method", "org.freedesktop.DBus.Mock.Activate", "repeat"],
                       check=True, capture_output=True, timeout=10)
        assert pressed.wait(10), "the Activated signal reached no action"
        assert heard == ["repeat"]
        source.pause()
        pressed.clear()
        subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.portal.Desktop", "--object-path",
                        "/org/freedesktop/portal/desktop", "--method", "org.freedesktop.DBus.Mock.Activate",
                        "describe_screen"], check=True, capture_output=True, timeout=10)
        assert not pressed.wait(0.5)  # paused (Settings records a key): the press does nothing
    finally:
        source.stop()


def test_without_the_shortcuts_portal_the_user_is_told_how_to_bind_keys(bus):
    source = PortalShortcuts(lambda *_: None)
    messages = source.start(HotkeySettings())
    source.stop()
    assert messages == [SHORTCUTS_HINT]
    assert not source.available and not source.active
    assert "install-shortcuts" in source.help_text()


def test_a_shortcuts_portal_that_refuses_is_like_none_the_user_is_told_how_to_bind_keys(mock_portal):
    mock_portal(shortcuts="refuse")  # what KDE's portal answers on sway, where no KWin runs
    source = PortalShortcuts(lambda *_: None)
    messages = source.start(HotkeySettings())
    source.stop()
    assert messages == [SHORTCUTS_HINT] and not source.available


def test_keys_are_offered_in_the_shortcuts_spec_spelling():
    assert preferred_trigger("<ctrl>+<alt>+<shift>+s") == "CTRL+ALT+SHIFT+s"
    assert preferred_trigger("<cmd>+<f5>") == "LOGO+F5"
