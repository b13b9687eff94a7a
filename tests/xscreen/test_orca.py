"""What a screen-reader user hears: the real Orca 43 and speech-dispatcher, the real app, real keys.

Every assertion reads what reached speech-dispatcher (its own log), not an event on the way.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from assistant.core.history.store import HistoryStore
from tests.processes import stop
from tests.xscreen.conftest import REQUIRED, _search, wait_for_x
from tests.xscreen.orca import OrcaDesktop, missing_programs, normalise, wait_for_log
from tests.xscreen.test_app_on_x import App

BARE_ROLES = {"list", "layered pane", "panel", "filler", "status", "label", "push button", "text", "page tab list",
              "scroll pane", "unknown", "frame", "dialog"}


@pytest.fixture
def orca(xserver, tmp_path):
    missing = missing_programs() + [p for p in ("xterm",) if subprocess.run(["which", p], capture_output=True).returncode]
    if missing:
        if REQUIRED:
            pytest.fail(f"missing {missing}: .ci/run should have installed them")
        pytest.skip(f"needs {missing}")
    env, _ = xserver
    home = tmp_path / "home"
    (home / "run").mkdir(parents=True, mode=0o700)
    env = {**env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
           "XDG_CACHE_HOME": str(home / ".cache"), "XDG_RUNTIME_DIR": str(home / "run"),
           "BLIP_ASSISTANT_DATA": str(tmp_path / "data"), "BLIP_ASSISTANT_CONFIG": str(tmp_path / "settings.json"),
           "HF_HUB_OFFLINE": "1"}
    with OrcaDesktop(env, tmp_path / "orca") as desktop:
        yield desktop


@pytest.fixture
def start(orca, tiny_model_dirs):
    apps = []

    def start_app(*args):
        app = App(["--model", str(tiny_model_dirs["opt"]), "--log-level", "info", *args], orca.env)
        apps.append(app)
        app.wait_line(r"Model ready on")
        orca.wait_heard("Model ready on", 10)
        return app

    yield start_app
    for app in apps:
        app.close()


def latest_texts(orca, data_dir, count: int = 1) -> list[str]:
    """The caption and answers of the newest conversation, as the history stored them, once it has ``count``.

    The window writes each turn just before speaking it, so each new line in speech-dispatcher's log wakes the check.
    """
    def texts():
        store = HistoryStore(data_dir)
        try:
            listed = store.list()
            found = [turn.answer for turn in store.get(listed[0].id).turns] if listed else []
        finally:
            store.close()
        return found if len(found) >= count else None

    return wait_for_log(orca.logdir, texts, 10, f"{count} turns in the history")


def press(env, *keys):
    subprocess.run(["xdotool", "key", "--clearmodifiers", "--delay", "40", *keys], env=env, check=True)


def activate(env, wid):
    subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=env, check=True)


@pytest.fixture
def terminal(orca):
    proc = subprocess.Popen(["xterm", "-T", "Terminal", "-e", "cat"], env=orca.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wid = wait_for_x(orca.env, lambda: _search(orca.env, "^Terminal$"), 30, "the terminal")
    yield wid
    stop(proc)


def test_global_describe_and_repeat_from_a_terminal_are_heard_through_orca(orca, start, terminal, tmp_path):
    app = start()
    activate(orca.env, terminal)
    mark = orca.mark()
    press(orca.env, "ctrl+alt+shift+s")
    orca.wait_heard("Describing the screen", 10, mark)  # the press was heard, before any answer
    app.wait_line(r"action describe_screen: captured in \d+ ms, answered in \d+ ms")
    answered = time.monotonic()
    caption = latest_texts(orca, tmp_path / "data")[0]
    heard = orca.wait_heard(caption, 2, mark)  # within 2 s of the answer
    assert time.monotonic() - answered <= 2.5 and normalise(caption) in normalise(heard)

    mark = orca.mark()
    press(orca.env, "ctrl+alt+shift+g")  # the global repeat
    app.wait_line(r"action repeat$")
    orca.wait_heard(caption, 5, mark)
    active = subprocess.run(["xdotool", "getactivewindow"], env=orca.env, capture_output=True, text=True).stdout.strip()
    name = subprocess.run(["xdotool", "getwindowname", active], env=orca.env, capture_output=True, text=True).stdout
    assert active == terminal, name  # all of it without leaving the terminal


def test_the_text_on_screen_and_the_caption_are_each_heard_once_through_orca(orca, start, tmp_path):
    """A terminal showing known text; the global describe: Orca speaks the text found and the caption, once each.

    The text found is said the moment it is read and the caption after it; when the caption is there first
    (the tiny model can be as fast as the reader), both are said together, the caption first.
    """
    proc = subprocess.Popen(["xterm", "-T", "Notes", "-fa", "DejaVu Sans Mono", "-fs", "16", "-geometry", "50x6+200+200",
                             "-e", "sh", "-c", "printf '%s\\n' 'Backup finished without errors'; cat"], env=orca.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wid = wait_for_x(orca.env, lambda: _search(orca.env, "^Notes$"), 30, "the terminal")
        app = start()
        activate(orca.env, wid)
        mark = orca.mark()
        press(orca.env, "ctrl+alt+shift+w")
        app.wait_line(r"action describe_window: captured in \d+ ms, answered in \d+ ms")
        caption = normalise(latest_texts(orca, tmp_path / "data")[0])
        assert caption.strip(), "the tiny model gave an empty caption"
        orca.wait_spoken(lambda said: said if any(caption in normalise(s) for s in said) and
                         any("backup finished" in normalise(s) for s in said) else None, 10,
                         "the caption and the text found", mark)
        said = [normalise(s) for s in orca.spoken_since(mark)]
        with_text = [i for i, s in enumerate(said) if "backup finished" in s]
        with_caption = [i for i, s in enumerate(said) if caption in s]
        assert len(with_text) == 1 and len(with_caption) == 1, said  # each once
        text_said, caption_said = with_text[0], with_caption[0]
        assert "text on screen" in said[text_said], said
        if text_said == caption_said:  # the caption came first: said together, the caption first
            assert said[text_said].index(caption) < said[text_said].index("backup finished"), said
        else:  # the text found first, the caption after it, queued
            assert text_said < caption_said, said
    finally:
        stop(proc)


def test_with_no_model_a_global_describe_is_answered_at_once_through_orca(orca, terminal, tmp_path):
    """A model folder that does not exist: the failure, then each press, are heard with what to do; nothing is kept."""
    app = App(["--model", str(tmp_path / "no such model"), "--log-level", "info"], orca.env)
    try:
        app.wait_line(r"Control\+Shift\+M")  # the load failed, and the window said what to do
        orca.wait_heard("Press Control+Shift+M", 15)
        activate(orca.env, terminal)
        mark = orca.mark()
        press(orca.env, "ctrl+alt+shift+s")
        heard = orca.wait_heard("Nothing was described", 10, mark)
        assert "no model is loaded" in normalise(heard) and "control shift m" in normalise(heard), heard
        assert not (tmp_path / "data" / "history.db").exists() or HistoryStore(tmp_path / "data").list() == []
    finally:
        app.close()


def test_in_the_window_caption_answer_new_and_errors_are_heard(orca, start, tmp_path):
    picture = tmp_path / "photo.png"
    Image.effect_noise((80, 60), 70).convert("RGB").save(picture)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    mark = orca.mark()
    app = start(str(picture))
    app.wait_line(r"caption answered in")
    caption = latest_texts(orca, tmp_path / "data")[0]
    orca.wait_heard(caption, 5, mark)

    wid = wait_for_x(orca.env, lambda: _search(orca.env, "^BLIP Assistant$"), 30, "the app window")
    activate(orca.env, wid)
    mark = orca.mark()
    subprocess.run(["xdotool", "type", "--delay", "20", "is there a dog"], env=orca.env, check=True)
    press(orca.env, "Return")
    app.wait_line(r"ask answered in")
    answer = latest_texts(orca, tmp_path / "data", 2)[-1]
    orca.wait_heard(answer, 5, mark)

    mark = orca.mark()
    press(orca.env, "ctrl+r")
    orca.wait_heard(answer, 5, mark)

    mark = orca.mark()
    press(orca.env, "ctrl+o")  # the file dialog, by keyboard: type the name, Enter
    wait_for_x(orca.env, lambda: _search(orca.env, "Open"), 30, "the file dialog")
    subprocess.run(["xdotool", "type", "--delay", "10", str(empty)], env=orca.env, check=True)
    press(orca.env, "Return")
    orca.wait_heard("is empty (0 bytes)", 10, mark)

    mark = orca.mark()
    press(orca.env, "ctrl+n")
    orca.wait_heard("New conversation", 5, mark)


def tab_stops(orca, count: int) -> list[list[str]]:
    """Press Tab ``count`` times, one at a time (Orca cuts its speech short at each key), and return
    what was spoken at each stop, without Orca's echo of the key itself."""
    stops = []
    for _ in range(count):
        mark = orca.mark()
        press(orca.env, "Tab")
        orca.wait_spoken(lambda s: [t for t in map(normalise, s) if t not in ("tab", "")], 5,
                         "something spoken at the Tab stop", mark)
        orca.settle()  # Orca speaks a stop in pieces (name, role, description)
        stops.append([t for t in map(normalise, orca.spoken_since(mark)) if t not in ("tab", "")])
    return stops


def test_a_tab_walk_never_speaks_a_bare_role_and_reads_the_status(orca, start):
    start()
    wid = wait_for_x(orca.env, lambda: _search(orca.env, "^BLIP Assistant$"), 30, "the app window")
    activate(orca.env, wid)
    stops = tab_stops(orca, 12)  # every stop of the main window, and round again
    assert all(set(stop) - BARE_ROLES for stop in stops), stops  # a name with every role
    spoken = [t for stop in stops for t in stop]
    assert any(t.startswith("status model ready on") for t in spoken), stops  # the status text, not just "Status"
    assert any("no conversation yet" in t for t in spoken), stops  # the empty list says so

    mark = orca.mark()
    press(orca.env, "ctrl+comma")
    orca.wait_heard("Settings dialog: model, answers, speech", 10, mark)  # its title and purpose, first
    stops = tab_stops(orca, 8)
    assert all(set(stop) - BARE_ROLES for stop in stops), stops
    assert "layered pane" not in [t for stop in stops for t in stop], stops
    # The page's name ("Model settings") is spoken as context only when Orca is not cut short by the next
    # Tab, so it is checked in tests/qt/test_settings_pages.py rather than here.


def test_a_streamed_answer_from_a_model_server_is_heard_from_its_first_sentence(orca, tmp_path):
    """Through a model server the answer streams: Orca speaks its first sentence while the rest is still
    on its way. The server is the scripted one of tests/fake_openai.py, which can hold an answer
    mid-stream on cue (vLLM itself is tested in tests/model_server)."""
    from fake_openai import FakeOpenAI  # tests/fake_openai.py

    picture = tmp_path / "photo.png"
    Image.effect_noise((80, 60), 70).convert("RGB").save(picture)
    with FakeOpenAI(["hold"], pieces=("A red ", "box. ", "It is ", "very small.")) as server:
        app = App(["--server", server.url, "--log-level", "info", "--no-hotkeys", str(picture)], orca.env)
        try:
            orca.wait_heard("will be sent to the model server", 30)  # where images go, said first
            heard = orca.wait_heard("A red box", 30)
            assert "very small" not in normalise(" ".join(orca.spoken())), heard  # the server still holds it
            mark = orca.mark()
            server.go_on.set()
            orca.wait_heard("It is very small", 15, mark)
            assert "a red box" not in normalise(" ".join(orca.spoken_since(mark)))  # the first sentence once
        finally:
            app.close()


def test_in_german_the_tab_walk_speaks_german_names_for_every_control(orca, tiny_model_dirs):
    """``--language de``: what Orca says at each Tab stop is the German name (Orca's own role words follow its locale)."""
    app = App(["--model", str(tiny_model_dirs["opt"]), "--log-level", "info", "--language", "de"], orca.env)
    try:
        app.wait_line(r"Modell bereit auf")
        orca.wait_heard("Modell bereit auf", 10)
        wid = wait_for_x(orca.env, lambda: _search(orca.env, "^BLIP Assistant$"), 30, "the app window")
        activate(orca.env, wid)
        stops = tab_stops(orca, 12)
        spoken = " | ".join(t for stop in stops for t in stop)
        assert all(set(stop) - BARE_ROLES for stop in stops), stops
        for german in ("bildschirm beschreiben", "aktives fenster beschreiben", "bild öffnen", "neues gespräch",
                       "letzte antwort wiederholen", "sprechen anhalten", "frage", "gespräch", "noch kein gespräch",
                       "status modell bereit auf"):
            assert german in spoken, (german, stops)
        for english in ("describe screen", "open image", "new conversation", "question", "no conversation yet"):
            assert english not in spoken, (english, stops)
    finally:
        app.close()


def _children_nice(pid: int) -> dict[int, int]:
    """Each child process of ``pid`` and its nice value, read from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # ppid
            found[int(stat.parent.name)] = int(fields[16])  # nice
    return found


def test_started_at_sign_in_it_is_minimised_loads_at_low_priority_and_orca_hears_ready(orca, tiny_model_dirs):
    import shlex
    import sys

    from assistant import APP_ID

    installed = subprocess.run([sys.executable, "-m", "assistant", "install-desktop", "--autostart"], env=orca.env,
                               capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stderr
    entry = Path(orca.env["XDG_CONFIG_HOME"]) / "autostart" / f"{APP_ID}.desktop"
    command = shlex.split(next(line[5:] for line in entry.read_text().splitlines() if line.startswith("Exec=")))
    assert command[-1] == "--autostart"  # what the desktop runs at sign-in: this installation, then the flag
    mark = orca.mark()
    app = App(["--autostart", "--model", str(tiny_model_dirs["opt"]), "--log-level", "info"], orca.env)
    try:
        app.wait_line(r"window shown minimised \(started at sign-in\)")
        orca.wait_heard("BLIP Assistant ready", 120, mark)
        assert not any("Model ready on" in said for said in orca.spoken_since(mark))  # one sentence, not two
        ids = subprocess.run(["xdotool", "search", "--name", "^BLIP Assistant$"], env=orca.env, capture_output=True,
                             text=True).stdout.split()
        states = [subprocess.run(["xprop", "-id", wid, "_NET_WM_STATE", "WM_STATE"], env=orca.env, capture_output=True,
                                 text=True).stdout for wid in ids]
        assert any("_NET_WM_STATE_HIDDEN" in state and "Iconic" in state for state in states), states
        assert _search(orca.env, "^BLIP Assistant$") is None  # nothing of it on the screen
        engines = {pid: nice for pid, nice in _children_nice(app.proc.pid).items()
                   if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")}
        assert len(engines) == 2 and set(engines.values()) == {19}, engines  # the model's process and the reader's
    finally:
        app.close()
