"""Text read from real windows on Xvfb: a Qt dialog from another process and an xterm, captured
with the app's own capture code (MssCapturer.active_window) and read with the real reader."""

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.core.capture.screen import MssCapturer
from assistant.core.text.layout import reading_order
from assistant.core.text.reader import RapidTextReader
from tests.processes import stop
from tests.text.screens import recall, words
from tests.xscreen.conftest import _search, need, wait_for_x

HERE = Path(__file__).parent


@pytest.fixture
def on_screen(xserver, monkeypatch):
    env, display = xserver
    monkeypatch.setenv("DISPLAY", display)
    return env


def activate_and_read(env, wid: str, title: str) -> list[str]:
    subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=env, check=True)
    capture = wait_for_x(env, lambda: _active(title), 10, f"{title} active")
    return [line.text for line in reading_order(RapidTextReader().read(capture.image))]


def _active(title: str):
    capture = MssCapturer().active_window()
    return capture if capture.source == f"window {title}" else None


def test_a_qt_dialogs_labels_and_buttons_are_read(on_screen):
    env = on_screen
    proc = subprocess.Popen([sys.executable, str(HERE / "text_dialog.py")], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout.readline().strip() == "shown"
        wid = wait_for_x(env, lambda: _search(env, "Text dialog"), 20, "the text dialog")
        read = activate_and_read(env, wid, "Text dialog")
    finally:
        stop(proc)
    labels = ["Printer settings", "Paper size is Letter", "Pages per sheet is two", "Print", "Preview", "Close"]
    assert recall(labels, read) >= 0.95, read
    assert words(read[0]) == ["printer", "settings"]  # top first


def test_an_xterms_text_is_read(on_screen):
    need("xterm")
    env = on_screen
    text = "Backup finished without errors"
    proc = subprocess.Popen(["xterm", "-T", "Text terminal", "-fa", "DejaVu Sans Mono", "-fs", "14", "-geometry",
                             "60x8+300+300", "-e", "sh", "-c", f"printf '%s\\n' '{text}' 'Seven new messages'; sleep 60"],
                            env=env, stderr=subprocess.DEVNULL)
    try:
        wid = wait_for_x(env, lambda: _search(env, "Text terminal"), 20, "the xterm")
        read = wait_for_x(env, lambda: _read_if(env, wid, "Text terminal", text), 20, "the xterm's text")
    finally:
        stop(proc)
    assert recall([text, "Seven new messages"], read) >= 0.95, read


def _read_if(env, wid, title, text):
    read = activate_and_read(env, wid, title)
    return read if recall([text], read) >= 0.95 else None
