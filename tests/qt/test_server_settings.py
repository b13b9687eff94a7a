"""Choosing a model server in Settings: where images go is said once, the key stays out of the settings
file, and a streamed answer is spoken sentence by sentence as it arrives.

The server here is the scripted one of tests/core/fake_openai.py (the real vLLM is driven in
tests/model_server); the secret store is a real GNOME Keyring on a private D-Bus."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import SecretService
from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fake_openai import FakeOpenAI  # noqa: E402
from test_main_window import describe_file  # noqa: E402
from test_settings_dialog import open_dialog, press_ok  # noqa: E402
from test_settings_dialog import settings_window as settings_window  # noqa: E402 (a fixture)

from assistant.app import model_factory  # noqa: E402
from assistant.core.model.secrets import ENV_KEY, SERVICE  # noqa: E402


@pytest.fixture
def real_keyring(tmp_path, monkeypatch):
    from secret_service import secret_service  # tests/secret_service.py

    with secret_service(tmp_path) as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        monkeypatch.delenv(ENV_KEY, raising=False)
        previous = keyring.get_keyring()
        keyring.set_keyring(SecretService.Keyring())
        yield
        keyring.set_keyring(previous)


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
        before = len(notice)
        dialog = open_dialog(window, qtbot)
        qtbot.keyClick(dialog.tabs.tabBar(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.settings_controller.dialog is None)
        assert len([m for m in window.messages if "will be sent to the model server" in m]) == before
