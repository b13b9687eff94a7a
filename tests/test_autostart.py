"""Start with the desktop: each system's sign-in entry, written and read back, and `install-desktop --autostart`."""

import json
import os
import plistlib
import shlex
import subprocess
import sys

from assistant import APP_ID
from assistant.core.autostart import LaunchAgent, RunKey, XdgAutostart
from tests.test_packaging import tool


def test_the_xdg_entry_is_a_valid_desktop_file_that_starts_this_installation_hidden(tmp_path):
    autostart = XdgAutostart(tmp_path / "config")
    assert not autostart.enabled()
    autostart.enable(["/opt/blip assistant/bin/blip-assistant"])
    entry = tmp_path / "config" / "autostart" / f"{APP_ID}.desktop"
    assert autostart.enabled() and autostart.place == str(entry)
    validated = subprocess.run([tool("desktop-file-validate"), str(entry)], capture_output=True, text=True)
    assert validated.returncode == 0 and not validated.stdout.strip(), validated.stdout
    exec_line = next(line[5:] for line in entry.read_text().splitlines() if line.startswith("Exec="))
    assert shlex.split(exec_line) == ["/opt/blip assistant/bin/blip-assistant", "--autostart"]
    autostart.disable()
    assert not entry.exists() and not autostart.enabled()
    autostart.disable()  # twice: no error


def test_the_launch_agent_runs_at_load_at_low_priority(tmp_path):
    """launchd cannot run here: the plist is written for real and read back with plistlib."""
    agent = LaunchAgent(tmp_path)
    agent.enable(["/Applications/BLIP Assistant.app/Contents/MacOS/BLIP Assistant"])
    plist = plistlib.loads((tmp_path / "Library" / "LaunchAgents" / f"{APP_ID}.plist").read_bytes())
    assert plist["Label"] == APP_ID and plist["RunAtLoad"] is True and plist["LowPriorityIO"] is True
    assert plist["ProgramArguments"] == ["/Applications/BLIP Assistant.app/Contents/MacOS/BLIP Assistant", "--autostart"]
    agent.disable()
    assert not agent.enabled()


class FakeRegistry:
    """A fake: the Windows registry (winreg) cannot run here. It holds the Run key's values."""

    def __init__(self):
        self.values = {}

    def get(self, name):
        return self.values.get(name)

    def set(self, name, value):
        self.values[name] = value

    def delete(self, name):
        self.values.pop(name, None)


def test_the_run_key_holds_one_quoted_command_line():
    registry = FakeRegistry()
    run_key = RunKey(registry)
    run_key.enable([r"C:\Program Files\BLIP Assistant\BLIP Assistant.exe"])
    assert registry.values == {"BLIP Assistant": r'"C:\Program Files\BLIP Assistant\BLIP Assistant.exe" --autostart'}
    assert run_key.enabled()
    run_key.disable()
    assert not run_key.enabled()


def test_install_desktop_autostart_writes_the_entry_and_the_setting_and_uninstall_removes_both(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "BLIP_ASSISTANT_CONFIG": str(tmp_path / "settings.json")}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "assistant", "install-desktop", *args], capture_output=True,
                              text=True, env=env, timeout=120)

    entry = tmp_path / "config" / "autostart" / f"{APP_ID}.desktop"
    assert cli().returncode == 0 and not entry.exists()  # off unless asked
    result = cli("--autostart")
    assert result.returncode == 0, result.stderr
    assert f"It starts when you sign in: {entry}" in result.stdout
    assert "--autostart" in entry.read_text()
    assert json.loads((tmp_path / "settings.json").read_text())["desktop"]["start_at_login"] is True
    assert cli("--uninstall").returncode == 0
    assert not entry.exists()
    assert json.loads((tmp_path / "settings.json").read_text())["desktop"]["start_at_login"] is False


def test_the_windows_installer_writes_the_same_run_value_as_settings():
    from pathlib import Path

    from assistant.core.autostart import RUN_KEY

    iss = (Path(__file__).resolve().parents[1] / "packaging" / "windows" / "blip-assistant.iss").read_text()
    line = next(line for line in iss.splitlines() if line.startswith("Root: HKCU") and "Tasks: startup" in line)
    assert f'Subkey: "{RUN_KEY}"' in line and 'ValueName: "BLIP Assistant"' in line
    assert 'ValueData: """{app}\\{#AppExe}"" --autostart"' in line and "uninsdeletevalue" in line
