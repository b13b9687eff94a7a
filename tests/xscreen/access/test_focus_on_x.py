"""The focused control through the real AT-SPI: GTK3 and Qt6 apps on Xvfb, focused by Tab from the app itself.

The probe runs as the app runs it (jeepney on the accessibility bus); the crop is captured from the
real screen and read by the real text reader.
"""

from __future__ import annotations

import pytest

from assistant.core.access.screen_rects import crop_rect
from assistant.core.capture.screen import MssCapturer
from assistant.core.geometry import Rect
from assistant.core.onscreen.probes import system_probe
from assistant.core.text.reader import RapidTextReader
from tests.xscreen.access.conftest import press


@pytest.fixture
def probe(desktop, monkeypatch):
    for key in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.setenv(key, desktop[key])
    made = system_probe()
    yield made
    made.close()


def find_picture(crop, picture) -> tuple[int, int] | None:
    """Where ``picture`` lies, pixel for pixel, inside ``crop`` (the button draws it unscaled)."""
    small = picture.convert("RGB")
    cw, ch = crop.size
    pw, ph = small.size
    want = small.tobytes()
    for y in range(0, ch - ph + 1):
        for x in range(0, cw - pw + 1):
            if crop.crop((x, y, x + pw, y + ph)).tobytes() == want:
                return x, y
    return None


def close_to(a: Rect, b: tuple[int, ...], slack: int = 3) -> bool:
    return all(abs(u - v) <= slack for u, v in zip((a.left, a.top, a.width, a.height), b, strict=True))


@pytest.mark.parametrize("kind", ["gtk", "qt"])
@pytest.mark.parametrize("scale", [1, 2])
def test_the_focused_button_is_found_named_and_cropped_at_any_scale(launch, probe, picture, kind, scale):
    from PIL import Image

    app = launch(kind, picture, scale)
    app.activate()
    press(app.env, "Tab")  # from the "Notes" field to the unlabeled button, as a user would
    m = app.wait_line(r"^focus unlabeled (\d+) (\d+) (\d+) (\d+)$")
    expected = tuple(int(v) for v in m.groups())
    element = probe.focused()
    assert element is not None and element.role == "push button" and element.name == ""
    assert element.summary() == "Unlabeled button"
    assert close_to(element.rect, expected), (element.rect, expected)  # physical pixels, whatever the scale
    capturer = MssCapturer()
    crop = capturer.region(crop_rect(element.rect, capturer.screen_rect())).image
    if scale == 1:
        assert find_picture(crop, Image.open(picture)) is not None  # the crop holds the button's own pixels
    lines = RapidTextReader().read(crop)
    assert any("Export" in line.text for line in lines), lines

    press(app.env, "Tab")  # on to Save
    m = app.wait_line(r"^focus Save (\d+) (\d+) (\d+) (\d+)$")
    element = probe.focused()
    assert (element.role, element.name, element.summary()) == ("push button", "Save", "Button, Save")
    assert close_to(element.rect, tuple(int(v) for v in m.groups()))
    assert element.window is not None and element.window.name in ("Archive tool", "Qt tool")


def test_the_object_under_the_pointer_is_the_button_there(launch, probe, picture, desktop):
    import subprocess

    app = launch("gtk", picture)
    app.activate()
    press(app.env, "Tab", "Tab")
    x, y, w, h = (int(v) for v in app.wait_line(r"^focus Save (\d+) (\d+) (\d+) (\d+)$").groups())
    subprocess.run(["xdotool", "mousemove", str(x + w // 2), str(y + h // 2)], env=desktop, check=True)
    element = probe.at_point(x + w // 2, y + h // 2)
    assert element is not None and (element.role, element.name) == ("push button", "Save")


def test_a_terminal_exposes_nothing(probe, desktop):
    import subprocess

    from tests.xscreen.conftest import _search, wait_for_x

    term = subprocess.Popen(["xterm", "-T", "Terminal", "-e", "cat"], env=desktop)
    try:
        wid = wait_for_x(desktop, lambda: _search(desktop, "^Terminal$"), 30, "the terminal")
        subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=desktop, check=True)
        assert probe.focused() is None
    finally:
        term.terminate()
        term.wait(10)
