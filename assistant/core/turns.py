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

    @property
    def text(self) -> str:
        """The turn as shown in the conversation and exported: the one place this text is built."""
        if self.lead and not self.question:
            head = f"{self.source[:1].upper()}{self.source[1:]}: {self.lead}" + (f", {self.detail}" if self.detail else "")
            looks = f"Looks like: {self.answer.text}" if self.answer.text else ""
            return "\n".join(part for part in (head + ".", self._text_part(None), looks) if part)
        return turn_text(self.question, self.answer.text, self.source, self._text_part(None))

    @property
    def spoken(self) -> str:
        """What is said: the answer, then the first lines of text found (all are in the window).

        After a lead (a control's role and name, then its text, said as soon as each was known)
        only what it looks like is left to say.
        """
        if self.lead and not self.question:
            return f"Looks like: {self.answer.text}" if self.answer.text else ""
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
            notes.append("Your question was shortened to fit the model." if self.question else
                         "The caption prompt was shortened to fit the model.")
        if self.answer.dropped_turns:
            notes.append(f"The {self.answer.dropped_turns} oldest turns were left out to fit.")
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
        return f"the {source[7:].strip()} window"
    return {"focused window": "the window", "focused control": "the control", "explore item": "the item"}.get(source, "")


def turn_text(question: str, answer: str, source: str, text: str = "") -> str:
    """A turn as shown in the conversation and exported."""
    if question:
        return f"Question: {question}\nAnswer: {answer}"
    if not answer:  # the text alone (the "visible text" preset)
        return f"{text}" if text else f"Text in {source}: none found."
    return f"Description of {source}: {answer}" + (f"\n{text}" if text else "")
