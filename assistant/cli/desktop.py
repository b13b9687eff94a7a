"""The app's own files (icons, desktop entry, AppStream data), shipped inside the package.

They are read with importlib.resources, so a wheel, ``pip install --user``, pipx, a venv
and a PyInstaller bundle all find them. ``blip-assistant install-desktop`` copies the menu
entry, its description and the icons into the user's XDG data folder (``~/.local/share``),
with ``Exec`` pointing at this installation's launcher, so the menu starts this copy even
from a venv or pipx that is not on the desktop's PATH. ``--uninstall`` removes exactly those.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.resources.abc import Traversable
from pathlib import Path

from assistant import APP_ID, icon_file, resource  # noqa: F401 (icon_file: where tests look)
from assistant.core.autostart import desktop_quote, launch_command, system_autostart
from assistant.i18n import _

ICON_SIZES = (48, 128, 256)


def data_home() -> Path:
    """Where the desktop looks for this user's menu entries and icons (XDG_DATA_HOME)."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def targets(home: Path) -> dict[Path, Traversable]:
    """Where each shipped file goes under ``home`` (the XDG data folder)."""
    placed = {
        home / "applications" / f"{APP_ID}.desktop": resource("linux", f"{APP_ID}.desktop"),
        home / "metainfo" / f"{APP_ID}.metainfo.xml": resource("linux", f"{APP_ID}.metainfo.xml"),
        home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg": resource("icons", f"{APP_ID}.svg"),
    }
    for size in ICON_SIZES:
        folder = f"{size}x{size}"
        placed[home / "icons" / "hicolor" / folder / "apps" / f"{APP_ID}.png"] = resource(
            "icons", "hicolor", folder, "apps", f"{APP_ID}.png")
    return placed


def launcher() -> str:
    """The command of the installation running now, quoted as the desktop entry spec says for Exec."""
    return " ".join(desktop_quote(part) for part in launch_command())


def install(home: Path | None = None) -> list[Path]:
    """Write the menu entry, icons and metainfo for this user; returns the files written."""
    home = home or data_home()
    written = []
    for target, source in targets(home).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        data = source.read_bytes()
        if target.suffix == ".desktop":
            data = data.decode().replace("Exec=blip-assistant ", f"Exec={launcher()} ").encode()
        target.write_bytes(data)
        written.append(target)
    _refresh_caches(home)
    return written


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove exactly what ``install`` wrote; returns the files removed."""
    home = home or data_home()
    removed = []
    for target in targets(home):
        if target.exists():
            target.unlink()
            removed.append(target)
    _refresh_caches(home)
    return removed


def _refresh_caches(home: Path) -> None:
    """Menus pick the change up at once where the desktop keeps caches; optional tools, run if present."""
    for tool, args in (("update-desktop-database", [str(home / "applications")]),
                       ("gtk-update-icon-cache", ["-q", "-t", "-f", str(home / "icons" / "hicolor")])):
        if shutil.which(tool) and Path(args[-1]).is_dir():
            subprocess.run([tool, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def add_parser(sub) -> None:
    """The ``install-desktop`` subcommand."""
    i = sub.add_parser("install-desktop", help=_("add the menu entry and icons for this user (Linux)"))
    i.add_argument("--uninstall", action="store_true", help=_("remove them again (and the start at sign-in)"))
    i.add_argument("--autostart", action="store_true",
                   help=_("also start BLIP Assistant when you sign in (hidden; it says when it is ready)"))
    i.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])


def run(args) -> int:
    """``blip-assistant install-desktop [--uninstall]``; exit codes as in the CLI."""
    if not sys.platform.startswith("linux"):
        print("error: " + _("install-desktop is for Linux desktops; on Windows the installer adds the Start menu entry."),
              file=sys.stderr)
        return 2
    try:
        paths = uninstall() if args.uninstall else install()
        if args.uninstall or args.autostart:
            set_autostart(not args.uninstall)
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.uninstall:
        print(_("Removed the menu entry and icons of BLIP Assistant ({count} files).").format(count=len(paths)) if paths else
              _("There was no menu entry of BLIP Assistant to remove."))
    else:
        print(_("Installed the menu entry and icons of BLIP Assistant for this user ({count} files, under {folder}). "
                "It starts: {command}").format(count=len(paths), folder=data_home(), command=launcher()))
    for path in paths:
        print(f"  {path}")
    if args.autostart and not args.uninstall:
        print(_("It starts when you sign in: {place} (Settings, General, to turn it off).").format(
            place=system_autostart().place))
    return 0


def set_autostart(on: bool) -> None:
    """Start at sign-in (or not): the system's entry, and the setting that the Settings dialog shows."""
    from assistant.config import load_settings, remember

    autostart = system_autostart()
    autostart.enable(launch_command()) if on else autostart.disable()
    saved, _messages = load_settings()
    if saved.desktop.start_at_login != on:
        problem = remember(saved, "desktop", start_at_login=on)
        if problem:
            print("warning: " + _("the setting could not be saved ({problem}).").format(problem=problem), file=sys.stderr)
