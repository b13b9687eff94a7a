"""MssCapturer on a real X screen (Xvfb + openbox): desktop, monitor, active window, blank."""

import subprocess

import pytest

from assistant.core.capture.screen import MssCapturer, blank_reason


@pytest.fixture
def on_screen(xserver, monkeypatch):
    env, display = xserver
    monkeypatch.setenv("DISPLAY", display)
    return env


def test_an_empty_screen_is_blank(on_screen):
    capture = MssCapturer().desktop()
    assert capture.image.size == (1280, 800)
    assert "black" in blank_reason(capture.image)


def test_desktop_monitor_and_active_window(on_screen, helper_window):
    env = on_screen
    capturer = MssCapturer()
    desktop = capturer.desktop()
    assert desktop.image.getpixel((1120, 220)) == (0, 255, 0)
    assert blank_reason(desktop.image) is None
    subprocess.run(["xdotool", "mousemove", "20", "30"], env=env, check=True)
    assert capturer.monitor_at().rect.width == 1280
    subprocess.run(["xdotool", "windowactivate", "--sync", helper_window], env=env, check=True)
    window = capturer.active_window()
    assert window.source == "window Helper window" and not window.note
    assert (window.rect.width, window.rect.height) == (240, 200)  # the client area, as the helper asked
    assert desktop.image.getpixel((window.rect.left + 1, window.rect.top + 1)) == (0, 255, 0)
    colours = window.image.getcolors(maxcolors=window.image.width * window.image.height)
    green = sum(n for n, c in colours if c == (0, 255, 0))
    assert green >= 0.95 * window.image.width * window.image.height
