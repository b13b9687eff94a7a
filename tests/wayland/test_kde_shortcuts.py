"""The GlobalShortcuts portal for real: KDE Plasma's (xdg-desktop-portal-kde 5.27 with KWin and kglobalaccel).

KWin runs headless (``--virtual``). No key can be typed into it here (no virtual-keyboard protocol,
no /dev/uinput), so the shortcut is invoked through kglobalaccel's own D-Bus method, which is
what KWin calls when the key is pressed; the portal then sends ``Activated`` as for a key.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.wayland.conftest import Sway, need

HERE = Path(__file__).parent
PROBE = """
import json, re, subprocess, sys, threading
from assistant.config import ACTIONS, HotkeySettings
from assistant.core.hotkeys.portal import PortalShortcuts

heard, pressed = [], threading.Event()
source = PortalShortcuts(lambda action, at: (heard.append(action), pressed.set()))
bindings = {**{a: "" for a in ACTIONS}, "describe_screen": "<ctrl>+<alt>+<shift>+s", "repeat": "<ctrl>+<alt>+<shift>+g"}
messages = source.start(HotkeySettings(bindings=bindings))
listed = subprocess.run(["gdbus", "call", "--session", "--dest", "org.kde.kglobalaccel", "--object-path",
                         "/kglobalaccel", "--method", "org.kde.KGlobalAccel.allComponents"],
                        capture_output=True, text=True).stdout
ours = re.findall(r"'(/component/blip_[0-9a-f]+)'", listed)
invoked = subprocess.run(["gdbus", "call", "--session", "--dest", "org.kde.kglobalaccel", "--object-path", ours[0],
                          "--method", "org.kde.kglobalaccel.Component.invokeShortcut", "repeat"],
                         capture_output=True, text=True) if ours else None
json.dump({"messages": messages, "available": source.available, "active": source.active,
           "assigned": source.assigned, "components": ours, "invoked": invoked and invoked.returncode,
           "activated": pressed.wait(10), "heard": heard, "help": source.help_text()}, sys.stdout)
source.stop()
"""


@pytest.fixture(scope="module")
def kde():
    backend = next(Path("/usr/lib").glob("*/libexec/xdg-desktop-portal-kde"), "xdg-desktop-portal-kde")
    need("kwin_wayland", str(backend), "/usr/libexec/xdg-desktop-portal", "pipewire", "unshare", "nsenter", "gdbus")
    session = Sway(HERE / "headless_kde.sh")
    try:
        yield session
    finally:
        session.close()


def test_kde_registers_our_actions_says_its_keys_and_a_shortcut_runs_the_action(kde):
    done = kde.run([sys.executable, "-c", PROBE], cwd=str(HERE.parents[1]), timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    assert found["available"]
    assert found["active"] == {"describe_screen": "<ctrl>+<alt>+<shift>+s", "repeat": "<ctrl>+<alt>+<shift>+g"}
    assert found["assigned"] == {"describe_screen": "Ctrl+Alt+Shift+S", "repeat": "Ctrl+Alt+Shift+G"}
    assert len(found["messages"]) == 1 and found["messages"][0].startswith("Global keys come from the desktop's shortcuts:")
    assert "Ctrl+Alt+Shift+G: Repeat the last answer" in found["messages"][0]
    assert len(found["components"]) == 1 and found["invoked"] == 0
    assert found["activated"] and found["heard"] == ["repeat"]
    assert "Ctrl+Alt+Shift+S: Describe the screen" in found["help"]
