"""X11 helpers (python-xlib): pointer position and the active window's rectangle."""

from __future__ import annotations

from contextlib import contextmanager


def preload() -> None:
    """Import python-xlib ahead of the first capture (about 90 ms of imports, off the GUI thread)."""
    from Xlib import X, display  # noqa: F401
    from Xlib.protocol import event  # noqa: F401


@contextmanager
def _display():
    from Xlib import display

    d = display.Display()
    try:
        yield d
    finally:
        d.close()


def pointer_position() -> tuple[int, int]:
    """The mouse pointer, in screen pixels."""
    with _display() as d:
        reply = d.screen().root.query_pointer()
        return reply.root_x, reply.root_y


def active_window():
    """(Rect, title) of ``_NET_ACTIVE_WINDOW``, else of the input focus's top-level window; or None."""
    from Xlib import X

    from assistant.core.geometry import Rect

    with _display() as d:
        root = d.screen().root
        window = None
        prop = root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        if prop is not None and prop.value and prop.value[0]:
            window = d.create_resource_object("window", prop.value[0])
        else:  # no window manager: the input focus, climbed to its top-level window
            focus = d.get_input_focus().focus
            if isinstance(focus, int) or focus is None or focus == root:
                return None
            window = focus
            while True:
                tree = window.query_tree()
                if tree.parent == root or tree.parent == 0:
                    break
                window = tree.parent
        geometry = window.get_geometry()
        origin = window.translate_coords(root, 0, 0)
        rect = Rect(-origin.x, -origin.y, geometry.width, geometry.height)
        return rect, _title(d, window)


def _title(d, window) -> str:
    from Xlib import X

    for name in ("_NET_WM_NAME", "WM_NAME"):
        try:
            prop = window.get_full_property(d.intern_atom(name), X.AnyPropertyType)
        except Exception:
            continue
        if prop is not None and prop.value:
            value = prop.value
            return (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))[:80]
    return ""


def active_window_id() -> int | None:
    """The window manager's ``_NET_ACTIVE_WINDOW``, or None."""
    from Xlib import X

    with _display() as d:
        prop = d.screen().root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        return int(prop.value[0]) if prop is not None and prop.value and prop.value[0] else None


def activate(window_id: int) -> None:
    """Ask the window manager to give focus back to ``window_id`` (EWMH, as a pager or xdotool does).

    The request carries the X server's current time: with none (CurrentTime) the window manager
    uses the time of the last event it saw, and the server ignores a focus change older than the
    last one (xdotool's, say), while the window manager still calls our window active.
    """
    from Xlib import X
    from Xlib.protocol import event

    with _display() as d:
        root = d.screen().root
        message = event.ClientMessage(window=d.create_resource_object("window", window_id),
                                      client_type=d.intern_atom("_NET_ACTIVE_WINDOW"),
                                      data=(32, [2, _server_time(d), 0, 0, 0]))
        root.send_event(message, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
        d.flush()


def _server_time(d) -> int:
    """The X server's time now: the timestamp of a property change on a window of our own (ICCCM's way)."""
    from Xlib import X, Xatom

    window = d.screen().root.create_window(-10, -10, 1, 1, 0, X.CopyFromParent, event_mask=X.PropertyChangeMask,
                                           override_redirect=True)
    try:
        window.change_property(d.intern_atom("_BLIP_ASSISTANT_TIME"), Xatom.STRING, 8, b"")
        d.flush()
        while True:
            e = d.next_event()
            if e.type == X.PropertyNotify and e.window.id == window.id:
                return e.time
    finally:
        window.destroy()
        d.flush()


def has_input_focus(window_id: int) -> bool:
    """Whether the keyboard focus is in ``window_id`` (or a window inside it)."""
    with _display() as d:
        focus = d.get_input_focus().focus
        if isinstance(focus, int) or focus is None:
            return False
        root = d.screen().root
        while focus.id != window_id:
            parent = focus.query_tree().parent
            if parent is None or parent == 0 or parent.id == root.id:
                return False
            focus = parent
        return True


def window_at(x: int, y: int):
    """The rectangle of the top-level window at (x, y) (the window manager's frame), or None over the desktop."""
    from assistant.core.geometry import Rect

    with _display() as d:
        root = d.screen().root
        for child in reversed(root.query_tree().children):  # top of the stack first
            try:
                attributes = child.get_attributes()
                if attributes.map_state != 2:  # IsViewable
                    continue
                geometry = child.get_geometry()
            except Exception:
                continue
            rect = Rect(geometry.x, geometry.y, geometry.width, geometry.height)
            if rect.contains(x, y) and rect.width < d.screen().width_in_pixels:
                return rect
        return None


def window_state(window_id: int):
    """(Rect, viewable) of the top-level window ``window_id`` now, or None once it is destroyed."""
    tracker = WindowTracker()
    try:
        return tracker.state(window_id)
    finally:
        tracker.close()


class WindowTracker:
    """Asks about windows over one connection kept open: connecting costs 15 ms of CPU, asking 1 ms.

    Watch mode asks twice a second for hours; use it from one thread.
    """

    def __init__(self):
        from Xlib import display

        self._d = display.Display()

    def state(self, window_id: int):
        """(Rect, viewable) of the top-level window ``window_id`` now, or None once it is destroyed."""
        from Xlib import error

        from assistant.core.geometry import Rect

        d = self._d
        window = d.create_resource_object("window", window_id)
        try:
            viewable = window.get_attributes().map_state == 2  # IsViewable
            geometry = window.get_geometry()
            origin = window.translate_coords(d.screen().root, 0, 0)
        except (error.BadWindow, error.BadDrawable):
            return None
        return Rect(-origin.x, -origin.y, geometry.width, geometry.height), viewable

    def close(self) -> None:
        self._d.close()
