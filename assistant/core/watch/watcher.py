"""The watch loop: capture the watched window about twice a second, read only what changed, say only what is new.

It runs on a thread of its own and never piles up: a frame is captured only once the
last one is read, so when the reader is slower than the rate, frames are simply not
taken (the newest is always the next). A frame whose shrunk pixels did not change costs
a capture and a comparison, nothing more. Nothing is written to disk: the images live
for one frame; only the last frame's shrunk copy is kept, and the text on screen.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from assistant.core.capture.screen import CaptureError, Capturer
from assistant.core.errors import AssistantError, one_line
from assistant.core.geometry import Rect
from assistant.core.text.reader import TextLine
from assistant.core.watch.frames import Frame, bands, changed_boxes, crop
from assistant.core.watch.news import Change, News
from assistant.i18n import _

log = logging.getLogger(__name__)
WHOLE_READ = 0.5  # bands over half the frame: read the frame once, not band by band
SETTLE_FRAMES = 4  # at most this many frames after the first may still be the window painting what it already had


class Watched(Protocol):
    """What is watched: where it is now, or None once it is gone (a closed window)."""

    name: str

    def locate(self) -> Rect | None:
        """Its rectangle on the desktop now (it may have moved), or None: it is gone. May raise Hidden."""


class Hidden(Exception):
    """The watched window exists but cannot be seen now (minimised): the frame is skipped."""


@dataclass
class Area:
    """A fixed part of the desktop (the whole screen)."""

    rect: Rect
    name: str = "the screen"

    def locate(self) -> Rect | None:
        return self.rect


@dataclass
class WatchStats:
    """What the watch did, for the log and the benchmark."""

    frames: int = 0  # captured
    unchanged: int = 0  # captured, compared, and skipped: nothing changed
    read: int = 0  # bands or frames given to the text reader
    paused: int = 0  # not captured: our own window was in front
    changes: int = 0


@dataclass
class Listener:
    """What the watch tells its owner (all called on the watch thread)."""

    change: Callable[[Change], None] = lambda change: None
    say: Callable[[str], None] = lambda text: None
    stopped: Callable[[str], None] = lambda why: None  # one sentence; "" when stopped by the user
    frame: Callable[[Image.Image, Change], None] | None = None  # a change with areas that have no text
    tick: Callable[[WatchStats], None] = lambda stats: None  # after each frame (tests and the benchmark wait on it)


@dataclass
class Watcher:
    """Watches ``target`` until ``stop()``, it closes, or the capture fails."""

    target: Watched
    capturer: Capturer
    read: Callable[[Image.Image], list[TextLine]]
    listener: Listener = field(default_factory=Listener)
    interval_s: float = 0.5
    news: News = field(default_factory=News)
    paused: Callable[[], bool] = lambda: False
    stats: WatchStats = field(default_factory=WatchStats)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._frame: Frame | None = None
        self._settling = 0  # frames left in which a change is the window still painting, not news

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="watch", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 2.0) -> None:
        """Stop now (said by the owner, not here); waits up to ``wait`` s for a frame being read to end."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(wait)

    def _run(self) -> None:
        why = ""
        try:
            while not self._stop.is_set():
                started = time.monotonic()
                why = self.step()
                self.listener.tick(self.stats)
                if why:
                    break
                self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - started)))
        except Exception as err:  # noqa: BLE001 - a failure ends the watch with one sentence, never a traceback
            log.exception("watch failed")
            why = _('Watching stopped: {n0}').format(n0=one_line(err, 120))
        self._frame, self._settling = None, 0
        self.news.lines = []
        close = getattr(self.target, "close", None)
        if close is not None:
            close()
        if why:  # closed, or failed; stopped by the owner: the owner says so
            self._stop.set()
            self.listener.stopped(why)

    def step(self) -> str:
        """One frame: "" to go on, else why the watch ends."""
        if self.paused():
            self.stats.paused += 1
            return ""
        try:
            rect = self.target.locate()
        except Hidden:
            self.stats.paused += 1
            return ""
        if rect is None:
            return _('{name} closed; watching stopped.').format(name=self.target.name)
        try:
            image = self.capturer.region(rect).image
        except CaptureError as err:
            return _('Watching stopped: {err}').format(err=err)
        self.stats.frames += 1
        frame = Frame.of(image)
        boxes = changed_boxes(self._frame, frame)
        first = self._frame is None
        self._frame = frame
        if not boxes:
            self.stats.unchanged += 1
            if self._settling:
                self._settled()
            self._say(self.news.due())
            return ""
        width, height = image.size
        where = bands(boxes, width, height, margin=12)
        try:
            # While the window may still be painting (a terminal just opened), the whole frame is what was there.
            found = self._read(image, [Rect(0, 0, width, height)] if self._settling else where)
        except AssistantError as err:
            log.warning("watch: %s", err)
            return ""
        if first or self._settling:
            self.news.start(found)
            self._settling = SETTLE_FRAMES if first else self._settling - 1
            if not self._settling:
                self._settled()
            return ""
        change, say = self.news.update(found, where, areas=boxes)
        if change is not None:
            self.stats.changes += 1
            self.listener.change(change)
            if change.areas and self.listener.frame is not None:
                self.listener.frame(image, change)
        self._say(say)
        return ""

    def _settled(self) -> None:
        """The frame held still (or the settling frames ran out): what is on screen now is the start."""
        self._settling = 0
        log.info("watching %s: %d lines on screen at the start", self.target.name, len(self.news.lines))

    def _read(self, image: Image.Image, where: list[Rect]) -> list[TextLine]:
        width, height = image.size
        if sum(band.height for band in where) > WHOLE_READ * height:
            self.stats.read += 1
            return self.read(image)
        found = []
        for band in where:
            self.stats.read += 1
            for line in self.read(crop(image, band)):
                b = line.box
                found.append(TextLine(line.text, Rect(b.left + band.left, b.top + band.top, b.width, b.height),
                                      line.confidence))
        return found

    def _say(self, texts: list[str]) -> None:
        for text in texts:
            if text and not self._stop.is_set():
                self.listener.say(text)
