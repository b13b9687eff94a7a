import json

from assistant.config import load_settings
from assistant.core.hotkeys.bindings import ACTIONS, DEFAULT_BINDINGS, RESERVED, check_bindings, describe_binding, parse_binding


def test_defaults_cover_every_action_are_valid_distinct_and_clash_with_nothing_known():
    assert set(DEFAULT_BINDINGS) == set(ACTIONS)
    usable, problems = check_bindings(DEFAULT_BINDINGS)
    assert problems == [] and usable == DEFAULT_BINDINGS
    assert not {parse_binding(b) for b in DEFAULT_BINDINGS.values()} & set(RESERVED)


def test_invalid_reserved_duplicate_and_unknown_bindings_are_reported_not_fatal():
    usable, problems = check_bindings({
        "describe_screen": "<ctrl>+<alt>+<shift>+s",
        "describe_window": "<ctrl>+<alt>+<shift>+s",  # duplicate
        "repeat": "<ctrl>+<alt>+<shift>+r",  # GNOME's screen recorder
        "stop": "<ctrl>+<bogus>",  # invalid
        "ask": "x",  # no modifier: would swallow typing
        "cycle_preset": "",  # turned off
        "teleport": "<ctrl>+<alt>+t",
    })
    assert usable == {"describe_screen": "<ctrl>+<alt>+<shift>+s"}
    text = " ".join(p.message for p in problems)
    assert "given to both describe_screen and describe_window" in text
    assert "GNOME (screen recording)" in text and "invalid" in text and "swallow ordinary typing" in text
    assert "no action called 'teleport'" in text and len(problems) == 5


def test_bindings_read_out_for_help():
    assert describe_binding("<ctrl>+<alt>+<shift>+s") == "Ctrl+Alt+Shift+S"
    assert describe_binding("<ctrl>+<f5>") == "Ctrl+F5"


def load_hotkeys(path):
    settings, messages = load_settings(path)
    return settings.hotkeys, messages


def test_settings_file_overrides_and_turns_off_and_bad_files_fall_back(tmp_path):
    path = tmp_path / "settings.json"
    assert load_hotkeys(path)[0].bindings == DEFAULT_BINDINGS  # no file: defaults, no message
    path.write_text(json.dumps({"hotkeys": {"bindings": {"repeat": "<ctrl>+<alt>+<shift>+y", "ask": ""}}}))
    hotkeys, messages = load_hotkeys(path)
    assert hotkeys.bindings["repeat"] == "<ctrl>+<alt>+<shift>+y" and hotkeys.bindings["ask"] == ""
    assert hotkeys.bindings["describe_screen"] == DEFAULT_BINDINGS["describe_screen"] and messages == []
    path.write_text("{ not json")
    hotkeys, messages = load_hotkeys(path)
    assert hotkeys.bindings == DEFAULT_BINDINGS and "cannot be read" in messages[0]
    assert path.read_text() == "{ not json"  # never overwritten


def test_settings_say_why_a_recorded_hotkey_cannot_be_used():
    from assistant.core.hotkeys.bindings import problem_with

    assert problem_with("repeat", "<ctrl>+<alt>+<shift>+y", DEFAULT_BINDINGS) == ""
    assert "describe the screen" in problem_with("repeat", "<ctrl>+<alt>+<shift>+s", DEFAULT_BINDINGS)
    assert problem_with("describe_screen", "<ctrl>+<alt>+<shift>+s", DEFAULT_BINDINGS) == ""  # its own key
    assert "GNOME" in problem_with("repeat", "<ctrl>+<alt>+<shift>+r", DEFAULT_BINDINGS)
    assert "cannot be a hotkey" in problem_with("repeat", "<shift>+y", DEFAULT_BINDINGS)
