"""A python-dbusmock template for xdg-desktop-portal's front end: Screenshot and GlobalShortcuts.

A MOCK, for what cannot be made to happen with the real portals here:
- a Screenshot portal that refuses (GNOME's permission dialog answered "Deny"), never answers, or
  saves its file where GNOME does: xdg-desktop-portal-wlr, which runs for real in the other tests,
  never asks, always answers, and overwrites one fixed file;
- GlobalShortcuts without KWin: the paused source and the sentences, in a second; the real KDE portal
  is tested in test_kde_shortcuts.py.

Run with the system's python3 (python3-dbusmock): ``python3 -m dbusmock --session -t mock_portal.py -p JSON``.
Parameters: ``screenshot``: "allow" (response 0 with ``uri``, a file the test wrote), "refuse" (response 2)
or "silent" (no response); ``shortcuts``: "refuse" (CreateSession answers 2).
``Activate(id)`` on the mock's own interface fires the GlobalShortcuts ``Activated`` signal for that shortcut.
"""

import itertools
import time

import dbus
from dbusmock import MOCK_IFACE
from dbusmock.mockobject import objects
from gi.repository import GLib

BUS_NAME = "org.freedesktop.portal.Desktop"
MAIN_OBJ = "/org/freedesktop/portal/desktop"
MAIN_IFACE = "org.freedesktop.portal.Screenshot"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"
REQUEST = "org.freedesktop.portal.Request"
SYSTEM_BUS = False
_counter = itertools.count()
_state = {"session": "", "shortcuts": []}


def _respond(mock, code, results, delay_ms=20):
    """A new Request object; its Response follows the method's reply, as a real portal's does."""
    path = f"{MAIN_OBJ}/request/mock/r{next(_counter)}"
    mock.AddObject(path, REQUEST, {}, [])

    def emit():
        objects[path].EmitSignal(REQUEST, "Response", "ua{sv}", [dbus.UInt32(code), results])
        return False

    if code is not None:
        GLib.timeout_add(delay_ms, emit)
    return dbus.ObjectPath(path)


def _pretty(trigger):
    names = {"CTRL": "Ctrl", "ALT": "Alt", "SHIFT": "Shift", "LOGO": "Meta"}
    return "+".join(names.get(part, part.upper()) for part in str(trigger).split("+"))


def _bound(shortcuts):
    return dbus.Array([dbus.Struct((sid, dbus.Dictionary({
        "description": dbus.String(opts.get("description", ""), variant_level=1),
        "trigger_description": dbus.String(_pretty(opts.get("preferred_trigger", "")), variant_level=1),
    }, signature="sv"))) for sid, opts in shortcuts], signature="(sa{sv})")


def load(mock, parameters):
    screenshot = parameters.get("screenshot", "refuse")
    mock.AddProperties(MAIN_IFACE, {"version": dbus.UInt32(2)})
    mock.AddProperties(SHORTCUTS, {"version": dbus.UInt32(1)})

    def shot(self, parent, options):
        if screenshot == "allow":
            return _respond(self, 0, dbus.Dictionary({"uri": dbus.String(parameters["uri"], variant_level=1)},
                                                     signature="sv"))
        return _respond(self, None if screenshot == "silent" else 2, dbus.Dictionary({}, signature="sv"))

    def create_session(self, options):
        if parameters.get("shortcuts") == "refuse":  # KDE's portal on another desktop: no KWin to talk to
            return _respond(self, 2, dbus.Dictionary({}, signature="sv"))
        _state["session"] = f"{MAIN_OBJ}/session/mock/{options.get('session_handle_token', 's')}"
        _state["shortcuts"] = list(options.get("shortcuts", []))
        return _respond(self, 0, dbus.Dictionary({"session_handle": dbus.String(_state["session"], variant_level=1)},
                                                 signature="sv"))

    def bind(self, session, shortcuts, parent, options):
        _state["shortcuts"] = list(shortcuts)
        return _respond(self, 0, dbus.Dictionary({"shortcuts": dbus.Array(_bound(shortcuts), variant_level=1)},
                                                 signature="sv"))

    def activate(self, shortcut_id):
        objects[MAIN_OBJ].EmitSignal(SHORTCUTS, "Activated", "osta{sv}",
                                     [dbus.ObjectPath(_state["session"]), shortcut_id,
                                      dbus.UInt64(int(time.time() * 1000)), dbus.Dictionary({}, signature="sv")])

    mock.AddMethod(MAIN_IFACE, "Screenshot", "sa{sv}", "o", shot)
    mock.AddMethod(SHORTCUTS, "CreateSession", "a{sv}", "o", create_session)
    mock.AddMethod(SHORTCUTS, "BindShortcuts", "oa(sa{sv})sa{sv}", "o", bind)
    mock.AddMethod(MOCK_IFACE, "Activate", "s", "", activate)
