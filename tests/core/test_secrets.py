"""The API key in a real Secret Service (GNOME Keyring on a private D-Bus): kept there, read back by a new process."""

from __future__ import annotations

import subprocess
import sys

import keyring

from assistant.core.model.remote.secrets import ENV_KEY, SERVICE, api_key, store_api_key


def test_the_key_is_kept_in_the_secret_store_per_server_and_can_be_removed(real_keyring):
    assert store_api_key("https://gpu.school.example/v1", "s3cret-key") == ""
    read_back = subprocess.run(  # another process: the key is in the store, not in our memory
        [sys.executable, "-c", "from assistant.core.model.remote.secrets import api_key; "
         "print(api_key('https://gpu.school.example/other/v1'))"],
        capture_output=True, text=True, check=True, env={"DBUS_SESSION_BUS_ADDRESS": real_keyring, "PATH": "/usr/bin:/bin"})
    assert read_back.stdout.strip() == "s3cret-key"
    assert keyring.get_password(SERVICE, "https://gpu.school.example") == "s3cret-key"
    assert api_key("https://other.example/v1") == ""
    store_api_key("https://gpu.school.example/v1", "")
    assert api_key("https://gpu.school.example/v1") == ""


def test_the_environment_overrides_the_store(real_keyring, monkeypatch):
    store_api_key("https://gpu.school.example/v1", "from-the-store")
    monkeypatch.setenv(ENV_KEY, "from-the-environment")
    assert api_key("https://gpu.school.example/v1") == "from-the-environment"
