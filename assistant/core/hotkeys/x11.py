"""Global hotkeys on X11 by XGrabKey (python-xlib), the way desktops and keybinder do it.

Why not pynput here: on Linux pynput requires ``evdev``, which has no wheels and is built
from source with gcc, so ``pip install`` fails on a desktop without build tools; and its X
backend only listens (XRecord), so the key also reaches the focused application. A grab
takes the key for us alone, and a combination another program has grabbed is refused by
the X server (BadAccess), which we can say. Windows and macOS keep pynput.

Bindings use pynput's syntax (``<ctrl>+<alt>+<shift>+s``). Each is grabbed with every
combination of Num Lock and Caps Lock, which would otherwise make the grab miss.

**The grab sits on the focused window, not on the root.** When a passive grab activates, the
X server sends FocusOut/FocusIn (NotifyGrab/NotifyUngrab) "as if the focus moved from the
focus window to the grab window"; GTK takes those for a focus change, and Orca then reads the
user's window again after every hotkey. With the grab on the focus window itself the focus
does not move and nothing is sent. The grab follows the focus: we watch the root's
``_NET_ACTIVE_WINDOW`` and the grabbed window's own FocusOut, and move it. A combination
another program holds is still found by a trial grab on the root at start.
"""

from __future__ import annotations

import logging
import os
import select
import threading
from collections.abc import Callable

from assistant.core.errors import AssistantError
from assistant.i18n import _

log = logging.getLogger(__name__)

NAMED = {
    "<space>": "space", "<enter>": "Return", "<tab>": "Tab", "<esc>": "Escape", "<home>": "Home", "<end>": "End",
    "<page_up>": "Prior", "<page_down>": "Next", "<insert>": "Insert", "<delete>": "Delete", "<up>": "Up",
    "<down>": "Down", "<left>": "Left", "<right>": "Right", "<pause>": "Pause", "<print_screen>": "Print",
    "<backspace>": "BackSpace", **{f"<f{i}>": f"F{i}" for i in range(1, 25)},
}
MODIFIER_KEYSYMS = {"<alt>": "Alt_L", "<cmd>": "Super_L", "<alt_gr>": "ISO_Level3_Shift"}


class HotkeyError(AssistantError):
    """The hotkeys cannot be grabbed at all (no X server)."""


class XGrabHotKeys:
    """pynput's ``GlobalHotKeys`` shape: ``{binding: callback}``; ``start()``, ``stop()``.

    Callbacks run on this object's own thread, once per press (key repeat is ignored).
    ``taken`` lists the bindings another program holds; ``missing`` those whose key this keyboard lacks.
    """

    def __init__(self, handlers: dict[str, Callable[[], None]], display_name: str | None = None):
        self._handlers = handlers
        self._display_name = display_name
        self._display = None
        self._grabs: dict[tuple[int, int], Callable[[], None]] = {}
        self._relevant = 0
        self._wake_r, self._wake_w = -1, -1
        self._thread: threading.Thread | None = None
        self.taken: list[str] = []
        self.missing: list[str] = []

    def start(self) -> None:
        from Xlib import X, display, error

        try:
            self._display = display.Display(self._display_name)
        except Exception as err:  # no DISPLAY, or the server refused us
            raise HotkeyError(_('the X display cannot be opened ({err})').format(err=err)) from None
        d = self._display
        root = d.screen().root
        masks = self._modifier_masks()
        self._locks = [0, masks["num"], X.LockMask, masks["num"] | X.LockMask]
        self._relevant = X.ShiftMask | X.ControlMask | masks["<alt>"] | masks["<cmd>"] | masks["<alt_gr>"]
        focus = d.get_input_focus().focus
        trial = [root] + ([] if isinstance(focus, int) or focus is None or focus.id == root.id else [focus])
        for binding, handler in self._handlers.items():
            keycode, mods = self._resolve(binding, masks)
            if not keycode:
                self.missing.append(binding)
                continue
            catcher = error.CatchError(error.BadAccess)  # a trial: does another program hold it?
            for window in trial:
                for lock in self._locks:
                    window.grab_key(keycode, mods | lock, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher)
                d.sync()
                for lock in self._locks:
                    window.ungrab_key(keycode, mods | lock, onerror=error.CatchError(error.BadWindow))
            if catcher.get_error() is not None:
                self.taken.append(binding)
                continue
            self._grabs[(keycode, mods)] = handler
        root.change_attributes(event_mask=X.PropertyChangeMask)
        self._active_atom = d.intern_atom("_NET_ACTIVE_WINDOW")
        self._grabbed_on = None
        self._follow_focus()
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._loop, name="x11-hotkeys", daemon=True)
        self._thread.start()

    def _follow_focus(self) -> None:
        """Move the grabs onto the window that has the keyboard focus now (the root when none has)."""
        from Xlib import X, error

        d = self._display
        root = d.screen().root
        focus = d.get_input_focus().focus
        target = root if isinstance(focus, int) or focus is None else focus
        if self._grabbed_on is not None and target.id == self._grabbed_on.id:
            return
        quiet = error.CatchError(error.BadWindow, error.BadAccess, error.BadValue)
        if self._grabbed_on is not None:
            for keycode, mods in self._grabs:
                for lock in self._locks:
                    self._grabbed_on.ungrab_key(keycode, mods | lock, onerror=quiet)
            if self._grabbed_on.id != root.id:
                self._grabbed_on.change_attributes(event_mask=0, onerror=quiet)
        catcher = error.CatchError(error.BadAccess, error.BadWindow)
        for keycode, mods in self._grabs:
            for lock in self._locks:
                target.grab_key(keycode, mods | lock, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher)
        if target.id != root.id:
            target.change_attributes(event_mask=X.FocusChangeMask | X.StructureNotifyMask, onerror=catcher)
        d.sync()
        if catcher.get_error() is not None and target.id != root.id:
            log.info("hotkeys cannot be grabbed on window %#x (%s); on the root instead", target.id, catcher.get_error())
            for keycode, mods in self._grabs:
                for lock in self._locks:
                    root.grab_key(keycode, mods | lock, True, X.GrabModeAsync, X.GrabModeAsync, onerror=quiet)
            d.sync()
            target = root
        self._grabbed_on = target
        log.debug("hotkeys grabbed on window %#x", target.id)

    def wait(self) -> None:
        """Return at once: the grabs are in place when ``start`` returns (pynput's listener needs this wait)."""

    def stop(self) -> None:
        """Ungrab and close, before returning: a new listener may grab the same keys at once."""
        if self._thread is None:
            return
        os.write(self._wake_w, b"x")
        self._thread.join(2)
        self._thread = None

    def _loop(self) -> None:
        from Xlib import X

        d = self._display
        last_release: tuple[int, int] | None = None
        try:
            while True:
                ready, _, _ = select.select([d.fileno(), self._wake_r], [], [])
                if self._wake_r in ready:
                    break
                moved = False
                while d.pending_events():
                    event = d.next_event()
                    if event.type == X.PropertyNotify:
                        moved = moved or event.atom == self._active_atom
                    elif event.type in (X.FocusOut, X.DestroyNotify, X.UnmapNotify):
                        moved = moved or event.type != X.FocusOut or event.mode not in (X.NotifyGrab, X.NotifyUngrab)
                    elif event.type == X.KeyRelease:
                        last_release = (event.detail, event.time)
                    elif event.type == X.KeyPress:
                        if last_release == (event.detail, event.time):
                            continue  # auto-repeat: a release and a press at the same moment
                        handler = self._grabs.get((event.detail, event.state & self._relevant))
                        if handler is not None:
                            handler()
                if moved:
                    self._follow_focus()
        except Exception:  # the X server went away: the in-window shortcuts still work
            log.exception("global hotkeys stopped")
        finally:
            self._close()

    def _close(self) -> None:
        try:
            from Xlib import error

            quiet = error.CatchError(error.BadWindow, error.BadAccess, error.BadValue)
            root = self._display.screen().root
            for window in [root] + ([self._grabbed_on] if self._grabbed_on not in (None, root) else []):
                window.ungrab_key(0, 1 << 15, onerror=quiet)  # AnyKey, AnyModifier: every grab of ours
            self._display.sync()
            self._display.close()
        except Exception:
            pass
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)

    def _modifier_masks(self) -> dict[str, int]:
        """Which ModN holds Alt, Super, AltGr and Num Lock on this keyboard (usually Mod1, Mod4, Mod5, Mod2)."""
        from Xlib import XK, X

        d = self._display
        by_keycode = {code: 1 << index for index, codes in enumerate(d.get_modifier_mapping()) for code in codes if code}
        defaults = {"<alt>": X.Mod1Mask, "<cmd>": X.Mod4Mask, "<alt_gr>": X.Mod5Mask, "num": X.Mod2Mask}
        masks = {}
        for name, keysym in {**MODIFIER_KEYSYMS, "num": "Num_Lock"}.items():
            code = d.keysym_to_keycode(XK.string_to_keysym(keysym))
            masks[name] = by_keycode.get(code, defaults[name])
        return masks

    def _resolve(self, binding: str, masks: dict[str, int]) -> tuple[int, int]:
        from Xlib import XK, X

        mods, keycode = 0, 0
        for part in (p.strip().lower() for p in binding.split("+")):
            if part == "<ctrl>":
                mods |= X.ControlMask
            elif part == "<shift>":
                mods |= X.ShiftMask
            elif part in masks:
                mods |= masks[part]
            else:
                if part in NAMED:
                    keysym = XK.string_to_keysym(NAMED[part])
                else:  # Latin-1 keysyms are the character's code point; others are 0x01000000 + it
                    keysym = ord(part) if ord(part) < 0x100 else 0x01000000 | ord(part)
                keycode = self._display.keysym_to_keycode(keysym)
        return keycode, mods  # keycode 0: no such key on this keyboard
