"""The settings file: one file, read field by field, never silently lost, overridden by the command line."""

import json
import os
import stat
from dataclasses import replace

from assistant.cli import build_app_parser, settings_from_args
from assistant.config import AppearanceSettings, Settings, SpeechSettings, load_settings, save_settings, settings_path


def test_the_path_follows_blip_assistant_config(tmp_path, monkeypatch):
    monkeypatch.setenv("BLIP_ASSISTANT_CONFIG", str(tmp_path / "mine.json"))
    assert settings_path() == tmp_path / "mine.json"
    monkeypatch.delenv("BLIP_ASSISTANT_CONFIG")
    assert settings_path().name == "settings.json" and "blip-assistant" in str(settings_path())


def test_no_file_gives_the_defaults_silently(tmp_path):
    assert load_settings(tmp_path / "none.json") == (Settings(), [])


def test_saved_settings_come_back_and_the_file_is_private(tmp_path):
    path = tmp_path / "conf" / "settings.json"
    changed = replace(Settings(), speech=SpeechSettings(output="silent", rate=240, volume=0.5, auto_speak=False),
                      appearance=AppearanceSettings(theme="high_contrast", font_size=18))
    assert save_settings(changed, path) == []
    assert load_settings(path) == (changed, [])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_keys_from_a_newer_version_are_kept(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"plugins": {"x": 1}, "speech": {"rate": 220, "future_option": True}}))
    settings, messages = load_settings(path)
    assert settings.speech.rate == 220 and messages == []
    save_settings(settings, path)
    saved = json.loads(path.read_text())
    assert saved["plugins"] == {"x": 1}
    assert saved["speech"]["future_option"] is True and saved["speech"]["rate"] == 220


def test_one_bad_value_costs_only_itself_and_is_named(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({
        "speech": {"rate": 5, "volume": 0.4},
        "appearance": {"theme": "neon", "font_size": 20},
        "model": {"device": "tpu", "model": "/models/blip2"},
        "generation": {"max_new_tokens": "many"},
        "history": "yes",
    }))
    settings, messages = load_settings(path)
    assert settings.speech.rate == 190 and settings.speech.volume == 0.4
    assert settings.appearance == AppearanceSettings(theme="system", font_size=20)
    assert settings.model.device == "auto" and settings.model.model == "/models/blip2"
    assert settings.generation.max_new_tokens == 30 and settings.history == Settings().history
    text = " ".join(messages)
    for name in ("speech.rate", "appearance.theme", "model.device", "generation.max_new_tokens", "history section"):
        assert name in text
    assert all("\n" not in m for m in messages)


def test_an_unreadable_file_is_never_silently_overwritten(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{ this is not json")
    settings, messages = load_settings(path)
    assert settings == Settings() and "cannot be read" in messages[0]
    assert path.read_text() == "{ this is not json"  # loading never writes
    notes = save_settings(settings, path)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("settings.json.unreadable-")]
    assert len(kept) == 1 and kept[0].read_text() == "{ this is not json"
    assert str(kept[0]) in notes[0]
    assert load_settings(path) == (settings, [])


def test_the_command_line_overrides_the_file_for_this_session(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"speech": {"rate": 250, "output": "voice"}, "generation": {"max_new_tokens": 12}}))
    saved, _ = load_settings(path)
    args = build_app_parser().parse_args(["--rate", "150", "--high-contrast", "--no-hotkeys"])
    settings = settings_from_args(args, saved)
    assert settings.speech.rate == 150 and settings.speech.output == "voice"
    assert settings.generation.max_new_tokens == 12
    assert settings.appearance.theme == "high_contrast" and not settings.hotkeys.enabled
    assert load_settings(path)[0] == saved  # the file itself is unchanged


def test_a_file_from_an_earlier_version_gets_the_new_hotkeys_and_keeps_the_ones_turned_off(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"hotkeys": {"bindings": {"describe_screen": "<ctrl>+<alt>+<shift>+d", "ask": ""}}}))
    settings, messages = load_settings(path)
    bindings = settings.hotkeys.bindings
    assert messages == [] and bindings["describe_screen"] == "<ctrl>+<alt>+<shift>+d" and bindings["ask"] == ""
    assert bindings["describe_focus"] == "<ctrl>+<alt>+<shift>+f" and bindings["explore"] == "<ctrl>+<alt>+<shift>+e"
    assert load_settings(tmp_path / "none.json")[0].explore.area == "window"
