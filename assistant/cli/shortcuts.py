"""``blip-assistant install-shortcuts``: the global keys as the desktop's own shortcuts, each running ``trigger``.

On Wayland no application may grab a key; the desktop runs a command for a key instead.
GNOME: custom keybindings written with ``gsettings`` (ours under paths named ``blip-assistant-…``,
so ``--uninstall`` removes exactly those); a key the desktop already uses is reported, not taken.
sway: the ``bindsym`` lines to add to its config. KDE: the steps in System Settings (KDE Plasma
5.27+ also offers the GlobalShortcuts portal, which the app uses by itself).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys

from assistant.cli.common import EXIT_BAD_INPUT, EXIT_OK, fail, warn
from assistant.cli.desktop import launcher
from assistant.config import ACTIONS
from assistant.core.hotkeys.bindings import parse_binding
from assistant.i18n import _

MEDIA_KEYS = "org.gnome.settings-daemon.plugins.media-keys"
CUSTOM = f"{MEDIA_KEYS}.custom-keybinding"
CUSTOM_ROOT = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/"
# Where GNOME keeps the keys it uses itself (each may be missing on a given system).
GNOME_SCHEMAS = ("org.gnome.desktop.wm.keybindings", "org.gnome.shell.keybindings", "org.gnome.mutter.keybindings",
                 "org.gnome.mutter.wayland.keybindings", MEDIA_KEYS)
NAMED = {"<print_screen>": "Print", "<page_up>": "Page_Up", "<page_down>": "Page_Down", "<esc>": "Escape",
         "<enter>": "Return", "<backspace>": "BackSpace"}
GNOME_MODIFIERS = {"<ctrl>": "<Control>", "<alt>": "<Alt>", "<shift>": "<Shift>", "<cmd>": "<Super>",
                   "<alt_gr>": "<Mod5>"}
SWAY_MODIFIERS = {"<ctrl>": "Ctrl", "<alt>": "Alt", "<shift>": "Shift", "<cmd>": "Mod4", "<alt_gr>": "Mod5"}


def add_parser(sub) -> None:
    """The ``install-shortcuts`` subcommand."""
    s = sub.add_parser("install-shortcuts", help=_("add desktop shortcuts that run `blip-assistant trigger` (Wayland)"))
    s.add_argument("--uninstall", action="store_true", help=_("remove the shortcuts this command added"))
    s.add_argument("--desktop", choices=["gnome", "sway", "kde"], help=_("the desktop (default: this session's)"))
    s.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])


def _key(binding: str) -> tuple[list[str], str]:
    keys = parse_binding(binding)
    mods = [m for m in ("<ctrl>", "<alt>", "<shift>", "<cmd>", "<alt_gr>") if m in keys]
    (key,) = keys - set(mods)
    return mods, NAMED.get(key, key.strip("<>").upper() if key.startswith("<f") else key.strip("<>"))


def gnome_accelerator(binding: str) -> str:
    """``<ctrl>+<alt>+<shift>+s`` -> ``<Control><Alt><Shift>s``."""
    mods, key = _key(binding)
    return "".join(GNOME_MODIFIERS[m] for m in mods) + key


def sway_keys(binding: str) -> str:
    """``<ctrl>+<alt>+<shift>+s`` -> ``Ctrl+Alt+Shift+s``."""
    mods, key = _key(binding)
    return "+".join([*(SWAY_MODIFIERS[m] for m in mods), key])


def normal_accelerator(accel: str) -> tuple[frozenset[str], str]:
    """A GNOME accelerator as (modifiers, key) in one spelling: ``<Primary><Alt>T`` == ``<Control><Alt>t``."""
    mods, rest = set(), accel
    while rest.startswith("<") and ">" in rest:
        mod, rest = rest[1:rest.index(">")].lower(), rest[rest.index(">") + 1:]
        mods.add({"primary": "control", "ctrl": "control", "super": "super", "mod4": "super"}.get(mod, mod))
    return frozenset(mods), rest.lower()


def command_for(action: str) -> str:
    """What a shortcut runs: this installation's ``trigger`` for ``action``."""
    return f"{launcher()} trigger {action.replace('_', '-')}"


def chosen(bindings: dict[str, str]) -> dict[str, str]:
    """The actions with a key, in the order of ACTIONS."""
    return {a: bindings[a] for a in ACTIONS if bindings.get(a)}


class Gsettings:
    """``gsettings`` as a subprocess: the same tool and dconf database the desktop uses."""

    def __init__(self, program: str = "gsettings"):
        self.program = program

    def _run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([self.program, *args], capture_output=True, text=True, timeout=20)
        if check and done.returncode != 0:
            raise OSError(done.stderr.strip() or f"gsettings {' '.join(args)} failed")
        return done.stdout.strip()

    def get_list(self, schema: str, key: str) -> list[str]:
        value = self._run("get", schema, key)
        return list(ast.literal_eval(value.removeprefix("@as "))) if value else []

    def set(self, schema: str, key: str, value) -> None:
        self._run("set", schema, key, str(value) if not isinstance(value, str) else _gvariant_string(value))

    def reset(self, schema: str, key: str) -> None:
        self._run("reset", schema, key)

    def used(self) -> dict[tuple[frozenset[str], str], str]:
        """Every key GNOME itself uses (its keybinding schemas), normalised, to what uses it."""
        found = {}
        for schema in GNOME_SCHEMAS:
            listing = self._run("list-recursively", schema, check=False)
            for line in listing.splitlines():
                parts = line.split(" ", 2)
                if len(parts) < 3 or "<" not in parts[2]:
                    continue
                try:
                    value = ast.literal_eval(parts[2].removeprefix("@as "))
                except (ValueError, SyntaxError):
                    continue
                for accel in [value] if isinstance(value, str) else value:
                    if accel:
                        found[normal_accelerator(accel)] = f"{parts[0]} {parts[1]}"
        return found


def _gvariant_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def gnome_install(bindings: dict[str, str], gs: Gsettings) -> tuple[list[str], list[str]]:
    """Add our custom keybindings; (added lines, problems). A key already used is skipped and reported."""
    paths = gs.get_list(MEDIA_KEYS, "custom-keybindings")
    used = gs.used()
    for path in paths:  # the user's own custom shortcuts
        if "/blip-assistant-" in path:
            continue
        accel = gs._run("get", f"{CUSTOM}:{path}", "binding", check=False).strip("'")
        if accel:
            name = gs._run("get", f"{CUSTOM}:{path}", "name", check=False).strip("'")
            used[normal_accelerator(accel)] = _('your custom shortcut {name!r}').format(name=name)
    added, problems = [], []
    for action, binding in chosen(bindings).items():
        accel = gnome_accelerator(binding)
        user = used.get(normal_accelerator(accel))
        if user:
            problems.append(_("{key} is already used by {user}; {action} was not added.").format(
                key=accel, user=user, action=_(ACTIONS[action]).lower()))
            continue
        path = f"{CUSTOM_ROOT}blip-assistant-{action.replace('_', '-')}/"
        schema = f"{CUSTOM}:{path}"
        gs.set(schema, "name", f"BLIP Assistant: {ACTIONS[action]}")
        gs.set(schema, "command", command_for(action))
        gs.set(schema, "binding", accel)
        if path not in paths:
            paths.append(path)
        added.append(f"{accel}: {ACTIONS[action]}")
    gs.set(MEDIA_KEYS, "custom-keybindings", paths)
    return added, problems


def gnome_uninstall(gs: Gsettings) -> int:
    """Remove our custom keybindings (and only ours); how many."""
    paths = gs.get_list(MEDIA_KEYS, "custom-keybindings")
    ours = [p for p in paths if "/blip-assistant-" in p]
    for path in ours:
        for key in ("name", "command", "binding"):
            gs.reset(f"{CUSTOM}:{path}", key)
    kept = [p for p in paths if p not in ours]
    if kept:
        gs.set(MEDIA_KEYS, "custom-keybindings", kept)
    else:
        gs.reset(MEDIA_KEYS, "custom-keybindings")
    return len(ours)


def sway_lines(bindings: dict[str, str]) -> list[str]:
    """The ``bindsym`` lines for sway's config."""
    return [f"bindsym {sway_keys(b)} exec {command_for(a)}" for a, b in chosen(bindings).items()]


def kde_steps(bindings: dict[str, str]) -> list[str]:
    """What a KDE user does in System Settings."""
    steps = [_("KDE Plasma 5.27 and later: BLIP Assistant registers its keys through the desktop's global shortcuts "
             "when it starts; change them in System Settings > Keyboard > Shortcuts."),
             _("Or, by hand: System Settings > Keyboard > Shortcuts > Add New > Command or Script, for each:")]
    return steps + [f"  {sway_keys(b)}: {command_for(a)}" for a, b in chosen(bindings).items()]


def run(args) -> int:
    """``blip-assistant install-shortcuts [--uninstall] [--desktop D]``."""
    from assistant.config import load_settings

    if not sys.platform.startswith("linux"):
        return fail(_("install-shortcuts is for Linux desktops; on Windows and macOS the app's own global hotkeys work."),
                    EXIT_BAD_INPUT)
    desktop = args.desktop or _this_desktop()
    settings, messages = load_settings()
    warn(messages)
    bindings = settings.hotkeys.bindings
    if desktop == "sway":
        print(_("Add these lines to your sway config (~/.config/sway/config), then reload sway (Super+Shift+C):")
              if not args.uninstall else _("Remove the lines running `blip-assistant trigger` from your sway config."))
        if not args.uninstall:
            print("\n".join(sway_lines(bindings)))
        return EXIT_OK
    if desktop == "kde":
        print("\n".join(kde_steps(bindings)) if not args.uninstall else
              _("Remove the BLIP Assistant entries in System Settings > Keyboard > Shortcuts."))
        return EXIT_OK
    if desktop != "gnome":
        return fail(_("this desktop is not known to install-shortcuts: use --desktop gnome, sway or kde, or bind "
                    "these commands in its keyboard settings: ") + "; ".join(
                        f"{sway_keys(b)}: {command_for(a)}" for a, b in chosen(bindings).items()), EXIT_BAD_INPUT)
    if not shutil.which("gsettings"):
        return fail(_("gsettings is not installed (Debian and Ubuntu: libglib2.0-bin)."), EXIT_BAD_INPUT)
    gs = Gsettings()
    try:
        if args.uninstall:
            removed = gnome_uninstall(gs)
            print(_('Removed {removed} GNOME shortcuts of BLIP Assistant.').format(removed=removed) if removed else
                  _("There were no GNOME shortcuts of BLIP Assistant to remove."))
            return EXIT_OK
        added, problems = gnome_install(bindings, gs)
    except OSError as err:
        return fail(_('the GNOME settings could not be changed: {err}').format(err=err), EXIT_BAD_INPUT)
    print(_("Added {count} GNOME shortcuts; each runs `blip-assistant trigger` (Settings > Keyboard > Keyboard Shortcuts > "
            "Custom Shortcuts):").format(count=len(added)))
    for line in added:
        print(f"  {line}")
    warn(problems)
    return EXIT_OK


def _this_desktop() -> str:
    names = os.environ.get("XDG_CURRENT_DESKTOP", "").lower().split(":")
    for known in ("gnome", "sway", "kde"):
        if known in names or any(n.endswith(known) for n in names):  # "ubuntu:GNOME", "KDE"
            return known
    return names[0] if names and names[0] else "unknown"
