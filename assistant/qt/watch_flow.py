"""Watch mode in the window: start and stop, the Changes list, and what is said of each change.

The watch itself (``core.watch``) runs on a thread of its own; what it finds comes here as
signals and is said through the announcer at the screen reader's "message" priority,
queued behind what the screen reader says and never cutting it off (``interrupt=False``).
The global stop silences it; the watch goes on. The window's title and status line say
while watching is on, so it is never left running unknowingly.
"""

from __future__ import annotations

import logging
import time

from PIL import Image
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from assistant import APP_NAME
from assistant.config import WatchSettings
from assistant.core.announcer import Announcer
from assistant.core.history.store import NewTurn
from assistant.core.session import Session
from assistant.core.text.layout import position
from assistant.core.watch.frames import crop
from assistant.core.watch.news import Change, News
from assistant.core.watch.targets import watched
from assistant.core.watch.watcher import Listener, Watched, Watcher
from assistant.i18n import _
from assistant.qt.area_captions import AreaCaptions
from assistant.qt.capture_flow import CaptureFlow
from assistant.qt.changes_pane import ChangesPane

log = logging.getLogger(__name__)


class WatchFlow(QObject):
    """Owns the one watch at a time."""

    _changed = Signal(object)  # Change, from the watch thread
    _say = Signal(str)
    _stopped = Signal(str)
    _area = Signal(object, object)  # the frame, its Change

    def __init__(self, window: QWidget, capture: CaptureFlow, announcer: Announcer, session: Session,
                 pane: ChangesPane, areas: AreaCaptions, settings: WatchSettings, stop_key: str = "",
                 busy=lambda: False, parent: QObject | None = None):
        super().__init__(parent)
        self.window, self.capture, self.announcer, self.session = window, capture, announcer, session
        self.pane, self.areas, self.settings, self.stop_key = pane, areas, settings, stop_key
        self.busy = busy  # whether the user's own request waits for the model (an area's caption would replace it)
        self.watcher: Watcher | None = None
        self._starting = False  # asked to start, the window to watch not found yet: more presses are one
        capture.failed.connect(lambda _message: setattr(self, "_starting", False))
        self._last_area = 0.0
        # Read by the watch thread: while one of our windows is in front (the Changes list being read), frames are
        # not taken, so our own window is never read as a change of the watched one. Set on the GUI thread.
        self._ours_in_front = False
        self._front = QTimer(self)
        self._front.timeout.connect(self._check_front)
        self._changed.connect(self._on_change)
        self._say.connect(lambda text: self.announcer.say(text, interrupt=False))
        self._stopped.connect(self._end)
        self._area.connect(self._describe_area)

    @property
    def watching(self) -> bool:
        return self.watcher is not None

    def toggle(self) -> None:
        """The hotkey: start watching the focused window, or stop."""
        if self.watching:
            self.stop()
        elif not self._starting:
            self.start()

    def start(self) -> None:
        area = self.settings.area
        self._starting = True
        self.announcer.status(_("Starting to watch…"), announced=False)
        self.capture.run("watch", lambda capturer: watched(area, capturer))

    def found(self, name: str, result: object) -> None:
        """The capture flow's ``found``: what to watch is known (our window was out of the way)."""
        if name == "watch":
            self._starting = False
            self._begin(result)

    def _begin(self, target: Watched) -> None:
        if self.session.reader is None:
            self.announcer.message(_("Watching needs the text reader: turn on reading text in Settings, Text."),
                                   error=True)
            return
        reader = self.session.reader
        s = self.settings
        listener = Listener(change=self._changed.emit, say=self._say.emit, stopped=self._stopped.emit,
                            frame=(lambda image, change: self._area.emit(image, change)) if s.describe_areas else None)
        self.watcher = Watcher(target, self.capture.capturer, lambda image: reader.submit(image).result(), listener,
                               interval_s=s.interval_s, news=News(every_s=s.update_every_s, burst=s.burst_lines),
                               paused=lambda: self._ours_in_front)
        self.pane.clear()
        self.pane.show()
        self.window.setWindowTitle(_("Watching {name} - {app}").format(name=target.name, app=APP_NAME))
        how = f" Press {self.stop_key} to stop." if self.stop_key else ""
        self.announcer.message(_('Watching {name}.{how}').format(name=target.name, how=how))
        self._check_front()
        self._front.start(max(100, int(s.interval_s * 500)))
        self.watcher.start()
        log.info("watching %s", target.name)

    def stop(self) -> None:
        """Stop watching (the user asked)."""
        if self.watcher is not None:
            self._end(_("Watching stopped."))

    def close(self) -> None:
        """The app is ending."""
        if self.watcher is not None:
            self.watcher.stop(wait=0.5)
            self.watcher = None

    def _end(self, why: str) -> None:
        watcher, self.watcher = self.watcher, None
        if watcher is None:
            return
        watcher.stop()
        self._front.stop()
        stats = watcher.stats
        log.info("watch ended: %d frames, %d unchanged, %d read, %d paused, %d changes", stats.frames,
                 stats.unchanged, stats.read, stats.paused, stats.changes)
        self.window.setWindowTitle(APP_NAME)
        rows = self.pane.rows()
        if self.settings.keep_changes and rows and self.session.history is not None:
            self._keep(watcher.target.name, rows)
        self.pane.clear()  # private by default: the list lives only while watching
        self.pane.hide()
        self.announcer.message(why or _("Watching stopped."))

    def _keep(self, name: str, rows: list[str]) -> None:
        try:
            turn = NewTurn(_("What changed while watching?"), "\n".join(rows))
            self.session.history.start(None, _("changes in {name}").format(name=name), [turn])
        except Exception as err:  # noqa: BLE001 - said, the watch ends anyway
            self.announcer.message(_('The changes could not be kept in the history: {err}').format(err=err), error=True)

    def _check_front(self) -> None:
        self._ours_in_front = any(w.isVisible() and w.isActive() for w in QGuiApplication.topLevelWindows())

    def _on_change(self, change: Change) -> None:
        if self.watcher is None:
            return
        summary = change.summary()
        if summary:
            self.pane.add(summary, change.at)
        self.announcer.status(_("Watching {name}: {change}").format(name=self.watcher.target.name,
                                                                    change=summary or _("changed")), announced=False)

    def _describe_area(self, image: Image.Image, change: Change) -> None:
        """A changed area with no text, described by the model at most every ``update_every_s`` (a setting, off)."""
        now = time.monotonic()
        if self.watcher is None or self.busy() or now - self._last_area < self.settings.update_every_s:
            return
        box = max(change.areas, key=lambda b: b.width * b.height)
        where = position(box, *image.size)

        def said(words: str) -> None:
            if self.watcher is not None:
                self.pane.add(_('At the {where}: {words}').format(where=where, words=words))
                self.announcer.say(_('At the {where}: {words}').format(where=where, words=words), interrupt=False)

        if self.areas.ask(crop(image, box), said):
            self._last_area = now
