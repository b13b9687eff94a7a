"""The screen-items list of "explore": the text found and the exposed controls of a window, as one list.

Each item has a place on screen (physical pixels) to click. A control the accessibility tree
names is listed once, by its name, with the text found inside it dropped; an unnamed control
with text inside is named by that text; one with neither is "unlabeled" until the model has
described it. Items are in reading order (the same XY-cut as the text) and each says where
it is: "Save, button, at the bottom right of the window, right of Cancel".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.core.access.element import ROLE_WORDS, Element
from assistant.core.geometry import Rect
from assistant.core.onscreen.places import placement
from assistant.core.text.layout import reading_order
from assistant.core.text.reader import TextLine


@dataclass(frozen=True)
class ScreenItem:
    """One thing on screen that can be reached and clicked."""

    name: str  # the control's name, the text of the line, or "" for an unlabeled control
    kind: str  # "text", or the control's role word ("button", "image")
    rect: Rect  # on the screen, physical pixels
    place: str = ""
    looks_like: str = ""  # what the model said it looks like, once described

    @property
    def box(self) -> Rect:
        """For :func:`reading_order`, which orders anything with a box."""
        return self.rect

    @property
    def unlabeled(self) -> bool:
        return not self.name and self.kind != "text"

    def label(self) -> str:
        """As listed and read: "Save, button, at the bottom right of the window"."""
        if self.name:
            head = self.name if self.kind == "text" else f"{self.name}, {self.kind}"
        elif self.looks_like:
            head = f"Unlabeled {self.kind}, looks like {self.looks_like}"
        else:
            head = f"Unlabeled {self.kind}"
        return f"{head}, {self.place}" if self.place else head


def screen_items(lines: Sequence[TextLine], controls: Sequence[Element], window: Rect, title: str = "") -> list[ScreenItem]:
    """One list in reading order. ``lines`` are in the capture's pixels, ``window`` is where the capture was."""
    items: list[ScreenItem] = []
    texts = [(line.text, Rect(line.box.left + window.left, line.box.top + window.top, line.box.width, line.box.height))
             for line in lines]
    used: set[int] = set()
    for control in controls:
        if control.rect is None or control.rect.width < 4 or control.rect.height < 4:
            continue
        inside = [i for i, (_, rect) in enumerate(texts) if _within(rect, control.rect)]
        used.update(inside)
        name = control.name.strip() or " ".join(texts[i][0] for i in inside)
        items.append(ScreenItem(name, ROLE_WORDS.get(control.role, control.role), control.rect))
    items += [ScreenItem(text, "text", rect) for i, (text, rect) in enumerate(texts) if i not in used]
    ordered = reading_order(items)
    where = ("the window" if not title else f"the {title} window", window)
    labelled = [(item.name, item.rect) for item in ordered if item.name]
    return [replace(item, place=placement(item.rect, where, labelled)) for item in ordered]


def _within(inner: Rect, outer: Rect) -> bool:
    """Most of ``inner`` lies inside ``outer``."""
    overlap = inner.intersect(outer)
    return overlap is not None and overlap.width * overlap.height >= 0.6 * inner.width * inner.height
