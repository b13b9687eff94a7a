"""AT-SPI (Linux): the focused object, the object at a point and a window's controls, over D-Bus with jeepney.

No screen reader has to run. A listener thread registers for ``object:state-changed:focused``
(as a screen reader does; apps send focus events only once someone has asked) and keeps the
last object that gained focus, so the hotkey knows it at once. If that object no longer has
the focus (the user moved to an app with no accessibility), one ``Collection.GetMatches`` on
the active window asks for its FOCUSED object; a walk of the whole tree (0.5–1.5 s in a
window of 900 buttons) is never made. The first use sets ``org.a11y.Status.IsEnabled``, as
Orca does, so Qt applications turn their accessibility on.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from assistant.core.access.element import Element
from assistant.core.access.screen_rects import scale_between, scaled
from assistant.core.geometry import Rect
from assistant.i18n import _

log = logging.getLogger(__name__)

REGISTRY = ("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
NULL_PATH = "/org/a11y/atspi/null"
ACCESSIBLE, COMPONENT, COLLECTION = "org.a11y.atspi.Accessible", "org.a11y.atspi.Component", "org.a11y.atspi.Collection"
STATES = {1: "active", 4: "checked", 7: "editable", 8: "enabled", 10: "expanded", 11: "focusable", 12: "focused",
          20: "pressed", 23: "selected", 24: "sensitive", 25: "showing", 30: "visible"}
FOCUSED, ACTIVE, SHOWING = 12, 1, 25
# Roles of the screen-items list: what can be acted on, and images (numbers from AtspiRole).
CONTROL_ROLES = (43, 62, 7, 44, 79, 61, 35, 37, 88, 11, 32, 51, 52, 27, 26, 8, 45, 56, 91, 40)
MATCH_ALL, MATCH_ANY, MATCH_EMPTY, SORT_CANONICAL = 1, 2, 4, 1
CALL_TIMEOUT = 1.0  # a hung application is skipped, not waited for
Ref = tuple[str, str]  # (bus name, object path)


class AtspiUnavailable(RuntimeError):
    """No accessibility bus (no at-spi2-core, or a Wayland desktop without it)."""


def _bitset(numbers, words: int) -> list[int]:
    out = [0] * words
    for n in numbers:
        out[n // 32] |= 1 << (n % 32)
    return out


def _states(words) -> frozenset[str]:
    bits = {i * 32 + b for i, word in enumerate(words) for b in range(32) if word >> b & 1}
    names = {STATES[b] for b in bits if b in STATES}
    if 24 not in bits and 8 not in bits:
        names.add("disabled")
    return frozenset(names)


def a11y_bus_address() -> str:
    """The accessibility bus, from ``AT_SPI_BUS_ADDRESS`` or the session bus's ``org.a11y.Bus``."""
    if os.environ.get("AT_SPI_BUS_ADDRESS"):
        return os.environ["AT_SPI_BUS_ADDRESS"]
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    try:
        with open_dbus_connection("SESSION") as conn:
            bus = DBusAddress("/org/a11y/bus", "org.a11y.Bus", "org.a11y.Bus")
            reply = conn.send_and_get_reply(new_method_call(bus, "GetAddress"), timeout=2)
            _check(reply)
            _enable(conn)
            return reply.body[0]
    except Exception as err:
        raise AtspiUnavailable(_('no accessibility bus ({err})').format(err=err)) from None


def _enable(conn) -> None:
    """Turn accessibility on for the desktop (Qt apps expose nothing until it is), as a screen reader does."""
    from jeepney import DBusAddress, Properties

    status = Properties(DBusAddress("/org/a11y/bus", "org.a11y.Bus", "org.a11y.Status"))
    reply = conn.send_and_get_reply(status.get("IsEnabled"), timeout=2)
    if reply.header.message_type.name != "error" and not reply.body[0][1]:
        conn.send_and_get_reply(status.set("IsEnabled", "b", True), timeout=2)
        log.info("accessibility turned on for the desktop (org.a11y.Status.IsEnabled)")


def _check(reply):
    if reply.header.message_type.name == "error":
        raise RuntimeError(reply.body[0] if reply.body else "D-Bus error")
    return reply.body


class AtspiProbe:
    """The AT-SPI probe. ``active_window`` and ``window_at`` give X windows' physical rectangles (the scale factor)."""

    def __init__(self, active_window: Callable[[], Rect | None], window_at: Callable[[int, int], Rect | None],
                 address: str | None = None):
        from jeepney.io.blocking import open_dbus_connection

        self._address = address or a11y_bus_address()
        self._conn = open_dbus_connection(bus=self._address)
        self._lock = threading.Lock()
        self._active_window, self._window_at = active_window, window_at
        self._last_focus: Ref | None = None
        self._listener = threading.Thread(target=self._listen, name="atspi-focus", daemon=True)
        self._stop = False
        self._listening = threading.Event()
        self._listener.start()
        self._listening.wait(2)

    # -- the focus listener ---------------------------------------------------------------------
    def _listen(self) -> None:
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.low_level import HeaderFields

        try:
            conn = open_dbus_connection(bus=self._address)
        except Exception as err:
            log.info("AT-SPI focus events unavailable: %s", err)
            self._listening.set()
            return
        rule = MatchRule(type="signal", interface="org.a11y.atspi.Event.Object", member="StateChanged")
        rule.add_arg_condition(0, "focused")
        try:
            with conn, conn.filter(rule, bufsize=64) as events:
                conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=2)
                self._register_event(conn, "object:state-changed:focused")
                self._listening.set()
                while not self._stop:
                    try:
                        message = conn.recv_until_filtered(events, timeout=1.0)
                    except TimeoutError:
                        continue
                    if message.body[1] == 1:  # gained the focus (GTK sends each event twice)
                        self._last_focus = (message.header.fields[HeaderFields.sender],
                                            message.header.fields[HeaderFields.path])
        except Exception as err:  # the bus went away: GetMatches still answers while it is back
            log.info("AT-SPI focus listener stopped: %s", err)
        finally:
            self._listening.set()

    @staticmethod
    def _register_event(conn, event: str) -> None:
        from jeepney import DBusAddress, new_method_call

        registry = DBusAddress("/org/a11y/atspi/registry", "org.a11y.atspi.Registry", "org.a11y.atspi.Registry")
        # at-spi2-core ≥ 2.46 takes (event, properties, app); older ones (event) alone.
        reply = conn.send_and_get_reply(new_method_call(registry, "RegisterEvent", "sass", (event, [], "")), timeout=2)
        if reply.header.message_type.name == "error":
            _check(conn.send_and_get_reply(new_method_call(registry, "RegisterEvent", "s", (event,)), timeout=2))

    def close(self) -> None:
        self._stop = True
        try:
            self._conn.close()
        except Exception:
            pass

    # -- calls ------------------------------------------------------------------------------
    def _call(self, ref: Ref, interface: str, method: str, signature: str | None = None, body: tuple = ()):
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(ref[1], ref[0], interface)
        with self._lock:
            reply = self._conn.send_and_get_reply(new_method_call(address, method, signature, body),
                                                  timeout=CALL_TIMEOUT)
        return _check(reply)

    def _prop(self, ref: Ref, interface: str, name: str):
        from jeepney import DBusAddress, Properties

        with self._lock:
            reply = self._conn.send_and_get_reply(Properties(DBusAddress(ref[1], ref[0], interface)).get(name),
                                                  timeout=CALL_TIMEOUT)
        return _check(reply)[0][1]

    def _children(self, ref: Ref) -> list[Ref]:
        return [tuple(c) for c in self._call(ref, ACCESSIBLE, "GetChildren")[0] if c[1] != NULL_PATH]

    def _state_bits(self, ref: Ref) -> list[int]:
        return list(self._call(ref, ACCESSIBLE, "GetState")[0])

    def _has(self, ref: Ref, state: int) -> bool:
        words = self._state_bits(ref)
        return bool(words[state // 32] >> (state % 32) & 1)

    def _extents(self, ref: Ref) -> Rect | None:
        try:
            x, y, w, h = self._call(ref, COMPONENT, "GetExtents", "u", (0,))[0]
        except Exception:
            return None
        return Rect(x, y, w, h) if w > 0 and h > 0 else None

    def _element(self, ref: Ref, with_ancestors: bool = True) -> Element:
        role = self._call(ref, ACCESSIBLE, "GetRoleName")[0]
        name = self._prop(ref, ACCESSIBLE, "Name")
        description = self._prop(ref, ACCESSIBLE, "Description")
        states = _states(self._state_bits(ref))
        ancestors: list[Element] = []
        if with_ancestors:
            parent = tuple(self._prop(ref, ACCESSIBLE, "Parent"))
            while parent[1] != NULL_PATH and len(ancestors) < 30:
                element = self._element(parent, with_ancestors=False)
                if element.role == "application":
                    break
                ancestors.append(element)
                parent = tuple(self._prop(parent, ACCESSIBLE, "Parent"))
        return Element(role, name, description, self._value(ref, role), states, self._extents(ref), tuple(ancestors),
                       handle=ref)

    def _value(self, ref: Ref, role: str) -> str:
        try:
            if role in ("text", "entry", "password text"):
                return "" if role == "password text" else self._call(ref, "org.a11y.atspi.Text", "GetText", "ii",
                                                                      (0, 200))[0]
            if role in ("slider", "spin button", "progress bar", "scroll bar"):
                return f"{self._prop(ref, 'org.a11y.atspi.Value', 'CurrentValue'):g}"
        except Exception:
            return ""
        return ""

    # -- the probe ------------------------------------------------------------------------
    def _active_windows(self) -> list[Ref]:
        found = []
        for app in self._children(REGISTRY):
            try:
                found += [w for w in self._children(app) if self._has(w, ACTIVE)]
            except Exception as err:  # an application that does not answer
                log.debug("AT-SPI app %s skipped: %s", app, err)
        return found

    def _matches(self, window: Ref, states: list[int], roles: tuple[int, ...] = (), count: int = 1) -> list[Ref]:
        rule = (_bitset(states, 2), MATCH_ALL, {}, MATCH_ALL, _bitset(roles, 4), MATCH_ANY if roles else MATCH_ALL,
                [], MATCH_ALL, False)
        reply = self._call(window, COLLECTION, "GetMatches", "(aiia{ss}iaiiasib)uib", (rule, SORT_CANONICAL, count, True))
        return [tuple(r) for r in reply[0]]

    def focused(self) -> Element | None:
        """The focused object in the active window, through the last focus event or one GetMatches."""
        ref = self._last_focus
        try:
            if ref is not None and self._has(ref, FOCUSED):
                element = self._element(ref)
                window = element.window
                if window is None or "active" in window.states:
                    return self._physical(element, self._active_window())
        except Exception as err:  # that object is gone
            log.debug("last focus %s gone: %s", ref, err)
        for window in self._active_windows():
            try:
                hits = self._matches(window, [FOCUSED])
            except Exception as err:
                log.debug("GetMatches on %s: %s", window, err)
                continue
            if hits:
                return self._physical(self._element(hits[0]), self._active_window())
        return None

    def _physical(self, element: Element, x_window: Rect | None) -> Element:
        """The element with every rectangle in physical pixels (the toolkit's window against the X window's)."""
        top = element.window or (element.ancestors[-1] if element.ancestors else None)
        if top is None or top.rect is None or x_window is None:
            return element
        scale = scale_between(top.rect, x_window)
        if scale == 1.0:
            return element
        return _rescaled(element, scale)

    def at_point(self, x: int, y: int) -> Element | None:
        """The deepest object at (x, y): the showing top-level window there, then down by GetAccessibleAtPoint."""
        x_window = self._window_at(x, y)
        best: tuple[Ref, float, Rect] | None = None
        for app in self._children(REGISTRY):
            try:
                windows = self._children(app)
            except Exception:
                continue
            for window in windows:
                try:
                    if not self._has(window, SHOWING):
                        continue
                    rect = self._extents(window)
                except Exception:
                    continue
                if rect is None:
                    continue
                scale = scale_between(rect, x_window) if x_window is not None else 1.0
                if scaled(rect, scale).contains(x, y) and (best is None or "active" in _states(self._state_bits(window))):
                    best = (window, scale, rect)
        if best is None:
            return None
        node, scale, _ = best
        lx, ly = round(x / scale), round(y / scale)
        for _ in range(40):
            try:
                child = tuple(self._call(node, COMPONENT, "GetAccessibleAtPoint", "iiu", (lx, ly, 0))[0])
            except Exception:
                break
            if child[1] == NULL_PATH or child == node:
                break
            node = child
        element = self._element(node)
        return _rescaled(element, scale) if scale != 1.0 else element

    def controls(self, window: Rect) -> list[Element]:
        """The showing controls and images of the active window, in the toolkit's order."""
        out: list[Element] = []
        for top in self._active_windows():
            try:
                refs = self._matches(top, [SHOWING], CONTROL_ROLES, count=500)
                top_rect = self._extents(top)
            except Exception as err:
                log.debug("controls of %s: %s", top, err)
                continue
            scale = scale_between(top_rect, window) if top_rect is not None else 1.0
            for ref in refs:
                try:
                    element = self._element(ref, with_ancestors=False)
                except Exception:
                    continue
                element = _rescaled(element, scale) if scale != 1.0 else element
                if element.rect is not None and element.rect.intersect(window) is not None:
                    out.append(element)
        return out


def _rescaled(element: Element, scale: float) -> Element:
    from dataclasses import replace

    ancestors = tuple(replace(a, rect=scaled(a.rect, scale) if a.rect else None) for a in element.ancestors)
    return replace(element, rect=scaled(element.rect, scale) if element.rect else None, ancestors=ancestors)
