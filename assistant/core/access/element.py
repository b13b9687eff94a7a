"""An accessible object as the platform's accessibility API describes it, and how it is said.

The probes (AT-SPI on Linux, UI Automation on Windows, AXUIElement on macOS) all return
:class:`Element`; everything after them (what is said, where the crop is, "left of Save")
is the same on every platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from assistant.core.geometry import Rect
from assistant.i18n import N_, _

# Roles that have no useful name of their own; said by what they are.
ROLE_WORDS = {"push button": N_("button"), "toggle button": N_("toggle button"), "check box": N_("check box"),
              "radio button": N_("radio button"), "text": N_("text field"), "entry": N_("text field"),
              "password text": N_("password field"), "menu item": N_("menu item"), "page tab": N_("tab"), "link": N_("link"),
              "combo box": N_("combo box"), "image": N_("image"), "icon": N_("icon"), "list item": N_("list item"),
              "slider": N_("slider"), "spin button": N_("spin box"), "table cell": N_("cell"), "tree item": N_("tree item"),
              "label": N_("label"), "heading": N_("heading")}
STATE_WORDS = ("checked", "pressed", "selected", "expanded", "disabled")
STATE_NAMES = {"checked": N_("checked"), "pressed": N_("pressed"), "selected": N_("selected"), "expanded": N_("expanded"),
               "disabled": N_("disabled")}
CONTAINERS = {"dialog", "frame", "window", "alert", "file chooser", "panel", "tool bar", "menu bar", "page tab",
              "group", "form", "filler", "scroll pane", "list", "table", "tree", "application"}
TOP_LEVELS = {"dialog", "frame", "window", "alert", "file chooser"}


@dataclass(frozen=True)
class Element:
    """One accessible object: what it is, what it is called, where it is on the screen (physical pixels)."""

    role: str  # AT-SPI role names ("push button"); the other platforms map theirs onto these
    name: str = ""
    description: str = ""
    value: str = ""
    states: frozenset[str] = frozenset()
    rect: Rect | None = None  # None: the object has no place on screen
    ancestors: tuple[Element, ...] = field(default=(), compare=False)  # nearest first, up to the top-level window
    app: str = ""
    handle: object = field(default=None, compare=False, repr=False)  # the platform's own reference

    @property
    def window(self) -> Element | None:
        """The top-level window or dialog holding this element (Qt's top level is a "filler": the outermost)."""
        return next((a for a in self.ancestors if a.role in TOP_LEVELS), self.ancestors[-1] if self.ancestors else None)

    def summary(self) -> str:
        """What the accessibility API says, in a few words: "Unlabeled button", "Image, chart.png"."""
        word = _(ROLE_WORDS[self.role]) if self.role in ROLE_WORDS else self.role or _("object")
        states = [_(STATE_NAMES[s]) for s in STATE_WORDS if s in self.states]
        name = self.name.strip()
        if name:
            said = f"{word[:1].upper()}{word[1:]}, {name}"
        else:
            said = _("Unlabeled {role}").format(role=word)
        if self.value.strip() and self.value.strip() != name:
            said += f", {self.value.strip()}"
        if self.description.strip() and self.description.strip() != name:
            said += f" ({self.description.strip()})"
        if states:
            said += ", " + ", ".join(states)
        return said

    def label(self) -> str:
        """A short name for lists: the name, else the role."""
        role = _(ROLE_WORDS[self.role]) if self.role in ROLE_WORDS else self.role
        return self.name.strip() or _("unlabeled {role}").format(role=role)


class AccessibilityProbe(Protocol):
    """Asks the platform's accessibility API (AT-SPI, UI Automation, AX) about the screen."""

    def focused(self) -> Element | None:
        """The focused object of the application in front; None when it exposes nothing."""

    def at_point(self, x: int, y: int) -> Element | None:
        """The deepest accessible object at (x, y) in physical pixels; None when none is exposed there."""

    def controls(self, window: Rect) -> list[Element]:
        """The named or actionable objects showing in the active window (for the screen-items list)."""

    def close(self) -> None:
        """Stop listening."""


class FakeProbe:
    """A test double: returns prepared elements (Windows and macOS tests give the real code fakes of their APIs)."""

    def __init__(self, focus: Element | None = None, elements: list[Element] | None = None):
        self.focus = focus
        self.elements = elements or []
        self.calls: list[str] = []

    def focused(self) -> Element | None:
        self.calls.append("focused")
        return self.focus

    def at_point(self, x: int, y: int) -> Element | None:
        self.calls.append("at_point")
        hits = [e for e in self.elements if e.rect is not None and e.rect.contains(x, y)]
        return min(hits, key=lambda e: e.rect.width * e.rect.height) if hits else None

    def controls(self, window: Rect) -> list[Element]:
        self.calls.append("controls")
        return [e for e in self.elements if e.rect is not None and window.intersect(e.rect) is not None]

    def close(self) -> None:
        self.calls.append("close")


class NoProbe:
    """Where no accessibility API is reachable (Wayland without AT-SPI, a missing library): nothing is exposed."""

    def __init__(self, reason: str = ""):
        self.reason = reason

    def focused(self) -> Element | None:
        return None

    def at_point(self, x: int, y: int) -> Element | None:
        return None

    def controls(self, window: Rect) -> list[Element]:
        return []

    def close(self) -> None:
        pass
