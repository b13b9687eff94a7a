"""Questions answered from the text found, before (or instead of) asking the caption model.

"Where is the Sign in button?" is answered from the boxes ("“Sign in” is at the top
right."), and "What does the red button say?" from the text inside boxes of that colour.
Something not in the text is said to be not found; no position is ever made up. Other
questions go to the model, with the text as context.
"""

from __future__ import annotations

import colorsys
import difflib
import re
from collections.abc import Sequence

from PIL import Image

from assistant.core.geometry import neighbour
from assistant.core.text.layout import position, reading_order
from assistant.core.text.reader import TextLine
from assistant.i18n import N_, _

FROM_TEXT = N_("(From the text found on screen.)")
KINDS = r"(?:button|link|field|box|menu|menu item|tab|option|checkbox|check box|icon|label|heading|title|message|text)"
WHERE = re.compile(r"^\s*(?:where(?:'s| is| are)|where do i find|where can i find|find)\s+(?:the\s+|a\s+|an\s+)?(.+?)"
                   r"(?:\s+" + KINDS + r")?\s*[?.!]*\s*$", re.IGNORECASE)
# The same question in German and Spanish ("Wo ist der Knopf Speichern?", "¿Dónde está el botón Guardar?"): answered
# from the text found in the user's own language, with no translation and no model.
WHERE_DE = re.compile(r"^\s*(?:wo\s+(?:ist|sind|steht|stehen|finde ich)|finde)\s+(?:der\s+|die\s+|das\s+|den\s+|ein\s+|eine\s+)?"
                      r"(?:(?:knopf|schaltfläche|link|feld|menü|menüeintrag|reiter|text)\s+)?(.+?)\s*[?.!]*\s*$", re.IGNORECASE)
WHERE_ES = re.compile(r"^\s*¿?\s*(?:d[oó]nde\s+(?:est[aá]n?|encuentro|se encuentra)|busca)\s+"
                      r"(?:el\s+|la\s+|los\s+|las\s+|un\s+|una\s+)?"
                      r"(?:(?:bot[oó]n|enlace|campo|men[uú]|pestaña|texto)\s+)?(.+?)\s*[?.!]*\s*$", re.IGNORECASE)
SAYS = re.compile(r"^\s*what (?:does|do) (?:the\s+|that\s+|this\s+)?(.+?)\s+(?:say|read|show|display)\s*[?.!]*\s*$",
                  re.IGNORECASE)
COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "grey", "gray", "black")
COLOUR_NAMES = (N_("red"), N_("orange"), N_("yellow"), N_("green"), N_("blue"), N_("purple"), N_("pink"), N_("white"),
                N_("grey"), N_("black"))  # said in the user's language


def answer_from_text(question: str, lines: Sequence[TextLine], image: Image.Image, container: str = "") -> str | None:
    """An answer made from the text found, or None when the question is for the model.

    ``container`` names what the image is ("the Export window"): a place is then said within it,
    and beside the nearest other text on the same row or column ("left of “Save”").
    """
    where = WHERE.match(question) or WHERE_DE.match(question) or WHERE_ES.match(question)
    if where:
        return _where(_unquote(where.group(1)), lines, image, container)
    says = SAYS.match(question)
    if says:
        return _says(says.group(1), lines, image)
    return None


def _where(target: str, lines: Sequence[TextLine], image: Image.Image, container: str = "") -> str:
    found = matching(target, lines)
    if not found:
        return _("“{target}” is not in the text found on screen, so I cannot say where it is.").format(
            target=target) + " " + _(FROM_TEXT)

    def place(line: TextLine) -> str:
        where = _(position(line.box, *image.size))
        said = (_("at the {where} of {container}").format(where=where, container=container) if container else
                _("at the {where}").format(where=where))
        beside = neighbour(line.box, [(f"“{other.text}”", other.box) for other in lines if other is not line])
        return f"{said}, {beside}" if beside else said

    places = [f"“{line.text}” {place(line)}" for line in found[:3]]
    more = _(", and {n} more").format(n=len(found) - 3) if len(found) > 3 else ""
    if len(found) == 1:
        return _("“{text}” is {place}.").format(text=found[0].text, place=place(found[0])) + " " + _(FROM_TEXT)
    return _("{n} matches: {places}{more}.").format(n=len(found), places="; ".join(places), more=more) + " " + _(FROM_TEXT)


def _says(descriptor: str, lines: Sequence[TextLine], image: Image.Image) -> str | None:
    words = descriptor.lower().split()
    colour = next((w for w in words if w in COLOURS), None)
    if colour is None:
        return None  # "what does the sign say?": the model reads it with the text as context
    colour = "grey" if colour == "gray" else colour
    found = [line for line in reading_order(lines) if box_colour(image, line) == colour]
    if not found:
        return _("I found no text on a {colour} background.").format(colour=_(colour)) + " " + _(FROM_TEXT)
    said = "; ".join("“{text}” ({place})".format(text=line.text, place=_("at the {where}").format(
        where=_(position(line.box, *image.size)))) for line in found[:5])
    return _("The {descriptor} says {said}.").format(descriptor=descriptor.lower(), said=said) + " " + _(FROM_TEXT)


def matching(target: str, lines: Sequence[TextLine]) -> list[TextLine]:
    """Lines that are or contain ``target`` (case and punctuation aside), best first; close misspellings too."""
    want = _normal(target)
    if not want:
        return []
    exact = [line for line in lines if _normal(line.text) == want]
    if exact:
        return reading_order(exact)
    within = [line for line in lines if re.search(rf"\b{re.escape(want)}\b", _normal(line.text))]
    if within:
        return reading_order(within)
    close = [line for line in lines if difflib.SequenceMatcher(None, want, _normal(line.text)).ratio() >= 0.85]
    return reading_order(close)


def box_colour(image: Image.Image, line: TextLine) -> str:
    """The name of the background colour behind a line: the middle colour of its box (text is the minority)."""
    b = line.box
    crop = image.convert("RGB").crop((b.left, b.top, b.left + b.width, b.top + b.height)).resize((24, 6))
    data = crop.tobytes()
    pixels = sorted((tuple(data[i:i + 3]) for i in range(0, len(data), 3)), key=sum)
    r, g, b_ = pixels[len(pixels) // 2]
    return colour_name(r, g, b_)


def colour_name(r: int, g: int, b: int) -> str:
    """A colour's everyday name."""
    h, s, v = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
    if v < 0.2:
        return "black"
    if s < 0.2:
        return "white" if v > 0.85 else "grey"
    hue = h * 360
    for limit, name in ((15, "red"), (45, "orange"), (70, "yellow"), (165, "green"), (260, "blue"), (290, "purple"),
                        (345, "pink")):
        if hue < limit:
            return name
    return "red"


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def _unquote(text: str) -> str:
    return text.strip().strip("\"'“”‘’").strip()
