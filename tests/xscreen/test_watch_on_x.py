"""Watch mode on a real X screen: real windows, real captures, the real text reader; with the app, the real Orca
and speech-dispatcher (what reached speech-dispatcher is read back from its log).

The terminals print on cue: each waits on a FIFO the test writes to, so a line appears when
the test says, never after a sleep.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest
from PIL import Image

from assistant.core.capture.screen import MssCapturer
from assistant.core.text.reader import RapidTextReader
from assistant.core.watch.news import News, key
from assistant.core.watch.targets import Window
from assistant.core.watch.watcher import Listener, Watcher
from tests.processes import stop
from tests.xscreen.access.conftest import HERE as ACCESS
from tests.xscreen.access.conftest import SYSTEM_PYTHON, Program
from tests.xscreen.conftest import _search, need, wait_for, wait_for_x, window_geometry
from tests.xscreen.orca import normalise
from tests.xscreen.test_orca import activate, orca, press, start  # noqa: F401 (fixtures)

# A reader that opens the FIFO while the last cue's writer is still closing it reads end-of-file: it waits again.
WAIT_CUE = "until read x < {fifo}; do :; done"
CUE = "printf '\\033[?25l'; {before}; for l in \"$@\"; do " + WAIT_CUE + "; printf '%s\\n' \"$l\"; done; exec cat"


class Terminal:
    """An xterm titled ``title`` that shows ``before`` lines, then one more line of ``script``'s each time ``cue()``."""

    def __init__(self, env: dict, tmp_path: Path, title: str, before: list[str], lines: list[str] = (),
                 geometry: str = "46x8+700+480", script: str | None = None):
        need("xterm")
        self.env, self.fifo = env, tmp_path / f"{title}.cue"
        os.mkfifo(self.fifo)
        shown = "printf '%s\\n' " + " ".join(f"'{line}'" for line in before) if before else "true"
        body = script.format(fifo=self.fifo) if script else CUE.format(before=shown, fifo=self.fifo)
        self.proc = subprocess.Popen(["xterm", "-T", title, "-fa", "DejaVu Sans Mono", "-fs", "14",
                                      "-geometry", geometry, "-e", "sh", "-c", body, "sh", *lines], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wid = wait_for_x(env, lambda: _search(env, f"^{title}$"), 30, f"the {title} terminal")

    def cue(self, timeout: float = 20) -> None:
        def write():
            with open(self.fifo, "w") as fifo:  # opens once the script waits on it
                fifo.write("go\n")

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        writer.join(timeout)
        if writer.is_alive():
            os.close(os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK))  # frees the writer: the test ends
            raise AssertionError(f"the terminal never waited for its cue (it exited: {self.proc.poll()})")

    def close(self) -> None:
        stop(self.proc)


class Heard:
    """An in-process watch's listener: what it said, and a wake-up on every frame."""

    def __init__(self):
        self.said: list[str] = []
        self.stopped: list[str] = []
        self.stats = None
        self._event = threading.Event()
        self.listener = Listener(say=self._say, stopped=self._stop, tick=self._tick)

    def _say(self, text):
        self.said.append(text)
        self._event.set()

    def _stop(self, why):
        self.stopped.append(why)
        self._event.set()

    def _tick(self, stats):
        self.stats = stats
        self._event.set()

    def wake(self, seconds: float) -> None:
        self._event.wait(seconds)
        self._event.clear()

    def wait(self, condition, timeout: float, what: str):
        try:
            return wait_for(condition, timeout, what, self.wake)
        except AssertionError as err:
            raise AssertionError(f"{err}; said: {self.said}, stopped: {self.stopped}, {self.stats}") from None


@pytest.fixture
def watch(xserver, monkeypatch):
    """watch(terminal, **news) -> Heard: the core watch on a real window, its start known."""
    env, _ = xserver
    monkeypatch.setenv("DISPLAY", env["DISPLAY"])
    reader, running = RapidTextReader(), []

    def start_watch(terminal: Terminal, **news) -> Heard:
        heard = Heard()
        subprocess.run(["xdotool", "windowactivate", "--sync", terminal.wid], env=env, check=True, timeout=30)
        watcher = Watcher(Window(int(terminal.wid), "Terminal"), MssCapturer(), reader.read, heard.listener,
                          interval_s=0.5, news=News(**news))
        running.append(watcher)
        watcher.start()
        # The first frame read, and one still frame after it: what is on screen now is where the watch starts.
        heard.wait(lambda: heard.stats and heard.stats.unchanged >= 1, 60, "the first frame read and a still one")
        return heard

    yield start_watch
    for watcher in running:
        watcher.stop()


def test_a_window_whose_text_scrolls_up_says_only_each_new_bottom_line(xserver, watch, tmp_path):
    env, _ = xserver
    terminal = Terminal(env, tmp_path, "Scroller", ["Line alpha", "Line bravo", "Line charlie"],
                        ["Line delta", "Line echo", "Line foxtrot"], geometry="30x4+700+480")
    try:
        heard = watch(terminal)
        for n, line in enumerate(["Line delta", "Line echo", "Line foxtrot"], 1):
            terminal.cue()  # the terminal scrolls up by one line, the new one at the bottom
            heard.wait(lambda n=n: len(heard.said) >= n, 20, f"{line!r} said")
        assert heard.said == ["Line delta", "Line echo", "Line foxtrot"]
    finally:
        terminal.close()


def test_the_watched_window_is_followed_when_it_moves(xserver, watch, tmp_path):
    env, _ = xserver
    terminal = Terminal(env, tmp_path, "Mover", ["Waiting for the server"], ["Server is up"], geometry="30x4+700+480")
    try:
        heard = watch(terminal)
        before = window_geometry(env, terminal.wid)
        subprocess.run(["xdotool", "windowmove", "--sync", terminal.wid, "300", "200"], env=env, check=True, timeout=30)
        assert window_geometry(env, terminal.wid)[:2] != before[:2]
        frames = heard.stats.frames
        heard.wait(lambda: heard.stats.frames >= frames + 2, 20, "frames of the moved window")
        terminal.cue()
        heard.wait(lambda: heard.said, 20, "the new line said")
        assert heard.said == ["Server is up"]  # the old text, at its new place, was not news
    finally:
        terminal.close()


COUNTER = ("printf '\\033[?25l'; printf 'Copying 0 %%'; " + WAIT_CUE + "; "
           "for i in $(seq 2 2 100); do printf '\\rCopying %d %%' $i; sleep 0.1; done; exec cat")


def test_a_label_counting_ten_times_a_second_is_said_a_few_times_ending_at_100(xserver, watch, tmp_path):
    env, _ = xserver
    terminal = Terminal(env, tmp_path, "Counter", [], script=COUNTER)
    try:
        heard = watch(terminal, every_s=3.0)
        terminal.cue()  # 0 % to 100 %, ten steps a second, for five seconds
        heard.wait(lambda: heard.said and key(heard.said[-1]) == "copying 100", 20, "100 % said")
        assert 2 <= len(heard.said) <= 4, heard.said
        assert all(key(text).startswith("copying ") for text in heard.said)
    finally:
        terminal.close()


def test_a_static_window_says_nothing_for_30_s_skipping_frames_and_its_closing_ends_the_watch(xserver, watch,
                                                                                              tmp_path):
    env, _ = xserver
    terminal = Terminal(env, tmp_path, "Still", ["Nothing happens here", "for a while"])
    heard = watch(terminal)
    heard.wait(lambda: heard.stats.frames >= 61, 60, "30 s of frames")  # one every 0.5 s
    stats = heard.stats
    assert heard.said == []
    assert stats.unchanged == stats.frames - 1 and stats.read == 1  # captured and compared; read only at the start
    terminal.close()
    heard.wait(lambda: heard.stopped, 10, "the watch to end")
    assert heard.stopped == ["Terminal closed; watching stopped."]


def test_orca_hears_each_new_line_once_and_never_what_was_there_before(orca, start, tmp_path):  # noqa: F811
    lines = ["Compiling the parser", "Linking the program", "All tests passed"]
    terminal = Terminal(orca.env, tmp_path, "Build", ["Before one", "Before two"], lines)
    picture = tmp_path / "export.png"
    Image.new("RGB", (48, 24), "grey").save(picture)
    other = None
    try:
        app = start()
        activate(orca.env, terminal.wid)
        mark = orca.mark()
        press(orca.env, "ctrl+alt+shift+c")
        orca.wait_heard("Watching Build. Press Control+Alt+Shift+C to stop.", 10, mark)
        app.wait_line(r"watching Build: \d+ lines on screen at the start", 30)
        terminal.cue()
        orca.wait_heard(lines[0], 15, mark)
        orca.settle()  # said to its end
        log_from = orca.log_size()
        # Orca speaks a window of its own while the next line is said: the two queue, neither is cut off.
        other = Program([SYSTEM_PYTHON, str(ACCESS / "gtk_buttons.py"), "--picture", str(picture)],
                        orca.env, "Archive tool")
        terminal.cue()
        orca.wait_heard(lines[1], 15, mark)
        orca.wait_heard("Archive tool", 15, mark)
        terminal.cue()
        orca.wait_heard(lines[2], 15, mark)
        orca.settle()
        log = orca.log_since(log_from)
        press(orca.env, "ctrl+alt+shift+c")
        orca.wait_heard("Watching stopped.", 10, mark)
        said = [normalise(text) for text in orca.spoken_since(mark)]
        for line in lines:
            assert sum(normalise(line) in text for text in said) == 1, said
        assert not any("before one" in text or "before two" in text for text in said), said
        assert "Audio interrupted" not in log  # nothing Orca or we said was cut off
        assert log.count("Message inserted into queue.") == log.count("|702 END") >= 3
    finally:
        terminal.close()
        if other is not None:
            other.close()


CHANGING = ("printf '\\033[?25l'; printf 'Downloading report 45 %%\\nPlease wait\\n\\n\\n\\033[44m          \\033[0m\\n'; "
            + WAIT_CUE + "; printf '\\033[2J\\033[H'; "
            "printf 'Download complete\\nPlease wait\\n\\n\\n\\033[43m          \\033[0m\\n'; exec cat")


def test_what_changed_heard_through_orca_names_new_and_gone_text_and_the_changed_area(orca, start,  # noqa: F811
                                                                                         tmp_path):
    terminal = Terminal(orca.env, tmp_path, "Download", [], script=CHANGING)
    try:
        app = start()
        activate(orca.env, terminal.wid)
        press(orca.env, "ctrl+alt+shift+w")
        app.wait_line(r"action describe_window: captured in \d+ ms, answered in \d+ ms")
        terminal.cue()  # new text, text gone, and the blue block turned yellow
        mark = orca.mark()
        press(orca.env, "ctrl+alt+shift+d")
        heard = normalise(orca.wait_heard("New: 'Download complete'.", 30, mark))
        assert "gone downloading report 45" in heard and "please wait" not in heard, heard
        assert "changed" in heard.split("gone", 1)[1], heard  # the coloured block, which has no text
        # Then the model's words for it, after the answer: "At the bottom left, now: …".
        orca.wait_spoken(lambda said: any(text.startswith("At the ") and ", now: " in text for text in said), 60,
                         "the changed area described", mark)
    finally:
        terminal.close()
