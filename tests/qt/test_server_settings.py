"""Choosing a model server in Settings: where images go is said once, the key stays out of the settings
file, and a streamed answer is spoken sentence by sentence as it arrives.

The server here is the scripted one of tests/fake_openai.py (the real vLLM is driven in
tests/model_server); the secret store is a real GNOME Keyring on a private D-Bus."""

from __future__ import annotations

import json

import keyring
from fake_openai import FakeOpenAI
from PySide6.QtCore import Qt
from test_main_window import describe_file
from test_settings_dialog import open_dialog, press_ok
from test_settings_dialog import settings_window as settings_window  # a fixture

from assistant.app import model_factory
from assistant.core.model.remote.secrets import SERVICE


def test_a_server_chosen_in_settings_is_announced_its_key_kept_safe_and_answers_streamed(
        settings_window, real_keyring, picture_file, qtbot):
    window = settings_window
    local_factory = window.settings_controller.factory_for
    window.settings_controller.factory_for = lambda s: model_factory(s) if s.model.backend == "server" else local_factory(s)
    with FakeOpenAI(["stream"] * 3, pieces=("A red ", "box. ", "It is ", "small.")) as server:
        dialog = open_dialog(window, qtbot)
        dialog.backend.setCurrentIndex(dialog.backend.findData("server"))
        assert dialog.server_url.isEnabled() and not dialog.device.isEnabled()
        dialog.server_url.setText(server.url)
        dialog.api_key.setFocus()
        qtbot.keyClicks(dialog.api_key, "s3cret-key")
        with qtbot.waitSignal(window.service.ready, timeout=30_000):
            press_ok(dialog)
        notice = [m for m in window.messages if "will be sent to the model server" in m]
        assert len(notice) == 1 and server.url in notice[0]
        assert notice[0] in " ".join(window.speaker.said)  # said, not only shown
        text = window.config.read_text()
        assert "s3cret-key" not in text
        saved = json.loads(text)["model"]
        assert (saved["backend"], saved["server_url"], saved["server_notice_given"]) == ("server", server.url, server.url)
        assert keyring.get_password(SERVICE, server.url.removesuffix("/v1")) == "s3cret-key"
        window.speaker.said.clear()
        caption = describe_file(window, qtbot, picture_file)
        assert caption == "A red box. It is small."
        assert "A red box." in window.speaker.said  # the first sentence, on its own, before the answer ended
        assert window.speaker.said[-1].endswith("It is small.")
        assert window.service.info.device == "server"
        # Settings again, without changing the server: no second notice.
        before = len([m for m in window.messages if "will be sent to the model server" in m])
        dialog = open_dialog(window, qtbot)
        qtbot.keyClick(dialog.tabs.tabBar(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.settings_controller.dialog is None)
        assert len([m for m in window.messages if "will be sent to the model server" in m]) == before


def test_a_refused_server_address_keeps_the_dialog_open_and_is_said(settings_window, qtbot):
    """OK with plain http to another computer: nothing is applied or lost, the reason is spoken, the address
    field has the focus; every server control is named and reached by Tab."""
    from PySide6.QtGui import QAccessible
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    window = settings_window
    dialog = open_dialog(window, qtbot)
    dialog.backend.setCurrentIndex(dialog.backend.findData("server"))
    dialog.server_url.setText("http://192.0.2.7:8000")
    press_ok(dialog)
    assert window.settings_controller.dialog is dialog and dialog.isVisible()
    said = " ".join(window.speaker.said)
    assert "Not applied: http://192.0.2.7:8000/v1 is plain http" in said
    assert QApplication.focusWidget() is dialog.server_url and dialog.server_url.text() == "http://192.0.2.7:8000"
    assert not window.config.exists()  # nothing was saved
    reached = set()
    for _ in range(12):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.add(id(QApplication.focusWidget()))
    for widget in (dialog.server_url, dialog.server_model, dialog.api_key, dialog.server_timeout, dialog.allow_http):
        assert QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name).strip()
        assert id(widget) in reached or widget is dialog.server_url, widget.accessibleName()
    dialog.allow_http.setChecked(True)
    press_ok(dialog)
    qtbot.waitUntil(lambda: window.settings_controller.dialog is None)
    assert json.loads(window.config.read_text())["model"]["allow_http"] is True
