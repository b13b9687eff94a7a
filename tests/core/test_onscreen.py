"""The parts of "what am I on?" and explore that need no screen: wording, places, crops, the items list.

The Windows (UI Automation) and macOS (AX) probes and clickers run here against fakes of their
platform APIs, because those APIs cannot run on Linux; the AT-SPI probe and the XTest click are
tested for real on Xvfb (tests/xscreen/access).
"""

from __future__ import annotations

from types import SimpleNamespace

from PIL import Image, ImageDraw

from assistant.core.access.ax import AxProbe
from assistant.core.access.clicks import QuartzClicker
from assistant.core.access.element import Element, FakeProbe
from assistant.core.access.screen_rects import around, crop_rect, scale_between, scaled
from assistant.core.access.uia import UiaProbe
from assistant.core.capture.screen import FakeCapturer
from assistant.core.geometry import Rect, neighbour
from assistant.core.onscreen.explore import has_changed, scan
from assistant.core.onscreen.items import screen_items
from assistant.core.onscreen.places import element_placement
from assistant.core.onscreen.targets import NO_CONTROL, NOTHING_AT_POINTER, focused_target, pointer_target
from assistant.core.text.reader import TextLine

DIALOG = Element("dialog", "Export Spreadsheet", rect=Rect(100, 100, 400, 300))
SAVE = Element("push button", "Save", rect=Rect(400, 350, 80, 30), ancestors=(DIALOG,))
CANCEL = Element("push button", "Cancel", rect=Rect(300, 350, 80, 30), ancestors=(DIALOG,))


def test_what_the_accessibility_api_says_comes_first_in_few_words():
    assert Element("push button").summary() == "Unlabeled button"
    assert Element("image", "chart.png").summary() == "Image, chart.png"
    assert Element("check box", "Remember me", states=frozenset({"checked"})).summary() == "Check box, Remember me, checked"
    assert Element("slider", "Volume", value="40").summary() == "Slider, Volume, 40"
    assert Element("push button", "Go", description="Starts the search").summary() == "Button, Go (Starts the search)"


def test_a_control_is_placed_in_its_dialog_and_beside_its_neighbour():
    assert element_placement(CANCEL, [SAVE, CANCEL]) == "at the bottom of the Export Spreadsheet dialog, left of Save"
    assert neighbour(Rect(0, 0, 10, 10), [("Below", Rect(0, 30, 10, 10))]) == "above Below"
    assert neighbour(Rect(0, 0, 10, 10), []) == ""


def test_scale_factor_crop_and_the_area_around_the_pointer():
    assert scale_between(Rect(0, 0, 400, 300), Rect(0, 0, 800, 600)) == 2.0
    assert scale_between(Rect(0, 0, 402, 330), Rect(0, 0, 400, 300)) == 1.0  # decorations counted by GTK
    assert scaled(Rect(10, 20, 30, 40), 2.0) == Rect(20, 40, 60, 80)
    screen = Rect(0, 0, 1280, 800)
    assert crop_rect(Rect(10, 10, 50, 20), screen) == Rect(4, 4, 62, 32)
    assert crop_rect(Rect(1270, 790, 50, 50), screen) == Rect(1264, 784, 16, 16)  # clipped to the screen
    assert crop_rect(Rect(2000, 10, 50, 20), screen) is None  # scrolled off
    assert around(5, 5, screen, 100) == Rect(0, 0, 100, 100)


def screen_with_button() -> Image.Image:
    image = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(image).rectangle((100, 80, 180, 110), fill=(200, 200, 200), outline="black")
    return image


def test_the_focused_control_is_cropped_and_a_window_that_exposes_nothing_is_said():
    capturer = FakeCapturer(screen_with_button())
    button = Element("push button", rect=Rect(100, 80, 81, 31), ancestors=(Element("frame", "Tool", rect=Rect(0, 0, 300, 200)),))
    target = focused_target(FakeProbe(button), capturer)
    assert (target.source, target.lead, target.rect) == ("focused control", "Unlabeled button", Rect(94, 74, 93, 43))
    assert target.image.size == (93, 43) and target.image.getpixel((6, 6)) == (0, 0, 0)  # the button's border
    assert target.place == "at the centre of the Tool window"
    fallback = focused_target(FakeProbe(None), capturer)
    assert (fallback.source, fallback.lead) == ("focused window", NO_CONTROL) and fallback.image.size == (300, 200)
    nothing = pointer_target(FakeProbe(), capturer, (20, 20))
    assert (nothing.source, nothing.lead) == ("area around the pointer", NOTHING_AT_POINTER)
    hit = pointer_target(FakeProbe(elements=[button]), capturer, (120, 90))
    assert (hit.source, hit.lead) == ("object under the pointer", "Unlabeled button")


def line(text, left, top, width=60, height=16):
    return TextLine(text, Rect(left, top, width, height), 0.9)


def test_screen_items_merge_the_text_and_the_controls_in_reading_order():
    window = Rect(100, 100, 400, 300)
    lines = [line("Export Spreadsheet", 10, 10, 200), line("Cancel", 205, 255), line("Save", 305, 255),
             line("Export", 20, 255)]
    controls = [Element("push button", "", rect=Rect(300, 350, 80, 30)),  # "Cancel" inside: named by its text
                Element("push button", "Save", rect=Rect(400, 350, 80, 30)),  # named: its text is not listed twice
                Element("image", "", rect=Rect(110, 200, 40, 40))]  # nothing in it: unlabeled until described
    items = screen_items(lines, controls, window, "Export Spreadsheet")
    labels = [item.label() for item in items]
    assert labels[0] == "Export Spreadsheet, at the top left of the Export Spreadsheet window"
    assert "Cancel, button, at the bottom of the Export Spreadsheet window, left of Save" in labels
    assert sum("Save" in item.name for item in items) == 1
    image = next(item for item in items if item.kind == "image")
    assert image.unlabeled and image.label().startswith("Unlabeled image")
    assert [item.name for item in items if item.rect.top > 300] == ["Export", "Cancel", "Save"]  # left to right


def test_a_scan_reads_the_window_and_sees_when_it_changed():
    from concurrent.futures import Future

    class Reader:
        def submit(self, _image):
            done = Future()
            done.set_result([line("Save", 100, 85, 80, 20)])
            return done

    capturer = FakeCapturer(screen_with_button())
    found = scan(FakeProbe(), capturer, Reader())
    assert [item.label() for item in found.items] == ["Save, at the centre of the Fake window"]
    item = found.items[0]
    same, rect = found.crop(item)
    assert not has_changed(found, item, same)
    assert has_changed(found, item, Image.new("RGB", same.size, "black"))
    assert "turned off" in scan(FakeProbe(), capturer, None).note


# -- Windows and macOS: fakes of their APIs (they cannot run on Linux) -----------------------------
class FakeUiaElement:
    def __init__(self, name, control_type, rect, parent=None, focused=False):
        self.CurrentName, self.CurrentControlType, self.CurrentHelpText = name, control_type, ""
        self.CurrentLocalizedControlType, self.CurrentIsEnabled, self.CurrentHasKeyboardFocus = "", True, focused
        left, top, width, height = rect
        self.CurrentBoundingRectangle = SimpleNamespace(left=left, top=top, right=left + width, bottom=top + height)
        self.parent = parent

    def GetCurrentPropertyValue(self, _id):  # noqa: N802 (the COM interface's names)
        return ""


def test_ui_automation_elements_become_the_same_elements():
    desktop = FakeUiaElement("Desktop", 50033, (0, 0, 0, 0))
    window = FakeUiaElement("Export", 50032, (100, 100, 400, 300), desktop)
    button = FakeUiaElement("", 50000, (300, 350, 80, 30), window, focused=True)
    walker = SimpleNamespace(GetParentElement=lambda e: e.parent)
    automation = SimpleNamespace(GetFocusedElement=lambda: button, ControlViewWalker=walker)
    element = UiaProbe(automation).focused()
    assert (element.summary(), element.rect, element.window.name) == ("Unlabeled button", Rect(300, 350, 80, 30), "Export")
    assert "focused" in element.states


def test_ax_elements_become_the_same_elements_in_pixels():
    button = {"AXRole": "AXButton", "AXTitle": "Save", "AXPosition": (200, 100), "AXSize": (40, 15),
              "AXFocused": True, "AXEnabled": True}
    window = {"AXRole": "AXWindow", "AXTitle": "Export", "AXPosition": (0, 0), "AXSize": (600, 400)}
    button["AXParent"] = window
    system = {"AXFocusedUIElement": button}

    def copy(node, attribute, _out):
        value = node.get(attribute)
        return (0, value) if value is not None else (-25205, None)

    def value_of(value, _kind, _out):
        a, b = value
        return True, SimpleNamespace(x=a, y=b, width=a, height=b)

    api = SimpleNamespace(AXUIElementCreateSystemWide=lambda: system, AXUIElementCopyAttributeValue=copy,
                          AXValueGetValue=value_of, kAXValueCGPointType=1, kAXValueCGSizeType=2)
    element = AxProbe(api, scale=2.0).focused()
    assert (element.summary(), element.rect) == ("Button, Save", Rect(400, 200, 80, 30))  # Retina: points x 2
    assert element.window.name == "Export"


def test_a_quartz_click_posts_down_and_up_events():
    posted = []
    names = ("kCGEventLeftMouseDown", "kCGEventLeftMouseUp", "kCGMouseButtonLeft", "kCGEventRightMouseDown",
             "kCGEventRightMouseUp", "kCGMouseButtonRight", "kCGEventOtherMouseDown", "kCGEventOtherMouseUp",
             "kCGMouseButtonCenter", "kCGMouseEventClickState", "kCGHIDEventTap")
    quartz = SimpleNamespace(**{n: n for n in names}, CGEventCreateMouseEvent=lambda _s, kind, at, _b: [kind, at],
                             CGEventSetIntegerValueField=lambda e, _f, n: e.append(n),
                             CGEventPost=lambda _tap, e: posted.append(tuple(e)))
    QuartzClicker(quartz).click(10, 20, count=2)
    assert posted == [("kCGEventLeftMouseDown", (10, 20), 1), ("kCGEventLeftMouseUp", (10, 20), 1),
                      ("kCGEventLeftMouseDown", (10, 20), 2), ("kCGEventLeftMouseUp", (10, 20), 2)]
