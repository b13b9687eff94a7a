"""Where text is, and in what order to read it.

Reading order is a recursive XY-cut (Nagy and Seth, 1984), the classic page-segmentation
method: at each step the lines are split at the widest empty band, across (into rows) or
down (into columns), whichever is wider relative to the text height. Two columns side by
side are therefore read one after the other, not line by line across both; a row of
buttons is read left to right.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from assistant.core.geometry import Rect
from assistant.core.text.reader import TextLine
from assistant.i18n import N_, _, ngettext

ROWS = ("top", "middle", "bottom")
COLUMNS = ("left", "centre", "right")


def reading_order(lines: Sequence[TextLine]) -> list[TextLine]:
    """The lines as a reader goes through them: by region, then top to bottom, left to right."""
    if len(lines) < 2:
        return list(lines)
    height = median(line.box.height for line in lines)
    return _cut(list(lines), max(1.0, height))


def _gaps(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, width) of each empty band between the union of ``spans``."""
    spans = sorted(spans)
    gaps, end = [], spans[0][1]
    for start, stop in spans[1:]:
        if start > end:
            gaps.append((end, start - end))
        end = max(end, stop)
    return gaps


def _cut(lines: list[TextLine], height: float) -> list[TextLine]:
    if len(lines) < 2:
        return lines
    across = _gaps([(line.box.top, line.box.top + line.box.height) for line in lines])
    down = _gaps([(line.box.left, line.box.left + line.box.width) for line in lines])
    widest_across = max((w for _, w in across), default=0)
    # A gap down the page is a column gutter only if it is wide (words of one line are closer).
    widest_down = max((w for _, w in down if w >= 1.5 * height), default=0)
    if widest_down and widest_down > 3 * widest_across:
        key, gaps = (lambda line: line.box.left), [g for g in down if g[1] >= 1.5 * height]
    elif across:
        key, gaps = (lambda line: line.box.top), across
    else:  # overlapping lines, no clean cut: top to bottom, then left to right
        return sorted(lines, key=lambda line: (round(line.box.top / height), line.box.left))
    groups: list[list[TextLine]] = [[] for _ in range(len(gaps) + 1)]
    for line in lines:
        groups[sum(1 for start, _ in gaps if key(line) >= start)].append(line)
    return [line for group in groups for line in _cut(group, height)]


def position(box: Rect, width: int, height: int) -> str:
    """Where ``box`` is in an image of ``width`` x ``height``: "top left", "centre", "bottom"…"""
    x, y = box.left + box.width / 2, box.top + box.height / 2
    row = ROWS[min(2, int(3 * y / max(1, height)))]
    column = COLUMNS[min(2, int(3 * x / max(1, width)))]
    if row == "middle":
        return "centre" if column == "centre" else column
    return row if column == "centre" else f"{row} {column}"


def regions(lines: Sequence[TextLine], width: int, height: int) -> list[tuple[str, list[TextLine]]]:
    """Lines in reading order, grouped while they stay in the same part of the image."""
    groups: list[tuple[str, list[TextLine]]] = []
    for line in reading_order(lines):
        where = position(line.box, width, height)
        if groups and groups[-1][0] == where:
            groups[-1][1].append(line)
        else:
            groups.append((where, [line]))
    return groups


# Each place ``position`` names, for the catalogue: "At the {where}" takes them translated.
PLACES = (N_("top left"), N_("top"), N_("top right"), N_("left"), N_("centre"), N_("right"), N_("bottom left"),
          N_("bottom"), N_("bottom right"))


def text_block(lines: Sequence[TextLine], width: int, height: int, limit: int | None = None,
               heading: str = N_("Text on screen")) -> str:
    """The text found, by region, as shown and spoken; ``limit`` lines at most (the rest counted)."""
    if not lines:
        return ""
    out, shown = [f"{_(heading)}:"], 0
    for where, group in regions(lines, width, height):
        if limit is not None and shown >= limit:
            break
        take = group if limit is None else group[: limit - shown]
        said = _("At the {where}: {text}.").format(where=_(where), text="; ".join(line.text for line in take))
        out.append(said[:1].upper() + said[1:])  # "oben rechts: …" begins a sentence in German too
        shown += len(take)
    if shown < len(lines):
        more = len(lines) - shown
        out.append(ngettext("{n} more line in the window.", "{n} more lines in the window.", more).format(n=more))
    return "\n".join(out)


def line_item(line: TextLine, width: int, height: int) -> str:
    """One line as an item of the text list: its words, then where it is."""
    return f"{line.text} ({_(position(line.box, width, height))})"
