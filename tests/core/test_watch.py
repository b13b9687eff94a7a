"""Watch mode's core: which text is new and what is said of it, the watch loop on rendered frames read by the
real text reader, and "what changed" between two images."""

from __future__ import annotations

import threading

import pytest
from PIL import Image, ImageDraw

from assistant.core.capture.screen import Capture
from assistant.core.geometry import Rect
from assistant.core.text.reader import RapidTextReader, TextLine
from assistant.core.watch.compare import compare
from assistant.core.watch.frames import Frame, bands, changed_boxes
from assistant.core.watch.news import News
from assistant.core.watch.watcher import Area, Listener, Watcher
from tests.text.screens import font

ROW = 30


def line(text: str, row: int, left: int = 10) -> TextLine:
    return TextLine(text, Rect(left, 10 + ROW * row, 12 * len(text), 20), 0.99)


def everything(rows: int = 20) -> list[Rect]:
    return [Rect(0, 0, 800, 10 + ROW * rows)]


def test_a_line_that_only_moved_up_is_not_said_and_the_new_bottom_line_is():
    news = News()
    news.start([line(f"build step {i} finished", i) for i in range(5)])
    scrolled = [line(f"build step {i} finished", i - 1) for i in range(1, 6)]
    change, said = news.update(scrolled, everything(), now=1.0)
    assert said == ["build step 5 finished"]
    assert change.appeared == ("build step 5 finished",)
    assert change.gone == ("build step 0 finished",)


def test_a_line_already_said_is_not_said_again_when_the_reader_missed_it_for_a_frame():
    news = News()
    news.start([])
    assert news.update([line("Alice: see you at noon", 0)], everything(), now=1)[1] == ["Alice: see you at noon"]
    assert news.update([], everything(), now=2)[1] == []  # a frame where it was not read
    assert news.update([line("Alice: see you at noon", 0)], everything(), now=3)[1] == []


def test_a_counting_label_is_said_a_few_times_and_its_last_value_is_said():
    news = News(every_s=3.0)
    news.start([line("Copying 0 %", 0)])
    said = []
    for step in range(1, 51):  # 2 % every 0.1 s for 5 s
        said += news.update([line(f"Copying {2 * step} %", 0)], everything(), now=step / 10)[1]
    said += news.due(now=5.5)  # still within 3 s of the last one said
    said += news.due(now=9.0)
    assert 2 <= len(said) <= 3, said
    assert said[-1] == "Copying 100 %"
    assert news.due(now=20.0) == []  # said once, not again


def test_a_burst_of_new_lines_is_summed_up_with_the_last_one():
    news = News(burst=4)
    news.start([])
    _, said = news.update([line(f"package {i} installed", i) for i in range(12)], everything(), now=1)
    assert said == ["12 new lines; the last: package 11 installed"]


def test_changed_boxes_find_a_small_change_and_bands_span_the_width():
    old = Image.new("RGB", (640, 480), "white")
    new = old.copy()
    ImageDraw.Draw(new).rectangle((500, 400, 540, 420), fill="red")
    assert changed_boxes(Frame.of(old), Frame.of(old.copy())) == []
    boxes = changed_boxes(Frame.of(old), Frame.of(new))
    assert len(boxes) == 1 and boxes[0].contains(520, 410)
    assert bands(boxes, 640, 480) == [Rect(0, boxes[0].top - 8, 640, boxes[0].height + 16)]


def window(lines: list[str], box: str | None = None, size=(800, 400)) -> Image.Image:
    image = Image.new("RGB", size, (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for i, text in enumerate(lines):
        draw.text((20, 20 + 34 * i), text, font=font("sans", 18), fill=(20, 20, 20))
    if box:
        draw.rectangle((600, 320, 760, 370), fill=box)
    return image


class Frames:
    """A capturer that shows the next prepared frame on each capture (the real one is tested on X)."""

    def __init__(self, frames: list[Image.Image]):
        self.frames, self.shown = frames, 0
        self.done = threading.Event()

    def region(self, rect: Rect) -> Capture:
        image = self.frames[min(self.shown, len(self.frames) - 1)]
        self.shown += 1
        if self.shown >= len(self.frames):
            self.done.set()
        return Capture(image, "region", rect)


@pytest.fixture(scope="module")
def reader():
    return RapidTextReader()


def test_the_watch_says_only_new_text_and_skips_unchanged_frames(reader):
    before = ["Installer ready", "Press Next to go on"]
    frames = [window(before)] * 4 + [window(before + ["Unpacking files"])] * 3 \
        + [window(before + ["Unpacking files", "Installation complete"])] * 3
    capturer = Frames(frames)
    said: list[str] = []
    watcher = Watcher(Area(Rect(0, 0, 800, 400), "Installer"), capturer, reader.read,
                      Listener(say=said.append), interval_s=0)
    while not capturer.done.is_set():
        assert watcher.step() == ""
    assert said == ["Unpacking files", "Installation complete"]
    assert watcher.stats.frames == 10 and watcher.stats.unchanged == 7
    assert watcher.stats.read == 3  # the first frame whole, then one band for each new line


def test_a_window_still_painting_when_the_watch_starts_is_not_news(reader):
    """A terminal just opened: its first frame is blank, the next has what it already held; only later lines are new."""
    before = ["Before one", "Before two"]
    frames = [window([])] + [window(before)] * 3 + [window(before + ["Linking the program"])] * 2
    capturer = Frames(frames)
    said: list[str] = []
    watcher = Watcher(Area(Rect(0, 0, 800, 400), "Build"), capturer, reader.read, Listener(say=said.append),
                      interval_s=0)
    while not capturer.done.is_set():
        assert watcher.step() == ""
    assert said == ["Linking the program"]


def test_a_closed_window_ends_the_watch_with_a_sentence():
    class Gone:
        name = "Terminal"

        def locate(self):
            return None

    stopped = threading.Event()
    why: list[str] = []
    listener = Listener(stopped=lambda text: (why.append(text), stopped.set()))
    Watcher(Gone(), Frames([window([])]), lambda image: [], listener).start()
    assert stopped.wait(10)
    assert why == ["Terminal closed; watching stopped."]


def test_what_changed_names_new_and_gone_text_and_the_changed_area(reader):
    old = window(["Downloading report 45 %", "Please wait"], box="blue")
    new = window(["Download complete", "Please wait"], box="orange")
    result = compare(old, reader.read(old), new, reader.read(new))
    assert result.appeared == ["Download complete"]
    assert [text.replace(" %", "%") for text in result.gone] == ["Downloading report 45%"]
    assert [area.where for area in result.areas] == ["bottom right"]
    sentence = result.sentence()
    assert sentence.startswith("New: 'Download complete'. Gone: 'Downloading report 45")
    assert sentence.endswith("The area at the bottom right changed.")
    same = compare(old, reader.read(old), old.copy(), reader.read(old))
    assert same.sentence() == "Nothing has changed."


def test_an_area_that_became_empty_is_gone():
    old = window([], box="green")
    result = compare(old, [], window([]), [])
    assert [(a.where, a.gone) for a in result.areas] == [("bottom right", True)]
    result.captions[0] = "a green button"
    assert result.sentence() == "Something at the bottom right is gone: a green button."
