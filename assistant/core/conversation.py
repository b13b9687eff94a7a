"""What a conversation is made of: its presets, its image and turns, and what the session needs of the rest.

The data the conversation service (``session.py``) works on, and the two small interfaces it is
given: the text reader beside the model and the history it writes to. No Qt here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from assistant.core.errors import AssistantError
from assistant.core.history.store import EncodedImages, NewTurn
from assistant.core.model.prompts import Turn
from assistant.core.text.reader import TextLine
from assistant.i18n import N_


@dataclass(frozen=True)
class Preset:
    """What a new description asks: a plain caption, a prompted caption, or a question straight away."""

    name: str
    prefix: str | None = None
    question: str | None = None
    text_only: bool = False  # the text found, without the caption model: fast


PRESETS = (
    Preset(N_("short caption")),
    Preset(N_("detailed"), prefix="A detailed description of this image:"),
    Preset(N_("visible text"), question="What text is visible?", text_only=True),  # the question if reading is off
)


class SessionError(AssistantError):
    """A request the session refuses (no image yet, an empty question): one sentence for the user."""


class TextRunner(Protocol):
    """Reads an image's text beside the model (``core.text.runner``): a ``Future`` of ``TextLine`` s."""

    def submit(self, image: Image.Image) -> Future: ...

    def close(self) -> None: ...


class HistoryWriter(Protocol):
    """What the session needs of the history (``HistoryStore`` is one)."""

    def start(self, image: Image.Image | EncodedImages | None, source: str, turns: Sequence[NewTurn]) -> int: ...

    def add_turn(self, conversation_id: int, question: str, answer: str, *, model: str = "", device: str = "",
                 seconds: float = 0.0, language: str = "", question_english: str = "",
                 answer_english: str = "") -> None: ...


@dataclass
class Conversation:
    """The current image, its caption and turns, and the text found in it."""

    image: Image.Image = field(repr=False)
    source: str  # "screen", "window Firefox", "clipboard", a file name
    caption: str = ""
    turns: list[Turn] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    history_id: int | None = None  # its row in the history, once its first answer is kept
    encoded: Future | None = field(default=None, repr=False)  # its JPEGs for the history, made while the model runs
    reading: Future | None = field(default=None, repr=False)  # the text reader's lines, read while the model runs
    lines: list[TextLine] | None = None  # the text found, once read
    text_note: str = ""  # "No text was found." or why it could not be read
    lead: str = ""  # said first, before the text and the caption: what the accessibility API says of a control
    detail: str = ""  # shown with the lead: where the control is
    place: object | None = field(default=None, repr=False)  # a watch.Watched: where it was captured, to look again
    last_said: str = ""  # the last answer as the user got it (``turns`` hold what the model saw: English)
    said_ahead: str = ""  # the text found, said ahead of the caption: the caption's turn does not repeat it

    def history(self) -> tuple[Turn, ...]:
        """Earlier question-and-answer turns, for the chat prompt."""
        return tuple(self.turns)
