"""Pure capture logic: multi-monitor layouts with negative coordinates, clipping, blank screens."""

import pytest
from PIL import Image, ImageDraw

from assistant.core.capture.screen import Rect, blank_reason, monitor_containing

# A laptop left of a 4K monitor, and a portrait monitor to the right, raised by 200 px.
LAYOUT = [Rect(-1920, 0, 1920, 1080), Rect(0, 0, 3840, 2160), Rect(3840, -200, 1080, 1920)]


@pytest.mark.parametrize(
    ("point", "index"),
    [((-1, 500), 0), ((-1920, 0), 0), ((0, 0), 1), ((3839, 2159), 1), ((3900, -150), 2), ((4000, 1700), 2)],
)
def test_the_monitor_under_the_pointer(point, index):
    assert monitor_containing(LAYOUT, *point) == index


def test_a_point_in_a_gap_gets_the_nearest_monitor():
    assert monitor_containing(LAYOUT, -500, 1500) == 0  # below the laptop
    assert monitor_containing(LAYOUT, 4500, -210) == 2  # above the portrait monitor


def test_windows_are_clipped_to_the_desktop():
    desktop = Rect(-1920, -200, 6840, 2360)
    assert Rect(-2000, -300, 500, 400).intersect(desktop) == Rect(-1920, -200, 420, 300)
    assert Rect(9000, 0, 10, 10).intersect(desktop) is None


@pytest.mark.parametrize(("colour", "word"), [((0, 0, 0), "black"), ((255, 255, 255), "white"),
                                              ((128, 128, 128), "grey"), ((0, 40, 160), "flat colour")])
def test_uniform_captures_are_blank(colour, word):
    reason = blank_reason(Image.new("RGB", (1920, 1080), colour))
    assert reason and word in reason


def test_near_black_noise_is_still_blank_but_any_content_is_not():
    dim = Image.effect_noise((400, 300), 2).point(lambda v: min(v, 6)).convert("RGB")
    assert blank_reason(dim)
    screen = Image.new("RGB", (1920, 1080), "black")
    ImageDraw.Draw(screen).text((900, 500), "Locked", fill="white")
    assert blank_reason(screen) is None
