"""Linux: Orca's D-Bus remote control (Orca 48 and later), else speech-dispatcher, which Orca speaks through.

D-Bus goes through jeepney (pure Python, no system bindings, well kept: keyring and
SecretStorage use it). speech-dispatcher goes through our SSIP client (see ssip.py).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from assistant.core.speech.routes import RouteError
from assistant.core.speech.ssip import SSIPClient, SSIPError
from assistant.i18n import _

log = logging.getLogger(__name__)
SCREEN_READERS = ("orca", "fenrir")  # Linux screen readers that speak through speech-dispatcher
ORCA_BUS_NAME = "org.gnome.Orca.Service"
ORCA_PATH = "/org/gnome/Orca/Service"


def running_screen_reader(proc: Path = Path("/proc")) -> str | None:
    """The name of a screen reader process of this user, if one runs (a /proc scan takes a few ms)."""
    uid = os.getuid()
    for entry in proc.iterdir() if proc.exists() else []:
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm in SCREEN_READERS:
            return comm
    return None


class _Cached:
    """``available()`` answers from a short-lived cache: it is asked before every message."""

    ttl = 2.0

    def __init__(self):
        self._checked_at = -1e9
        self._available = False

    def available(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at > self.ttl:
            self._available = self._check()
            self._checked_at = now
        return self._available

    def forget(self) -> None:
        self._checked_at = -1e9

    def _check(self) -> bool:
        raise NotImplementedError


class OrcaService(_Cached):
    """Orca's ``PresentMessage``: speech and braille, as Orca presents its own messages (Orca 48+)."""

    name = "Orca"
    braille = True

    def __init__(self, bus_address: str | None = None):
        super().__init__()
        self.bus_address = bus_address
        self._conn = None

    def _connection(self):
        from jeepney.io.blocking import open_dbus_connection

        if self._conn is None:
            self._conn = open_dbus_connection(bus=self.bus_address or "SESSION")
        return self._conn

    def _call(self, method: str, signature: str = "", body: tuple = (), path: str = ORCA_PATH,
              interface: str = ORCA_BUS_NAME):
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(path, bus_name=ORCA_BUS_NAME, interface=interface)
        reply = self._connection().send_and_get_reply(new_method_call(address, method, signature, body), timeout=2)
        if reply.header.message_type.name == "error":
            raise RouteError(_('Orca refused {method}: {n0}').format(
                method=method, n0=reply.body[0] if reply.body else reply.header))
        return reply.body

    def _check(self) -> bool:
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") and self.bus_address is None:
            return False
        try:
            from jeepney.bus_messages import message_bus

            has_owner = self._connection().send_and_get_reply(message_bus.NameHasOwner(ORCA_BUS_NAME), timeout=2)
            return bool(has_owner.body[0])
        except Exception as err:  # no session bus, or jeepney missing: this route is simply not there
            log.debug("Orca's D-Bus service is not reachable: %s", err)
            self._conn = None
            return False

    def speak(self, text: str, interrupt: bool) -> None:
        try:
            if interrupt:
                self.cancel()
            (accepted,) = self._call("PresentMessage", "s", (text,))
        except RouteError:
            raise
        except Exception as err:
            self._conn = None
            self.forget()
            raise RouteError(_("Orca's D-Bus service failed: {err}").format(err=err)) from err
        if not accepted:
            raise RouteError(_("Orca did not accept the message"))

    def cancel(self) -> None:
        try:
            self._call("ExecuteCommand", "sb", ("InterruptSpeech", False), path=f"{ORCA_PATH}/SpeechAndVerbosityManager",
                       interface="org.gnome.Orca.Module")
        except Exception as err:  # older service versions have no such command: the message still goes out
            log.debug("Orca InterruptSpeech: %s", err)


class SpeechDispatcher(_Cached):
    """speech-dispatcher while Orca (or another screen reader using it) runs.

    The same synthesiser, voice, rate and language as Orca's own speech, at the "message" priority Orca uses, so we
    queue behind Orca's words instead of cutting them off. Speech only: no braille on this route.
    """

    name = "Orca (speech-dispatcher)"
    braille = False

    def __init__(self, client: SSIPClient | None = None, proc: Path = Path("/proc"),
                 orca_settings: Path | None = None):
        super().__init__()
        self.client = client or SSIPClient(spawn=True)
        self.proc = proc
        self.orca_settings = orca_settings
        self._configured = False

    def _check(self) -> bool:
        reader = running_screen_reader(self.proc)
        if reader:
            self.name = f"{reader.capitalize()} (speech-dispatcher)"
        return reader is not None

    def speak(self, text: str, interrupt: bool) -> None:
        try:
            if not self._configured:
                self.client.configure(*orca_voice_commands(self.orca_settings))
                self._configured = True
            self.client.speak(text, priority="message", cancel_first=interrupt)
        except (OSError, SSIPError) as err:
            self.forget()
            raise RouteError(_('speech-dispatcher did not take the message ({err})').format(err=err)) from err

    def cancel(self) -> None:
        try:
            self.client.cancel()
        except (OSError, SSIPError) as err:
            log.debug("speech-dispatcher cancel: %s", err)


def orca_settings_file() -> Path:
    """Orca's user settings file."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "orca" / "user-settings.conf"


def orca_voice_commands(path: Path | None = None) -> list[str]:
    """SSIP ``SET self`` commands for the voice the user chose in Orca (its default voice), mapped as Orca maps them."""
    path = path or orca_settings_file()
    try:
        prefs = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    profile = (prefs.get("profiles") or {}).get("default") or {}
    general = prefs.get("general") or {}
    voice = ((profile.get("voices") or general.get("voices") or {}).get("default")) or {}
    server = profile.get("speechServerInfo") or general.get("speechServerInfo")
    commands = []
    if isinstance(server, list) and len(server) == 2 and server[1] and server[1] != "default":
        commands.append(f"SET self OUTPUT_MODULE {server[1]}")
    family = voice.get("family") or {}
    if family.get("lang"):
        lang = family["lang"] + (f"-{family['dialect']}" if family.get("dialect") else "")
        commands.append(f"SET self LANGUAGE {lang}")
    if family.get("name") and not str(family["name"]).endswith("default voice"):
        commands.append(f"SET self SYNTHESIS_VOICE {family['name']}")
    clamp = lambda value, top: max(0, min(top, float(value)))  # noqa: E731
    if "rate" in voice:
        commands.append(f"SET self RATE {int(2 * clamp(voice['rate'], 99) - 98)}")
    if "average-pitch" in voice:
        commands.append(f"SET self PITCH {int(20 * clamp(voice['average-pitch'], 9) - 90)}")
    if "gain" in voice:
        commands.append(f"SET self VOLUME {int(15 * clamp(voice['gain'], 9) - 35)}")
    return commands
