"""The app's accessibility tree as the Orca screen reader sees it, over AT-SPI on a real X screen."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.xscreen.conftest import need

PROBE = Path(__file__).with_name("atspi_probe.py")


def test_orca_sees_named_controls_and_hears_announcements(xserver, tiny_model_dirs, tmp_path):
    need("dbus-run-session", "gdbus", "/usr/libexec/at-spi-bus-launcher", "/usr/bin/python3")
    if subprocess.run(["/usr/bin/python3", "-c", "import pyatspi"], capture_output=True).returncode:
        need("python3-pyatspi (Debian package)")
    env, _ = xserver
    picture = tmp_path / "photo.png"
    Image.effect_noise((80, 60), 70).convert("RGB").save(picture)
    app = [sys.executable, "-m", "assistant", "--model", str(tiny_model_dirs["opt"]), str(picture)]
    out = subprocess.run(["dbus-run-session", "--", "/usr/bin/python3", str(PROBE), "--", *app],
                         env=env, capture_output=True, text=True, timeout=240)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    assert lines, out.stderr[-3000:]
    result = json.loads(lines[-1])
    assert result.get("error") is None, result
    assert result["found"], "no application named 'BLIP Assistant' on the AT-SPI bus"
    assert result["unnamed"] == [], f"interactive widgets without a name: {result['unnamed']}"
    assert {"Describe screen", "Describe active window", "Open image", "Ask"} <= set(result.get("buttons", []))
    assert result["roles"].get("push button", 0) >= 8 and result["roles"].get("list", 0) >= 1
    assert any(a.startswith("Model ready") for a in result["announcements"]), "\n".join(result["announcements"])
    not_captions = ("Model ready", "The model is still", "Speech is unavailable", "Settings dialog")
    caption_heard = [a for a in result["announcements"] if not a.startswith(not_captions)]
    assert caption_heard, "\n".join(result["announcements"])
    settings = result["settings"]  # opened with a real Ctrl+, and walked tab by tab
    assert settings["tabs"] == ["Model", "Answers", "Speech", "Hotkeys", "History", "Watch", "Appearance", "Language", "General"]
    assert all(unnamed == [] for unnamed in settings["unnamed"].values()), settings["unnamed"]
    assert "Describe the screen under the mouse pointer: Ctrl+Alt+Shift+S" in settings["buttons"]
    assert {"OK", "Cancel", "Apply"} <= set(settings["buttons"])


@pytest.fixture(autouse=True)
def _no_session_bus_leak(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
