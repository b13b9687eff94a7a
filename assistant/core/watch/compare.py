"""What changed between two images of the same window: new text, text gone, and areas that changed without text.

Used by "What changed?" (the hotkey, the question, ``blip-assistant compare OLD NEW``).
The text is compared as the ear hears it (``news.key``); an area is a group of changed
32 px tiles that holds none of the changed text; the model may describe it (the caller
passes its captions in), and an area that became one flat colour is said to be gone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PIL import Image

from assistant.core.capture.screen import CaptureError, Capturer
from assistant.core.geometry import Rect
from assistant.core.text.layout import position
from assistant.core.text.reader import TextLine
from assistant.core.watch.frames import Frame, changed_boxes, crop
from assistant.core.watch.news import key, novel
from assistant.core.watch.watcher import Hidden, Watched
from assistant.i18n import _, ngettext

MAX_AREAS = 3  # the largest changed areas are named; more are counted
FLAT = 8  # every channel within 8 levels: an empty area


@dataclass(frozen=True)
class ChangedArea:
    """A changed area without text: where it is, and whether what was there is gone (it is flat now)."""

    box: Rect
    where: str  # "bottom", "top right"
    gone: bool

    def to_dict(self) -> dict:
        b = self.box
        return {"box": [b.left, b.top, b.width, b.height], "where": self.where, "gone": self.gone}


@dataclass
class Comparison:
    """What differs between two looks at one window; ``sentence()`` is what is said."""

    appeared: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    areas: list[ChangedArea] = field(default_factory=list)
    more_areas: int = 0
    captions: dict[int, str] = field(default_factory=dict)  # index in areas -> the model's words for it

    @property
    def changed(self) -> bool:
        return bool(self.appeared or self.gone or self.areas)

    def sentence(self) -> str:
        """"New: 'Download complete'. Gone: 'Downloading 45 %'. The area at the bottom changed: …"."""
        if not self.changed:
            return _("Nothing has changed.")
        parts = []
        if self.appeared:
            parts.append(_("New: {text}.").format(text="; ".join(f"'{text}'" for text in self.appeared)))
        if self.gone:
            parts.append(_("Gone: {text}.").format(text="; ".join(f"'{text}'" for text in self.gone)))
        for i, area in enumerate(self.areas):
            words = self.captions.get(i, "").strip().rstrip(".")
            if area.gone:
                parts.append(_("Something at the {where} is gone: {words}.").format(where=_(area.where), words=words)
                             if words else _("Something at the {where} is gone.").format(where=_(area.where)))
            else:
                parts.append(_("The area at the {where} changed: {words}.").format(where=_(area.where), words=words)
                             if words else _("The area at the {where} changed.").format(where=_(area.where)))
        if self.more_areas:
            parts.append(ngettext("{n} more area changed.", "{n} more areas changed.", self.more_areas).format(
                n=self.more_areas))
        return " ".join(parts)

    def to_dict(self) -> dict:
        return {"changed": self.changed, "new_text": self.appeared, "gone_text": self.gone,
                "areas": [dict(a.to_dict(), description=self.captions.get(i, "")) for i, a in enumerate(self.areas)],
                "more_areas": self.more_areas, "summary": self.sentence()}


def compare(old: Image.Image, old_lines: Sequence[TextLine], new: Image.Image,
            new_lines: Sequence[TextLine]) -> Comparison:
    """What differs from ``old`` to ``new`` (their text already read)."""
    old_lines = [line for line in old_lines if key(line.text)]
    new_lines = [line for line in new_lines if key(line.text)]
    appeared, gone = novel(new_lines, old_lines), novel(old_lines, new_lines)
    result = Comparison([line.text for line in appeared], [line.text for line in gone])
    if old.size != new.size:
        return result  # a resized window: every pixel moved, the text says what changed
    text_boxes = [line.box for line in list(old_lines) + list(new_lines)]  # text that moved is not an area either
    width, height = new.size
    visual = [box for box in changed_boxes(Frame.of(old), Frame.of(new))
              if not any(box.intersect(t) is not None for t in text_boxes)]
    visual.sort(key=lambda b: b.width * b.height, reverse=True)
    for box in visual[:MAX_AREAS]:
        result.areas.append(ChangedArea(box, position(box, width, height), _flat(crop(new, box)) and not _flat(crop(old, box))))
    result.more_areas = max(0, len(visual) - MAX_AREAS)
    return result


def area_images(comparison: Comparison, old: Image.Image, new: Image.Image) -> list[Image.Image]:
    """What the model should describe for each area: what is there now, or what was there when it is gone."""
    return [crop(old if area.gone else new, area.box) for area in comparison.areas]


def _flat(image: Image.Image) -> bool:
    return all(high - low <= FLAT for low, high in image.convert("RGB").getextrema())


_ASKED = re.compile(r"^(what|whats|what s)( has| have)? (changed|is new|is different)( now| since)?\b")


def asks_what_changed(question: str) -> bool:
    """"What changed?", "what's changed since then?", "What is new?": answered by comparing, not by the model."""
    return bool(_ASKED.match(key(question)))


def look_again(place: Watched, capturer: Capturer,
               read: Callable[[Image.Image], list[TextLine]] | None) -> tuple[Image.Image, list[TextLine]]:
    """A new capture of ``place`` and its text (raises CaptureError with one sentence when it cannot be seen)."""
    try:
        rect = place.locate()
    except Hidden:
        raise CaptureError(_('{name} is minimised, so it cannot be compared; bring it back first.').format(
            name=place.name)) from None
    if rect is None:
        raise CaptureError(_('{name} is closed, so there is nothing to compare it with.').format(name=place.name))
    image = capturer.region(rect).image
    return image, (read(image) if read is not None else [])
