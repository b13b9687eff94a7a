"""Global hotkeys for real: pynput on Xvfb, keys pressed by xdotool while another app has focus."""

import json
import subprocess

import pytest

from tests.xscreen.conftest import _search, wait_for_x
from tests.xscreen.test_app_on_x import App

KEYS = {  # the default bindings, in xdotool's spelling
    "describe_screen": "ctrl+alt+shift+s", "describe_window": "ctrl+alt+shift+w", "describe_clipboard": "ctrl+alt+shift+v",
    "ask": "ctrl+alt+shift+a", "stop": "ctrl+alt+shift+x", "repeat": "ctrl+alt+shift+g", "cycle_preset": "ctrl+alt+shift+p",
    "describe_focus": "ctrl+alt+shift+f", "describe_pointer": "ctrl+alt+shift+o",
}


@pytest.fixture
def start_app(xserver, tiny_model_dirs, tmp_path):
    apps = []

    def start(settings: dict | None = None, *extra):
        env, _ = xserver
        config = tmp_path / "settings.json"
        config.write_text(json.dumps(settings or {}))
        env = {**env, "BLIP_ASSISTANT_CONFIG": str(config), "HF_HUB_OFFLINE": "1"}
        app = App(["--model", str(tiny_model_dirs["opt"]), "--log-level", "info", "--speech", "silent", *extra], env)
        apps.append(app)
        return app, env

    yield start
    for app in apps:
        app.close()


def press(env, *keys, delay=12):
    subprocess.run(["xdotool", "key", "--clearmodifiers", "--delay", str(delay), *keys], env=env, check=True)


def test_every_action_fires_in_the_gui_thread_from_another_app(start_app, helper_window):
    app, env = start_app()
    app.wait_line(r"global hotkeys: ")
    app.wait_line(r"Model ready on")
    wait_for_x(env, lambda: _search(env, "^BLIP Assistant$"), 30, "the app window")
    for action, key in KEYS.items():
        subprocess.run(["xdotool", "windowactivate", "--sync", helper_window], env=env, check=True)
        press(env, key)
        app.wait_line(rf"\[MainThread\] assistant\.qt\.conversation_controller: action {action}$")
        if action in ("describe_screen", "describe_window"):
            m = app.wait_line(rf"action {action}: captured in (\d+) ms, answered in (\d+) ms")
            assert int(m.group(1)) <= int(m.group(2))
    app.wait_line(r"Preset: detailed\.")
    app.wait_line(r"clipboard holds no image|nothing on the clipboard")


def test_twenty_presses_in_a_burst_give_one_answer_and_no_error(start_app, helper_window):
    app, env = start_app()
    app.wait_line(r"global hotkeys: ")
    app.wait_line(r"Model ready on")
    press(env, *[KEYS["describe_screen"]] * 20, delay=0)
    app.wait_line(r"action describe_screen: captured in")
    press(env, KEYS["cycle_preset"])  # a marker: every earlier event has been handled once this is seen
    app.wait_line(r"Preset: detailed\.")
    assert sum("action describe_screen: captured in" in line for line in app.lines) == 1
    assert sum("caption answered in" in line for line in app.lines) == 1
    assert not [line for line in app.lines if line.startswith(("ERROR", "Traceback"))]


def test_a_hotkey_before_the_model_is_ready_waits_then_runs(start_app, helper_window):
    app, env = start_app(None, "--log-level", "debug")  # debug: the grab says where it moves
    app.wait_line(r"global hotkeys: ")
    # Our window appears and takes the focus, and the grab follows it: press once the grab is on the other
    # app's window (a press in the moment the focus moves reaches neither the old window's grab nor the new one's).
    wait_for_x(env, lambda: _search(env, "^BLIP Assistant$"), 30, "the app window")
    subprocess.run(["xdotool", "windowactivate", "--sync", helper_window], env=env, check=True, timeout=30)
    focus = int(subprocess.run(["xdotool", "getwindowfocus"], env=env, capture_output=True, text=True,
                               check=True).stdout)
    app.wait_until(lambda lines: f"hotkeys grabbed on window {focus:#x}" in
                   ([line for line in lines if "hotkeys grabbed on window" in line] or [""])[-1],
                   30, "the hotkeys' grab to follow the focus to the other app")
    loaded = any("Model ready" in line for line in app.lines)
    press(env, KEYS["describe_screen"])
    app.wait_line(r"action describe_screen: captured in \d+ ms, answered in \d+ ms", 120)  # it ran once ready
    lines = "\n".join(app.lines)
    if not loaded and "The caption follows when the model is ready" in lines:  # the text was read while it loaded
        assert lines.index("The caption follows") < lines.index("Model ready on")
        assert lines.index("said: Text on screen:") < lines.index("The caption follows")


def test_invalid_and_conflicting_bindings_are_reported_and_the_rest_work(start_app, helper_window):
    settings = {"hotkeys": {"bindings": {"describe_window": "<ctrl>+<alt>+<shift>+s", "stop": "<ctrl>+<nope>",
                                         "repeat": "<ctrl>+<alt>+<shift>+r"}}}
    app, env = start_app(settings)
    app.wait_line(r"given to both describe_screen and describe_window")
    app.wait_line(r"is invalid")
    app.wait_line(r"GNOME \(screen recording\)")
    app.wait_line(r"Model ready on")
    press(env, KEYS["describe_screen"])
    app.wait_line(r"action describe_screen: captured in")
    assert app.proc.poll() is None


def test_a_hotkey_recorded_in_settings_works_at_once_without_a_restart(start_app, helper_window, tmp_path):
    """All by real key presses: Ctrl+, opens Settings, Ctrl+Tab to Hotkeys, Tab to Repeat, record, OK."""
    app, env = start_app()
    app.wait_line(r"global hotkeys: ")
    app.wait_line(r"Model ready on")
    wid = wait_for_x(env, lambda: _search(env, "^BLIP Assistant$"), 30, "the app window")
    subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=env, check=True)
    press(env, "ctrl+comma")
    dialog = wait_for_x(env, lambda: _search(env, "^Settings$"), 30, "the Settings dialog")
    wait_for_x(env, lambda: subprocess.run(["xdotool", "getactivewindow"], env=env, capture_output=True,
                                           text=True).stdout.strip() == dialog, 20, "Settings to have focus")
    press(env, KEYS["cycle_preset"])  # global hotkeys are paused while Settings is open: heard, ignored
    press(env, "ctrl+Tab", "ctrl+Tab", "ctrl+Tab")  # Model, Answers, Speech, Hotkeys
    # the on/off box, then describe screen, window, clipboard, focused control, pointer, explore, watch,
    # what changed, ask, stop, repeat
    press(env, *["Tab"] * 12)
    press(env, "space", "ctrl+alt+shift+y")
    press(env, "alt+o")  # OK
    app.wait_line(r"Settings applied\.")
    app.wait_line(r"global hotkeys: .*repeat=Ctrl\+Alt\+Shift\+Y")
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert saved["hotkeys"]["bindings"]["repeat"] == "<ctrl>+<alt>+<shift>+y"
    subprocess.run(["xdotool", "windowactivate", "--sync", helper_window], env=env, check=True)
    press(env, "ctrl+alt+shift+y")
    app.wait_line(r"action repeat$")
    press(env, KEYS["repeat"], KEYS["cycle_preset"])  # the old key, then a marker
    app.wait_line(r"Preset: detailed\.")  # "detailed", not "visible text": the press in Settings did nothing
    assert sum(line.endswith("action repeat") for line in app.lines) == 1
    assert sum("Preset: " in line for line in app.lines) == 1
