"""Which text is new, and what of it to say: the heart of watch mode.

The screen's text is kept as lines with their boxes. After each frame the lines read in
the changed bands replace the old lines there; then:

- a line whose words were already on screen only moved (scrolling): nothing is said;
- a line already said during this watch is not said again (OCR may miss a line for a frame);
- a line that takes the place of a gone line of the same shape, digits aside ("45 %" ->
  "46 %", a clock), is an *update*: said at most once every ``every_s`` seconds, with its
  latest value, and the last value is said once it stops changing;
- more than ``burst`` new lines at once are summed up: "12 new lines; the last: …".
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from assistant.core.geometry import Rect
from assistant.core.text.layout import reading_order
from assistant.core.text.reader import TextLine
from assistant.core.watch.frames import covered
from assistant.i18n import _, ngettext

REMEMBERED = 2000  # lines said, kept to not say them twice: bounded, so hours of watching do not grow


def key(text: str) -> str:
    """A line as the ear compares it: letters and digits, lower case, single spaces."""
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())  # "_" alone is a box's edge read as text


def shape(text: str) -> str:
    """A line with its numbers blanked: "downloading 45" and "downloading 46" have one shape."""
    return re.sub(r"\d+", "#", key(text))


def same(a: str, b: str) -> bool:
    """The same line, read twice: equal, or nearly so when long (OCR reads a letter differently)."""
    if a == b:
        return True
    if re.findall(r"\d+", a) != re.findall(r"\d+", b):  # "step 4" and "step 5" are two lines, however alike
        return False
    return min(len(a), len(b)) >= 12 and SequenceMatcher(None, a, b).ratio() >= 0.92


def novel(lines: Sequence[TextLine], against: Sequence[TextLine]) -> list[TextLine]:
    """The lines of ``lines`` (in reading order) whose words are nowhere in ``against``."""
    known = [key(line.text) for line in against]
    return [line for line in reading_order(lines) if key(line.text) and not any(same(key(line.text), k) for k in known)]


@dataclass(frozen=True)
class Change:
    """What one frame changed: shown in the Changes list; ``spoken`` is what was said of it ("" for nothing)."""

    at: float  # time.time()
    appeared: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    spoken: str = ""
    areas: tuple[Rect, ...] = ()  # changed areas with no text in them

    def summary(self) -> str:
        parts = []
        if self.appeared:
            parts.append(_("New: {text}").format(text="; ".join(self.appeared)))
        if self.gone:
            parts.append(_("Gone: {text}").format(text="; ".join(self.gone)))
        if self.areas and not parts:
            n = len(self.areas)
            parts.append(ngettext("{n} area changed, with no text", "{n} areas changed, with no text", n).format(n=n))
        return ". ".join(parts)


@dataclass
class _Slot:
    """A line that keeps changing in place (a percentage, a clock)."""

    said_at: float
    said: str
    latest: str
    box: Rect


@dataclass
class News:
    """Follows the text on screen frame by frame and decides what is said."""

    every_s: float = 3.0  # an updating line is said at most this often
    burst: int = 4  # more new lines than this at once are summed up
    lines: list[TextLine] = field(default_factory=list)  # the text on screen now
    _said: OrderedDict = field(default_factory=OrderedDict)
    _slots: dict[str, _Slot] = field(default_factory=dict)
    started: bool = False

    def start(self, lines: Sequence[TextLine]) -> None:
        """The text on screen when watching starts: known, never said."""
        self.lines, self.started = [line for line in lines if key(line.text)], True
        for line in lines:
            self._remember(key(line.text))

    def update(self, found: Sequence[TextLine], bands: Sequence[Rect], now: float | None = None,
               areas: Sequence[Rect] = ()) -> tuple[Change | None, list[str]]:
        """The lines read in ``bands`` replace the old ones there: (the change, or None; what to say now)."""
        now = time.monotonic() if now is None else now
        found = [line for line in found if key(line.text)]  # punctuation alone is an edge or a line, not text
        old = self.lines
        inside = [line for line in old if covered(line.box, list(bands))]
        self.lines = [line for line in old if line not in inside] + list(found)
        appeared, gone = novel(found, old), novel(inside, self.lines)
        say, updates = [], []
        for line in appeared:
            k = key(line.text)
            replaced = next((g for g in gone if shape(g.text) == shape(line.text) and _same_place(g.box, line.box)), None)
            if replaced is not None and shape(line.text) != k:  # numbers changed in place: an update
                updates.append(line)
            elif not self._was_said(k):
                say.append(line.text)
                self._remember(k)
        for line in updates:
            said = self._updated(line, now)
            if said:
                say.append(said)
        text_areas = [area for area in areas if not any(_overlaps(area, line.box) for line in list(found) + inside)]
        if not appeared and not gone and not text_areas:
            return None, self.due(now)
        spoken = self._sentence(say)
        change = Change(time.time(), tuple(line.text for line in appeared), tuple(line.text for line in gone),
                        spoken, tuple(text_areas))
        return change, ([spoken] if spoken else []) + self.due(now)

    def due(self, now: float | None = None) -> list[str]:
        """Updating lines whose latest value is still unsaid and may be said now (called at every frame)."""
        now = time.monotonic() if now is None else now
        said = []
        for slot in self._slots.values():
            if slot.latest != slot.said and now - slot.said_at >= self.every_s:
                slot.said, slot.said_at = slot.latest, now
                said.append(slot.latest)
        return said

    def _updated(self, line: TextLine, now: float) -> str:
        s = shape(line.text)
        slot = self._slots.get(s)
        if slot is None:
            if len(self._slots) > 50:  # many shapes: forget the oldest
                self._slots.pop(next(iter(self._slots)))
            self._slots[s] = _Slot(now, line.text, line.text, line.box)
            return line.text
        slot.latest, slot.box = line.text, line.box
        if now - slot.said_at >= self.every_s:
            slot.said, slot.said_at = line.text, now
            return line.text
        return ""

    def _sentence(self, say: list[str]) -> str:
        if len(say) > self.burst:
            return _("{n} new lines; the last: {line}").format(n=len(say), line=say[-1])
        return "\n".join(say)

    def _was_said(self, k: str) -> bool:
        return k in self._said or any(same(k, s) for s in self._said if abs(len(s) - len(k)) <= 3 and len(k) >= 12)

    def _remember(self, k: str) -> None:
        self._said[k] = None
        self._said.move_to_end(k)
        while len(self._said) > REMEMBERED:
            self._said.popitem(last=False)


def _same_place(a: Rect, b: Rect) -> bool:
    """On the same row, overlapping across: one line taking the other's place."""
    height = max(4, min(a.height, b.height))
    same_row = abs((a.top + a.height / 2) - (b.top + b.height / 2)) <= height * 0.6
    return same_row and a.left < b.left + b.width and b.left < a.left + a.width


def _overlaps(a: Rect, b: Rect) -> bool:
    return a.intersect(b) is not None
