"""The conversation service: one image, its description and the questions since; kept and spoken.

The window and the command line both run "describe an image, ask about it, keep it, speak
it" through a :class:`Session`, and nothing else does. It builds the model requests, takes
each answer back as a :class:`SessionTurn` (with the model it came from), writes the
history through the small :class:`HistoryWriter` interface (a conversation goes in with its
first answer, in one transaction) and hands what is to be spoken to a ``Speaker``. It runs
no model itself: the caller sends the request to a model (in-process, the model process,
later a server) and gives the answer back, so it is the same for a blocking CLI and an
asynchronous window. No Qt here.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from assistant.core.errors import AssistantError
from assistant.core.history.store import EncodedImages, NewTurn, StoredConversation, encode_images
from assistant.core.model.backend import Answer, AskRequest, CaptionRequest, ModelInfo, ModelRequest
from assistant.core.model.prompts import Turn
from assistant.core.speech import Speaker


@dataclass(frozen=True)
class Preset:
    """What a new description asks: a plain caption, a prompted caption, or a question straight away."""

    name: str
    prefix: str | None = None
    question: str | None = None


PRESETS = (
    Preset("short caption"),
    Preset("detailed", prefix="A detailed description of this image:"),
    Preset("visible text", question="What text is visible?"),
)


class SessionError(AssistantError):
    """A request the session refuses (no image yet, an empty question): one sentence for the user."""


class HistoryWriter(Protocol):
    """What the session needs of the history (``HistoryStore`` is one)."""

    def start(self, image: Image.Image | EncodedImages | None, source: str, turns: Sequence[NewTurn]) -> int: ...

    def add_turn(self, conversation_id: int, question: str, answer: str, *, model: str = "", device: str = "",
                 seconds: float = 0.0) -> None: ...


@dataclass
class Conversation:
    image: Image.Image = field(repr=False)
    source: str  # "screen", "window Firefox", "clipboard", a file name
    caption: str = ""
    turns: list[Turn] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    history_id: int | None = None  # its row in the history, once its first answer is kept
    encoded: Future | None = field(default=None, repr=False)  # its JPEGs for the history, made while the model runs

    def history(self) -> tuple[Turn, ...]:
        """Earlier question-and-answer turns, for the chat prompt."""
        return tuple(self.turns)


@dataclass(frozen=True)
class SessionTurn:
    question: str  # "" for the description
    answer: Answer
    source: str
    model: ModelInfo | None = None

    @property
    def text(self) -> str:
        """The turn as shown in the conversation and exported: the one place this text is built."""
        return turn_text(self.question, self.answer.text, self.source)

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


def turn_text(question: str, answer: str, source: str) -> str:
    return f"Question: {question}\nAnswer: {answer}" if question else f"Description of {source}: {answer}"


_ENCODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-images")


class Session:
    """One conversation at a time. ``on_problem`` hears history failures (said once; the conversation goes on)."""

    def __init__(self, history: HistoryWriter | None = None, speaker: Speaker | None = None, *,
                 auto_speak: bool = True, on_problem: Callable[[str], None] | None = None):
        self.history = history
        self.speaker = speaker
        self.auto_speak = auto_speak
        self.on_problem = on_problem or (lambda message: None)
        self.conversation: Conversation | None = None
        self._asked: dict[int, tuple[Conversation, str]] = {}  # request id -> its conversation and question

    # -- starting --------------------------------------------------------------------------
    def begin(self, image: Image.Image, source: str) -> Conversation:
        """A new conversation about ``image``; nothing is kept until its first answer."""
        self.conversation = Conversation(image, source)
        if self.history is not None:
            self.conversation.encoded = _ENCODER.submit(encode_images, image)
        self._asked.clear()
        return self.conversation

    def reopen(self, stored: StoredConversation, image: Image.Image | None) -> Conversation | None:
        """Continue a conversation from the history (None without its image: it can be read, not asked)."""
        self._asked.clear()
        if image is None:
            self.conversation = None
            return None
        self.conversation = Conversation(image, stored.source, caption=stored.caption,
                                         turns=[Turn(t.question, t.answer) for t in stored.turns if t.question],
                                         history_id=stored.id)
        return self.conversation

    def clear(self) -> None:
        self.conversation = None
        self._asked.clear()

    def forget_history_id(self, conversation_id: int | None) -> None:
        """The history row was deleted: later turns are not written to it."""
        c = self.conversation
        if c is not None and (conversation_id is None or conversation_id == c.history_id):
            c.history_id = -1  # deleted: neither written again nor started anew

    # -- requests ----------------------------------------------------------------------------
    def describe_request(self, prefix: str | None = None, question: str | None = None) -> ModelRequest:
        """The first request about the current image: a caption, a prompted caption, or a preset question."""
        c = self._current()
        request = AskRequest(c.image, question) if question else CaptionRequest(c.image, prefix)
        self._asked[request.id] = (c, question or "")
        return request

    def ask_request(self, question: str) -> AskRequest:
        question = question.strip()
        if not question:
            raise SessionError("Type a question first, then press Enter.")
        c = self._current()
        request = AskRequest(c.image, question, c.history())
        self._asked[request.id] = (c, question)
        return request

    def question_of(self, request_id: int) -> str | None:
        asked = self._asked.get(request_id)
        return asked[1] if asked else None

    # -- answers ------------------------------------------------------------------------------
    def record(self, request_id: int, answer: Answer, model: ModelInfo | None) -> SessionTurn | None:
        """Take an answer back: into the conversation, the history and the speaker. None if it is stale."""
        asked = self._asked.pop(request_id, None)
        if asked is None or asked[0] is not self.conversation:
            return None  # for a conversation the user has since left
        c, question = asked
        if question:
            c.turns.append(Turn(question, answer.text))
        else:
            c.caption = answer.text
        turn = SessionTurn(question, answer, c.source, model)
        self._keep(c, turn)
        if self.auto_speak and self.speaker is not None:
            self.speaker.say(answer.text)
        return turn

    def _keep(self, c: Conversation, turn: SessionTurn) -> None:
        if self.history is None or c.history_id == -1:
            return
        info = turn.model
        row = NewTurn(turn.question, turn.answer.text, info.model if info else "", info.precision if info else "",
                      turn.answer.seconds)
        try:
            if c.history_id is None:
                c.history_id = self.history.start(_encoded(c), c.source, [row])
            else:
                self.history.add_turn(c.history_id, row.question, row.answer, model=row.model, device=row.device,
                                      seconds=row.seconds)
        except (sqlite3.Error, OSError) as err:
            self.history = None
            self.on_problem(f"The history cannot be saved any more ({err}); conversations go on without it.")

    def last_answer(self) -> str:
        c = self.conversation
        if c is None:
            return ""
        return c.turns[-1].answer if c.turns else c.caption

    def _current(self) -> Conversation:
        if self.conversation is None:
            raise SessionError("There is no image yet: open, paste or drop one, or describe the screen first.")
        return self.conversation


def _encoded(c: Conversation) -> Image.Image | EncodedImages:
    """The JPEGs made ahead, or the image itself (encoded now) if that failed."""
    try:
        return c.encoded.result() if c.encoded is not None else c.image
    except Exception:  # noqa: BLE001 - a bad image is reported where it is written
        return c.image
