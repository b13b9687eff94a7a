r"""Start with the desktop: the sign-in entry of each system, behind one small interface.

- Linux (and the BSDs): an XDG autostart entry, ``~/.config/autostart/<APP_ID>.desktop``
  (the Desktop Application Autostart Specification, honoured by GNOME, KDE, Xfce, LXQt, sway
  with ``dex``...).
- Windows: a value in ``HKCU\Software\Microsoft\Windows\CurrentVersion\Run`` (per user, no
  rights needed; Settings, Apps, Startup lists it and can turn it off).
- macOS: a LaunchAgent, ``~/Library/LaunchAgents/<APP_ID>.plist``, run at load, at low priority.

Each starts the app with ``--autostart``: hidden (minimised), its model loaded at the lowest
priority, and "BLIP Assistant ready" said once it is. No Qt here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Protocol

from assistant import APP_ID, APP_NAME

FLAG = "--autostart"


def launch_command() -> list[str]:
    """The command that starts this installation (its script, the one on PATH, or ``python -m assistant``)."""
    script = Path(sys.argv[0])
    if script.name in ("blip-assistant", "blip-assistant.exe") and script.is_file():
        return [str(script.resolve())]
    if getattr(sys, "frozen", False):  # the PyInstaller bundle
        return [sys.executable]
    found = shutil.which("blip-assistant")
    return [found] if found else [sys.executable, "-m", "assistant"]


def desktop_quote(arg: str) -> str:
    """One argument quoted as the desktop entry specification says for Exec."""
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped}"'


class Autostart(Protocol):
    """Whether the app starts when the user signs in; ``place`` says where that is kept, for the user."""

    place: str

    def enabled(self) -> bool: ...

    def enable(self, command: list[str]) -> None:
        """Start ``command`` + ``--autostart`` at sign-in (OSError when it cannot be written)."""

    def disable(self) -> None: ...


class XdgAutostart:
    """``$XDG_CONFIG_HOME/autostart/<APP_ID>.desktop``."""

    def __init__(self, config_home: Path | None = None):
        home = config_home or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        self.path = home / "autostart" / f"{APP_ID}.desktop"
        self.place = str(self.path)

    def enabled(self) -> bool:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return False
        return "\nHidden=true" not in text and "X-GNOME-Autostart-enabled=false" not in text

    def enable(self, command: list[str]) -> None:
        exec_line = " ".join(desktop_quote(part) for part in [*command, FLAG])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(
            "[Desktop Entry]\nType=Application\n"
            f"Name={APP_NAME}\nComment=Starts hidden and says when it is ready\nExec={exec_line}\nIcon={APP_ID}\n"
            "Terminal=false\nNoDisplay=true\nX-GNOME-Autostart-enabled=true\nX-GNOME-Autostart-Delay=5\n"
            "X-KDE-autostart-phase=2\n", encoding="utf-8")
        os.replace(partial, self.path)

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


class LaunchAgent:
    """``~/Library/LaunchAgents/<APP_ID>.plist``: run at load, with low CPU and disk priority."""

    def __init__(self, home: Path | None = None):
        self.path = (home or Path.home()) / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
        self.place = str(self.path)

    def enabled(self) -> bool:
        return self.path.is_file()

    def enable(self, command: list[str]) -> None:
        import plistlib

        agent = {"Label": APP_ID, "ProgramArguments": [*command, FLAG], "RunAtLoad": True, "ProcessType": "Interactive",
                 "LowPriorityIO": True, "Nice": 10}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(plistlib.dumps(agent))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


class Registry(Protocol):
    """The few calls of ``winreg`` used here, on HKEY_CURRENT_USER's Run key."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


class WinRegistry:
    """The real Run key through ``winreg`` (Windows only)."""

    def get(self, name: str) -> str | None:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                return str(winreg.QueryValueEx(key, name)[0])
        except OSError:
            return None

    def set(self, name: str, value: str) -> None:
        import winreg

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)

    def delete(self, name: str) -> None:
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, name)
        except FileNotFoundError:
            pass


class RunKey:
    """The per-user Run key: the value ``BLIP Assistant`` holds the command line."""

    def __init__(self, registry: Registry | None = None):
        self.registry = registry or WinRegistry()
        self.place = "HKEY_CURRENT_USER\\" + RUN_KEY

    def enabled(self) -> bool:
        return bool(self.registry.get(APP_NAME))

    def enable(self, command: list[str]) -> None:
        self.registry.set(APP_NAME, subprocess.list2cmdline([*command, FLAG]))

    def disable(self) -> None:
        self.registry.delete(APP_NAME)


def system_autostart() -> Autostart:
    """The sign-in entry of the system running now."""
    if sys.platform == "win32":
        return RunKey()
    if sys.platform == "darwin":
        return LaunchAgent()
    return XdgAutostart()
