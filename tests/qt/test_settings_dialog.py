"""The settings dialog by keyboard: every control named and reachable, hotkeys recorded, changes live and saved."""

import json

import pytest
from conftest import answer_shown  # tests/qt/conftest.py
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from assistant.config import AppearanceSettings, GenerationSettings, ModelSettings, Settings, SpeechSettings
from assistant.core.speech import SilentSpeaker
from assistant.qt.settings_controller import apply_appearance
from assistant.qt.settings_dialog import LOCAL

CTRL_ALT_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def settings_window(make_window, qtbot, tiny_model_dirs, tmp_path, monkeypatch):
    from conftest import tiny_factory  # tests/qt/conftest.py

    config = tmp_path / "settings.json"
    monkeypatch.setenv("BLIP_ASSISTANT_CONFIG", str(config))
    settings = Settings(model=ModelSettings(model=str(tiny_model_dirs["opt"]), cpu_precision="fp32"),
                        generation=GenerationSettings(max_new_tokens=8), speech=SpeechSettings(output="silent"))

    def factory_for(s: Settings):
        return tiny_factory(s.model.model, max_new_tokens=s.generation.max_new_tokens)

    window = make_window(settings=settings, factory_for=factory_for, min_new_tokens=8)  # every answer 8 tokens long
    if not window.service.is_ready:
        with qtbot.waitSignal(window.service.ready, timeout=120_000):
            pass
    window.config = config
    yield window
    apply_appearance(AppearanceSettings())  # the next test gets the system look back


def answer_length(window, qtbot, picture_file) -> int:
    """How many tokens the model answers with now (what the user hears is that long)."""
    answers = []
    window.service.answered.connect(lambda _id, answer: answers.append(answer))
    with answer_shown(window, qtbot, timeout=60_000):
        window.open_path(str(picture_file))
    return len(answers[-1].tokens)


def open_dialog(window, qtbot):
    window.activateWindow()
    window.actions_by_name["settings"].trigger()
    dialog = window.settings_controller.dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.activateWindow()  # a window manager does this; the offscreen platform needs asking
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def test_every_control_is_named_and_reachable_with_tab(settings_window, qtbot):
    dialog = open_dialog(settings_window, qtbot)
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        page = dialog.tabs.currentWidget()
        controls = [w for w in page.findChildren(QWidget) if w.isVisible() and w.isEnabled()
                    and w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.parent() is not None
                    and not w.parent().inherits("QAbstractSpinBox") and not w.parent().inherits("QComboBox")]
        assert controls, dialog.tabs.tabText(index)
        tab = dialog.tabs.tabText(index)
        for widget in controls:
            accessible = QAccessible.queryAccessibleInterface(widget)
            assert accessible.text(QAccessible.Text.Name).strip(), f"unnamed {type(widget).__name__} on {tab}"
        dialog.tabs.tabBar().setFocus()
        reached = set()
        for _ in range(len(controls) + 8):  # Tab through the page, the buttons and back
            QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            focused = QApplication.focusWidget()
            reached |= {id(w) for w in controls if w is focused or w.isAncestorOf(focused)}
        missing = [w.accessibleName() for w in controls if id(w) not in reached]
        assert not missing, f"Tab never reaches {missing} on {dialog.tabs.tabText(index)}"


def press_ok(dialog):
    """Enter where no button has focus presses OK (on a focused button, Enter presses that button)."""
    dialog.tabs.tabBar().setFocus()
    QTest.keyClick(dialog.tabs.tabBar(), Qt.Key.Key_Return)


def record(button, key, modifiers=CTRL_ALT_SHIFT):
    button.setFocus()
    QTest.keyClick(button, Qt.Key.Key_Space)
    assert button.recording
    QTest.keyClick(button, key, modifiers)


def test_hotkeys_are_recorded_by_pressing_them_and_conflicts_are_refused(settings_window, qtbot):
    dialog = open_dialog(settings_window, qtbot)
    dialog.tabs.setCurrentIndex(3)
    repeat = dialog.hotkey_buttons["repeat"]
    record(repeat, Qt.Key.Key_Y)
    assert repeat.binding == "<ctrl>+<alt>+<shift>+y" and "Ctrl+Alt+Shift+Y" in repeat.accessibleName()
    record(repeat, Qt.Key.Key_S)  # taken by "describe the screen"
    assert repeat.binding == "<ctrl>+<alt>+<shift>+y" and "describe the screen" in dialog.hotkey_note.text()
    record(repeat, Qt.Key.Key_R)  # GNOME's screen recorder
    assert repeat.binding == "<ctrl>+<alt>+<shift>+y" and "GNOME" in dialog.hotkey_note.text()
    record(repeat, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    assert repeat.binding == "<ctrl>+<alt>+<shift>+y" and not repeat.recording
    stop = dialog.hotkey_buttons["stop"]
    record(stop, Qt.Key.Key_Backspace, Qt.KeyboardModifier.NoModifier)
    assert stop.binding == "" and stop.text().endswith(": off")
    record(stop, Qt.Key.Key_F9, Qt.KeyboardModifier.ControlModifier)
    assert stop.binding == "<ctrl>+<f9>"
    press_ok(dialog)
    saved = json.loads(settings_window.config.read_text())["hotkeys"]["bindings"]
    assert saved["repeat"] == "<ctrl>+<alt>+<shift>+y" and saved["stop"] == "<ctrl>+<f9>"


def test_ok_applies_at_once_and_saves(settings_window, qtbot, picture_file):
    dialog = open_dialog(settings_window, qtbot)
    dialog.max_tokens.setValue(6)
    dialog.theme.setCurrentIndex(dialog.theme.findData("high_contrast"))
    dialog.font_size.setValue(20)
    dialog.auto_speak.setChecked(False)
    dialog.history_on.setChecked(False)
    press_ok(dialog)
    qtbot.waitUntil(lambda: settings_window.settings_controller.dialog is None)
    app = QApplication.instance()
    assert app.palette().color(QPalette.ColorRole.Window).name() == "#000000" and app.font().pointSize() == 20
    assert settings_window.history is None
    assert isinstance(settings_window.speaker, SilentSpeaker)
    assert any("Settings applied" in m for m in settings_window.messages)
    settings_window.speaker.said.clear()
    assert answer_length(settings_window, qtbot, picture_file) <= 6
    assert not any(settings_window.controller.last_answer() in m for m in settings_window.speaker.said)  # not said
    saved = json.loads(settings_window.config.read_text())
    assert saved["generation"]["max_new_tokens"] == 6 and saved["appearance"] == {"theme": "high_contrast", "font_size": 20}


def test_cancel_changes_nothing(settings_window, qtbot, picture_file):
    dialog = open_dialog(settings_window, qtbot)
    dialog.max_tokens.setValue(6)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: settings_window.settings_controller.dialog is None)
    assert not settings_window.config.exists()
    assert answer_length(settings_window, qtbot, picture_file) == 8


def test_another_model_loads_in_the_worker_with_progress(settings_window, tiny_model_dirs, qtbot):
    dialog = open_dialog(settings_window, qtbot)
    dialog.model_choice.setCurrentIndex(dialog.model_choice.findData(LOCAL))
    assert dialog.folder.isEnabled()
    dialog.folder.setText(str(tiny_model_dirs["t5"]))
    stages = []
    settings_window.service.progress.connect(lambda p: stages.append(p.stage))
    with qtbot.waitSignal(settings_window.service.ready, timeout=120_000) as ready:
        dialog.buttons_apply.click()
    assert ready.args[0].family == "t5" and "loading weights" in stages
    assert any(f"Loading {tiny_model_dirs['t5']}" in m for m in settings_window.messages)
    with answer_shown(settings_window, qtbot, timeout=60_000):
        settings_window.describe("screen")


def test_voices_are_listed_only_when_a_voice_will_speak(settings_window, qtbot):
    import shutil

    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed")
    dialog = open_dialog(settings_window, qtbot)
    dialog.tabs.setCurrentIndex(2)  # Speech, with output "silent": no engine is started for nothing
    assert dialog.voice.count() == 1
    dialog.output.setCurrentIndex(dialog.output.findData("voice"))
    assert dialog.voice.count() > 10  # espeak-ng's voices
    dialog.voice.setCurrentIndex(dialog.voice.count() - 1)
    chosen = dialog.voice.currentData()
    press_ok(dialog)
    assert json.loads(settings_window.config.read_text())["speech"]["voice"] == chosen


def test_command_line_overrides_are_not_saved_unless_changed_in_the_dialog(settings_window, qtbot):
    from dataclasses import replace

    controller = settings_window.settings_controller
    on_disk = controller.settings
    controller.saved = on_disk  # the file, as cli.main passes it
    controller.settings = replace(on_disk, speech=replace(on_disk.speech, rate=300))  # e.g. --rate 300 for this run
    dialog = open_dialog(settings_window, qtbot)
    dialog.font_size.setValue(16)
    press_ok(dialog)
    saved = json.loads(settings_window.config.read_text())
    assert saved["appearance"]["font_size"] == 16 and saved["speech"]["rate"] == on_disk.speech.rate


def test_a_new_rate_reuses_the_running_voice(settings_window, qtbot):
    from assistant.qt.speakers import voice_of

    dialog = open_dialog(settings_window, qtbot)
    dialog.output.setCurrentIndex(dialog.output.findData("voice"))
    press_ok(dialog)
    qtbot.waitUntil(lambda: settings_window.settings_controller.dialog is None)
    voice = voice_of(settings_window.speaker)
    assert voice is not None
    dialog = open_dialog(settings_window, qtbot)
    dialog.rate.setValue(260)
    press_ok(dialog)
    assert voice_of(settings_window.speaker) is voice and voice.settings.rate == 260  # no new engine, no new threads


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_each_alt_letter_leads_to_one_control_on_every_tab(settings_window, qtbot, language):
    """Two controls on one Alt+letter make Qt cycle between them instead of acting: a keyboard trap (in every language)."""

    from assistant import i18n

    i18n.install(language)
    try:
        _each_alt_letter_leads_to_one_control(settings_window, qtbot)
    finally:
        i18n.install("en")


def _each_alt_letter_leads_to_one_control(settings_window, qtbot):
    from PySide6.QtWidgets import QAbstractButton, QLabel

    def letter(text: str) -> str | None:
        i = text.replace("&&", "").find("&")
        return text.replace("&&", "")[i + 1].lower() if i >= 0 else None

    dialog = open_dialog(settings_window, qtbot)
    always = [letter(dialog.tabs.tabText(i)) for i in range(dialog.tabs.count())]
    always += [letter(b.text()) for b in dialog.findChildren(QAbstractButton) if b.parent().inherits("QDialogButtonBox")]
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        page = dialog.tabs.currentWidget()
        here = [letter(w.text()) for w in page.findChildren(QLabel) + page.findChildren(QAbstractButton) if w.isVisible()]
        letters = [c for c in always + here if c]
        assert len(letters) == len(set(letters)), f"{dialog.tabs.tabText(index)}: {sorted(letters)}"


def test_the_idle_time_to_free_memory_applies_without_reloading_the_model(settings_window, qtbot):
    loads = []
    settings_window.service.progress.connect(loads.append)
    dialog = open_dialog(settings_window, qtbot)
    dialog.unload_after.setValue(15)
    press_ok(dialog)
    qtbot.waitUntil(lambda: settings_window.settings_controller.dialog is None)
    assert 15 * 60 - 10 < settings_window.service.unload_in_s <= 15 * 60 + 1
    assert loads == [] and settings_window.model_state.text().startswith("Model: ready")  # not reloaded for this
    assert json.loads(settings_window.config.read_text())["model"]["unload_after_minutes"] == 15


def test_global_hotkeys_pause_while_settings_are_open(settings_window, qtbot):
    hotkeys = settings_window.hotkeys
    assert hotkeys.press("cycle_preset") and settings_window.messages[-1] == "Preset: detailed."
    dialog = open_dialog(settings_window, qtbot)
    assert not hotkeys.press("cycle_preset")  # recording Ctrl+Alt+Shift+P must not also switch the preset
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: settings_window.settings_controller.dialog is None)
    assert hotkeys.press("cycle_preset") and settings_window.messages[-1] == "Preset: visible text."


def test_start_when_i_sign_in_writes_the_desktops_entry_and_turning_it_off_removes_it(settings_window, qtbot, tmp_path,
                                                                                      monkeypatch):
    from assistant import APP_ID

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    entry = tmp_path / "config" / "autostart" / f"{APP_ID}.desktop"
    for on in (True, False):
        dialog = open_dialog(settings_window, qtbot)
        general = next(i for i in range(dialog.tabs.count()) if dialog.tabs.tabText(i) == "General")
        dialog.tabs.setCurrentIndex(general)
        assert dialog.start_at_login.isChecked() is not on  # off by default
        dialog.start_at_login.setChecked(on)
        press_ok(dialog)
        qtbot.waitUntil(lambda: settings_window.settings_controller.dialog is None)
        assert entry.exists() is on
        said = "BLIP Assistant starts when you sign in." if on else "BLIP Assistant no longer starts when you sign in."
        assert said in settings_window.messages[-1]
        assert json.loads(settings_window.config.read_text())["desktop"]["start_at_login"] is on
    assert "--autostart" not in (entry.read_text() if entry.exists() else "")
