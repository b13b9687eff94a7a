"""What the user gets back from a conversation: each turn as shown, spoken and exported.

:class:`SessionTurn` is the one place a turn's text is built (the window, the command line, the
history export); a control's turn (with a lead) is said in parts. No Qt here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.model.backend import Answer, ModelInfo
from assistant.core.text.layout import text_block
from assistant.core.text.reader import TextLine
from assistant.i18n import N_, _, ngettext


@dataclass(frozen=True)
class SessionTurn:
    """One answer as the user gets it: shown, spoken and kept."""

    question: str  # "" for the description
    answer: Answer
    source: str
    model: ModelInfo | None = None
    lines: tuple[TextLine, ...] = ()  # the text found (the description's turn only)
    text_note: str = ""
    image_size: tuple[int, int] = (0, 0)
    from_text: bool = False  # answered from the text found, not by the model
    spoken_lines: int = 10
    lead: str = ""  # a control's description: its role and name were said first, then its text
    detail: str = ""
    text_said: bool = False  # the text found was said before the caption came: not said again

    @property
    def text(self) -> str:
        """The turn as shown in the conversation and exported: the one place this text is built."""
        if self.lead and not self.question:
            shown = source_name(self.source)
            head = f"{shown[:1].upper()}{shown[1:]}: {self.lead}" + (f", {self.detail}" if self.detail else "")
            looks = _("Looks like: {answer}").format(answer=self.answer.text) if self.answer.text else ""
            return "\n".join(part for part in (head + ".", self._text_part(None), looks) if part)
        return turn_text(self.question, self.answer.text, self.source, self._text_part(None))

    @property
    def spoken(self) -> str:
        """What is said: the answer, then the first lines of text found (all are in the window).

        After a lead (a control's role and name, then its text, said as soon as each was known)
        only what it looks like is left to say.
        """
        if self.lead and not self.question:
            return _("Looks like: {answer}").format(answer=self.answer.text) if self.answer.text else ""
        if self.text_said and not self.question:
            return self.answer.text
        return " ".join(part for part in (self.answer.text, self._text_part(self.spoken_lines)) if part)

    def _text_part(self, limit: int | None) -> str:
        if self.question:
            return ""
        if self.lines:
            return text_block(self.lines, *self.image_size, limit=limit)
        return self.text_note

    @property
    def notes(self) -> list[str]:
        """What the user should know about how the answer was made."""
        notes = []
        if self.answer.prompt_shortened:
            notes.append(_("Your question was shortened to fit the model.") if self.question else
                         _("The caption prompt was shortened to fit the model."))
        if self.answer.dropped_turns:
            notes.append(ngettext("The oldest turn was left out to fit.", "The {n} oldest turns were left out to fit.",
                                  self.answer.dropped_turns).format(n=self.answer.dropped_turns))
        return notes


def complete_sentences(text: str) -> str:
    """``text`` up to the end of its last complete sentence ("" if none is complete yet).

    A sentence is complete once the stream has gone past its full stop, so "3." of "3.5" waits.
    """
    ends = [m.end() for m in re.finditer(r"[.!?…](?=\s)", text or "")]
    return text[: ends[-1]] if ends else ""


def container_name(source: str) -> str:
    """What the image is, for "at the top left of …": "the Export window"; "" for a screen or a file."""
    if source.startswith("window ") and source[7:].strip():
        return _("the {title} window").format(title=source[7:].strip())
    return _(CONTAINERS[source]) if source in CONTAINERS else ""


# What an image came from, as the user reads it ("window Firefox" is translated as "window {title}").
SOURCES = {"screen": N_("screen"), "all screens": N_("all screens"), "clipboard": N_("clipboard"),
           "focused window": N_("focused window"), "focused control": N_("focused control"),
           "explore item": N_("explore item"), "object under the pointer": N_("object under the pointer"),
           "area around the pointer": N_("area around the pointer"), "pasted image": N_("pasted image")}
CONTAINERS = {"focused window": N_("the window"), "focused control": N_("the control"), "explore item": N_("the item")}


def source_name(source: str) -> str:
    """Where an image came from, in the interface's language; a file name stays as it is."""
    if source.startswith("window ") and source[7:].strip():
        return _("window {title}").format(title=source[7:].strip())
    return _(SOURCES[source]) if source in SOURCES else source


def turn_text(question: str, answer: str, source: str, text: str = "") -> str:
    """A turn as shown in the conversation and exported."""
    if question:
        return _("Question: {question}\nAnswer: {answer}").format(question=question, answer=answer)
    if not answer:  # the text alone (the "visible text" preset)
        return f"{text}" if text else _("Text in {source}: none found.").format(source=source_name(source))
    return _("Description of {source}: {answer}").format(source=source_name(source), answer=answer) + (
        f"\n{text}" if text else "")
