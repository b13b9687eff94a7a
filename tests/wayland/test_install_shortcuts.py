"""``install-shortcuts`` against the real gsettings and dconf, in a temporary dconf profile on a private bus."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import stop
from tests.secret_service import private_bus
from tests.wayland.conftest import need

MEDIA_KEYS = "org.gnome.settings-daemon.plugins.media-keys"
CUSTOM = f"{MEDIA_KEYS}.custom-keybinding"
ROOT = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/"
MINE = f"{ROOT}custom0/"


@pytest.fixture
def gnome(tmp_path):
    """(env, gsettings) for a dconf database of the test's own: a profile with one user database under tmp_path."""
    need("gsettings", "dbus-daemon", "/usr/libexec/dconf-service")
    if subprocess.run(["gsettings", "list-keys", MEDIA_KEYS], capture_output=True).returncode:
        need(f"the {MEDIA_KEYS} schema (gnome-settings-daemon-common)")
    profile = tmp_path / "profile"
    profile.write_text("user-db:user\n")
    with private_bus(tmp_path) as address:
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "DCONF_PROFILE": str(profile),
               "XDG_CONFIG_HOME": str(tmp_path / "config"), "GSETTINGS_BACKEND": "dconf",
               "XDG_CURRENT_DESKTOP": "ubuntu:GNOME", "XDG_RUNTIME_DIR": str(tmp_path)}
        service = subprocess.Popen(["/usr/libexec/dconf-service"], env=env, stderr=subprocess.DEVNULL)
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", "ca.desrt.dconf"], env=env, check=True)

        def gsettings(*args: str) -> str:
            done = subprocess.run(["gsettings", *args], env=env, capture_output=True, text=True, timeout=20)
            assert done.returncode == 0, done.stderr
            return done.stdout.strip()

        try:
            yield env, gsettings
        finally:
            stop(service)


def cli(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def listed(value: str) -> list[str]:
    return list(ast.literal_eval(value.removeprefix("@as ")))


def test_gnome_shortcuts_are_written_read_back_and_removed_leaving_the_users_own(gnome):
    env, gsettings = gnome
    # The user's own custom shortcut, and a key GNOME itself uses: both must stay as they are.
    gsettings("set", CUSTOM + ":" + MINE, "name", "'Mine'")
    gsettings("set", CUSTOM + ":" + MINE, "command", "'xterm'")
    gsettings("set", CUSTOM + ":" + MINE, "binding", "'<Control><Alt><Shift>w'")
    gsettings("set", MEDIA_KEYS, "custom-keybindings", f"['{MINE}']")
    gsettings("set", "org.gnome.desktop.wm.keybindings", "switch-to-workspace-1", "['<Primary><Alt><Shift>o']")

    done = cli(env, "install-shortcuts")  # the desktop from XDG_CURRENT_DESKTOP ("ubuntu:GNOME")
    assert done.returncode == 0, done.stderr
    assert "<Control><Alt><Shift>s: Describe the screen under the mouse pointer" in done.stdout
    assert "<Control><Alt><Shift>w is already used by your custom shortcut 'Mine'" in done.stderr
    assert "<Control><Alt><Shift>o is already used by org.gnome.desktop.wm.keybindings switch-to-workspace-1" \
        in done.stderr

    paths = listed(gsettings("get", MEDIA_KEYS, "custom-keybindings"))
    assert paths[0] == MINE and f"{ROOT}blip-assistant-describe-screen/" in paths
    assert f"{ROOT}blip-assistant-describe-window/" not in paths  # its key is the user's
    ours = f"{CUSTOM}:{ROOT}blip-assistant-describe-screen/"
    assert gsettings("get", ours, "binding") == "'<Control><Alt><Shift>s'"
    assert gsettings("get", ours, "command").strip("'").endswith(" trigger describe-screen")
    assert gsettings("get", ours, "name") == "'BLIP Assistant: Describe the screen under the mouse pointer'"
    assert gsettings("get", f"{CUSTOM}:{MINE}", "binding") == "'<Control><Alt><Shift>w'"

    again = cli(env, "install-shortcuts")  # twice is the same as once
    assert again.returncode == 0, again.stderr
    assert listed(gsettings("get", MEDIA_KEYS, "custom-keybindings")) == paths

    gone = cli(env, "install-shortcuts", "--uninstall")
    assert gone.returncode == 0, gone.stderr
    assert gone.stdout.startswith(f"Removed {len(paths) - 1} GNOME shortcuts")
    assert listed(gsettings("get", MEDIA_KEYS, "custom-keybindings")) == [MINE]
    assert gsettings("get", f"{CUSTOM}:{MINE}", "command") == "'xterm'"
    database = Path(env["XDG_CONFIG_HOME"]) / "dconf" / "user"
    assert b"blip-assistant" not in database.read_bytes()  # read back from disk: nothing of ours is left
    assert b"xterm" in database.read_bytes()


def test_sway_and_kde_get_the_lines_and_steps_to_add(tmp_path):
    env = {**os.environ, "XDG_CURRENT_DESKTOP": "sway"}
    done = cli(env, "install-shortcuts")
    assert done.returncode == 0, done.stderr
    assert "bindsym Ctrl+Alt+Shift+s exec " in done.stdout and " trigger describe-screen" in done.stdout
    kde = cli(env, "install-shortcuts", "--desktop", "kde")
    assert kde.returncode == 0 and "System Settings > Keyboard > Shortcuts" in kde.stdout
