"""Global hotkey bindings: defaults, parsing and conflict checks (no Qt, no pynput here).

Bindings use pynput's syntax: ``<ctrl>+<alt>+<shift>+s``. The defaults hold Ctrl, Alt and
Shift together with a letter: Windows, GNOME, KDE and macOS reserve Super/Win/Cmd
combinations, and NVDA, JAWS and Orca use their own modifier (Insert or Caps Lock). The
Ctrl+Alt+Shift combinations that desktops do use are listed in RESERVED and refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.config import ACTIONS, DEFAULT_BINDINGS  # noqa: F401 (the defaults live with the settings)
from assistant.i18n import _

MODIFIERS = {"<ctrl>", "<alt>", "<shift>", "<cmd>", "<alt_gr>"}
NAMED_KEYS = {f"<f{i}>" for i in range(1, 25)} | {
    "<space>", "<enter>", "<tab>", "<esc>", "<home>", "<end>", "<page_up>", "<page_down>", "<insert>", "<delete>",
    "<up>", "<down>", "<left>", "<right>", "<pause>", "<print_screen>", "<backspace>",
}
# Taken by a desktop or a screen reader: binding one of these would fight with it.
RESERVED = {
    frozenset({"<ctrl>", "<alt>", "<delete>"}): "Windows and Linux (secure attention)",
    frozenset({"<ctrl>", "<alt>", "n"}): "NVDA (start NVDA)",
    frozenset({"<ctrl>", "<alt>", "t"}): "GNOME and Ubuntu (terminal)",
    frozenset({"<ctrl>", "<alt>", "l"}): "GNOME and KDE (lock screen)",
    frozenset({"<ctrl>", "<alt>", "d"}): "GNOME (show desktop)",
    frozenset({"<ctrl>", "<alt>", "<shift>", "r"}): "GNOME (screen recording)",
    frozenset({"<ctrl>", "<alt>", "<shift>", "<delete>"}): "KDE (log out)",
    frozenset({"<ctrl>", "<shift>", "<esc>"}): "Windows (Task Manager)",
    frozenset({"<cmd>", "<shift>", "3"}): "macOS (screenshot)",
    frozenset({"<cmd>", "<shift>", "4"}): "macOS (screenshot)",
    frozenset({"<cmd>", "<shift>", "5"}): "macOS (screenshot)",
    frozenset({"<cmd>", "<space>"}): "macOS (Spotlight)",
    frozenset({"<cmd>", "<f5>"}): "macOS (VoiceOver)",
}


@dataclass(frozen=True)
class BindingProblem:
    """Why a hotkey binding cannot be used, in a sentence."""

    action: str
    binding: str
    message: str  # one sentence for the user


def parse_binding(binding: str) -> frozenset[str]:
    """The set of keys in ``binding``; raises ValueError with a reason a user can act on."""
    parts = [p.strip().lower() for p in binding.split("+")]
    if not binding.strip() or any(not p for p in parts):
        raise ValueError(_("it is empty or has a stray '+'"))
    keys = [p for p in parts if p not in MODIFIERS]
    mods = [p for p in parts if p in MODIFIERS]
    if len(keys) != 1:
        raise ValueError(_("it needs exactly one key besides the modifiers"))
    key = keys[0]
    if not (len(key) == 1 and key.isprintable() and not key.isspace()) and key not in NAMED_KEYS:
        raise ValueError(_('{key!r} is not a key name (use a letter, a digit, or one like <f5>)').format(key=key))
    if not set(mods) - {"<shift>"} and not key.startswith("<f"):
        raise ValueError(_("a global hotkey needs Ctrl, Alt or Cmd, or it would swallow ordinary typing"))
    return frozenset(parts)


def check_bindings(bindings: dict[str, str]) -> tuple[dict[str, str], list[BindingProblem]]:
    """(usable bindings, problems). Empty bindings mean "turned off"; bad ones are left out."""
    usable: dict[str, str] = {}
    seen: dict[frozenset[str], str] = {}
    problems: list[BindingProblem] = []
    for action, binding in bindings.items():
        if action not in ACTIONS:
            problems.append(BindingProblem(action, binding, _("There is no action called {action!r}; it was ignored.").format(
                action=action)))
            continue
        if not binding:
            continue
        try:
            keys = parse_binding(binding)
        except ValueError as err:
            message = _("The hotkey {binding} for {action} is invalid: {err}.").format(
                binding=binding, action=_(ACTIONS[action]).lower(), err=err)
            problems.append(BindingProblem(action, binding, message))
            continue
        if keys in RESERVED:
            problems.append(BindingProblem(action, binding, _("The hotkey {binding} is used by {owner}; {action} has no "
                                                              "hotkey.").format(binding=binding, owner=RESERVED[keys],
                                                                                action=_(ACTIONS[action]).lower())))
            continue
        if keys in seen:
            problems.append(BindingProblem(action, binding, _("The hotkey {binding} is given to both {first} and {action}; only "
                                                              "{first} keeps it.").format(binding=binding, first=seen[keys],
                                                                                          action=action)))
            continue
        seen[keys] = action
        usable[action] = binding
    return usable, problems


def problem_with(action: str, binding: str, bindings: dict[str, str]) -> str:
    """One sentence if ``binding`` cannot be ``action``'s hotkey beside ``bindings``, else "" (for Settings)."""
    try:
        keys = parse_binding(binding)
    except ValueError as err:
        return _("{key} cannot be a hotkey: {err}.").format(key=describe_binding(binding), err=err)
    if keys in RESERVED:
        return _("{key} is used by {owner}.").format(key=describe_binding(binding), owner=RESERVED[keys])
    for other, taken in bindings.items():
        if other != action and taken and parse_binding(taken) == keys:
            return _("{key} is already the hotkey for {action}.").format(key=describe_binding(binding),
                                                                         action=_(ACTIONS[other]).lower())
    return ""


def describe_binding(binding: str) -> str:
    """``<ctrl>+<alt>+<shift>+s`` -> ``Ctrl+Alt+Shift+S``, for Help and the README."""
    names = {"<ctrl>": "Ctrl", "<alt>": "Alt", "<shift>": "Shift", "<cmd>": "Cmd", "<alt_gr>": "AltGr"}
    return "+".join(names.get(p, p.strip("<>").upper() if len(p) > 1 else p.upper()) for p in binding.split("+"))


# `blip-assistant trigger NAME`: each action by its name with hyphens, and the names the desktop shortcuts use.
TRIGGER_ALIASES = {"describe-focused": "describe_focus", "describe-focus": "describe_focus"}


def action_for(name: str) -> str | None:
    """The action a trigger name stands for ("describe-screen" -> "describe_screen"), or None."""
    name = name.strip().lower()
    action = TRIGGER_ALIASES.get(name, name.replace("-", "_"))
    return action if action in ACTIONS else None


def trigger_names() -> list[str]:
    """Every name ``trigger`` accepts, as the user types it."""
    return sorted({a.replace("_", "-") for a in ACTIONS} | set(TRIGGER_ALIASES))
