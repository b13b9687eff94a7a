"""Global keys on Wayland: the GlobalShortcuts portal where the desktop has it, else the desktop's own shortcuts.

KDE Plasma 5.27+, GNOME 48+ and Hyprland offer ``org.freedesktop.portal.GlobalShortcuts``: we
register each action (its description and our preferred keys), the desktop decides the keys
(the user may change them in its settings), and ``Activated`` arrives when one is pressed.
Elsewhere (sway, older GNOME) no application can have a global key; the user binds keys to
``blip-assistant trigger ACTION`` in the desktop, which ``blip-assistant install-shortcuts`` sets up.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

from assistant.config import HotkeySettings
from assistant.core.hotkeys.bindings import ACTIONS, check_bindings, parse_binding
from assistant.core.portal import PortalError, connect, request, version
from assistant.i18n import N_, _

log = logging.getLogger(__name__)
INTERFACE = "org.freedesktop.portal.GlobalShortcuts"
SHORTCUTS_HINT = N_("Global keys on this desktop are its own shortcuts: run `blip-assistant install-shortcuts` once, "
                  "or bind keys to `blip-assistant trigger ACTION` in the desktop's keyboard settings (see Help).")
XDG_MODIFIERS = {"<ctrl>": "CTRL", "<alt>": "ALT", "<shift>": "SHIFT", "<cmd>": "LOGO"}


def preferred_trigger(binding: str) -> str:
    """``<ctrl>+<alt>+<shift>+s`` in the XDG shortcuts spelling: ``CTRL+ALT+SHIFT+s``."""
    keys = parse_binding(binding)
    mods = [XDG_MODIFIERS[m] for m in ("<ctrl>", "<alt>", "<shift>", "<cmd>") if m in keys]
    key = next(iter(keys - set(XDG_MODIFIERS) - {"<alt_gr>"}))
    return "+".join([*mods, key.strip("<>").upper() if key.startswith("<f") else key.strip("<>")])


class PortalShortcuts:
    """A HotkeySource on the GlobalShortcuts portal; without the portal it registers nothing and says how instead.

    ``assigned`` holds what the desktop says each key is ("Ctrl+Alt+Shift+S"), to tell the user.
    """

    def __init__(self, on_action, timeout_s: float = 10.0):
        self._on_action = on_action
        self.timeout_s = timeout_s
        self.active: dict[str, str] = {}
        self.assigned: dict[str, str] = {}
        self.available = False
        self._paused = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, settings: HotkeySettings) -> list[str]:
        if not settings.enabled:
            return []
        usable, problems = check_bindings(settings.bindings)
        messages = [p.message for p in problems]
        ready = threading.Event()
        outcome: list[str] = []
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(usable, ready, outcome), name="global-shortcuts",
                                        daemon=True)
        self._thread.start()
        if not ready.wait(self.timeout_s + 2):
            outcome.append(_("The desktop's global shortcuts portal did not answer in {timeout_s:.0f} s. ").format(
                timeout_s=self.timeout_s)
                           + _(SHORTCUTS_HINT))
        return messages + outcome

    def _run(self, usable: dict[str, str], ready: threading.Event, outcome: list[str]) -> None:
        conn = None
        try:
            conn = connect()
            if not version(conn, INTERFACE):
                outcome.append(_(SHORTCUTS_HINT))
                return
            session = self._session(conn, usable)
            self.available = True
            unset = _("no key yet")
            keys = "; ".join(f"{self.assigned.get(a) or unset}: {_(ACTIONS[a])}" for a in self.active)
            log.info("global shortcuts portal: %s", keys)
            outcome.append(_("Global keys come from the desktop's shortcuts: {keys}.").format(keys=keys) if self.active else
                           _("The desktop registered no global keys for BLIP Assistant; set them in its keyboard settings."))
            ready.set()
            self._listen(conn, session)
        except PortalError as err:
            # E.g. KDE's portal installed on another desktop: it is there, but without KWin it refuses.
            log.warning("global shortcuts portal: %s; the desktop's own shortcuts are the way", err)
            outcome.append(_(SHORTCUTS_HINT))
        except Exception:  # a portal answering nonsense must not take the app down
            log.exception("global shortcuts portal")
            outcome.append(_(SHORTCUTS_HINT))
        finally:
            ready.set()
            if conn is not None:
                conn.close()

    def _session(self, conn, usable: dict[str, str]) -> str:
        shortcuts = [(action, {"description": ("s", _(ACTIONS[action])),
                               "preferred_trigger": ("s", preferred_trigger(binding))})
                     for action, binding in usable.items()]
        options = {"session_handle_token": ("s", "blip_" + secrets.token_hex(6)),
                   "shortcuts": ("a(sa{sv})", shortcuts)}  # KDE 5.27 takes them here; the spec, in BindShortcuts
        code, results = request(conn, INTERFACE, "CreateSession", "a{sv}", (), options, self.timeout_s)
        if code != 0 or "session_handle" not in results:
            raise PortalError(_("the desktop refused a shortcuts session"))
        session = results["session_handle"]
        try:
            code, results = request(conn, INTERFACE, "BindShortcuts", "oa(sa{sv})sa{sv}", (session, shortcuts, ""), {},
                                    self.timeout_s)
        except PortalError as err:
            if err.timed_out:
                raise
            code, results = request(conn, INTERFACE, "ListShortcuts", "oa{sv}", (session,), {}, self.timeout_s)
        if code != 0:
            raise PortalError(_("the desktop refused our shortcuts"))
        for action, details in results.get("shortcuts", []):
            if action in usable:
                self.active[action] = usable[action]
                self.assigned[action] = details.get("trigger_description", "")
        return session

    def _listen(self, conn, session: str) -> None:
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import Proxy

        rule = MatchRule(type="signal", interface=INTERFACE, member="Activated")
        Proxy(message_bus, conn).AddMatch(rule)
        with conn.filter(rule) as queue:
            while not self._stop.is_set():
                try:
                    signal = conn.recv_until_filtered(queue, timeout=0.5)
                except TimeoutError:
                    continue
                handle, action = signal.body[0], signal.body[1]
                if handle == session and action in self.active and not self._paused:
                    log.info("global shortcut %s", action)
                    self._on_action(action, time.perf_counter())

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None
        self.active, self.assigned = {}, {}

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    def help_text(self) -> str:
        if not self.available:
            return _("No global hotkeys here.") + " " + _(SHORTCUTS_HINT)
        if not self.active:
            return _("The desktop assigned no global keys to BLIP Assistant; set them in its keyboard settings.")
        unset = _("no key yet")
        return _("Global keys, as the desktop set them: {keys}.").format(keys="; ".join(
            f"{self.assigned.get(a) or unset}: {_(ACTIONS[a])}" for a in self.active))
