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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from assistant.core.conversation import (  # noqa: F401 (re-exported: what callers of the session use)
    PRESETS,
    Conversation,
    HistoryWriter,
    Preset,
    SessionError,
    TextRunner,
)
from assistant.core.errors import one_line
from assistant.core.history.store import EncodedImages, NewTurn, StoredConversation, encode_images
from assistant.core.model.backend import Answer, AskRequest, CaptionRequest, ModelInfo, ModelRequest
from assistant.core.model.prompts import Turn
from assistant.core.speech import Speaker
from assistant.core.text.answers import answer_from_text
from assistant.core.text.layout import reading_order, text_block
from assistant.core.text.reader import TextLine, TextReadError
from assistant.core.translate.pipeline import AnswerTranslation
from assistant.core.turns import SessionTurn, complete_sentences, container_name, turn_text  # noqa: F401 (re-exported)
from assistant.i18n import _


class Session:
    """One conversation at a time. ``on_problem`` hears history failures (said once; the conversation goes on)."""

    def __init__(self, history: HistoryWriter | None = None, speaker: Speaker | None = None, *,
                 auto_speak: bool = True, on_problem: Callable[[str], None] | None = None,
                 reader: TextRunner | None = None, spoken_lines: int = 10, text_first: bool = True):
        self.history = history
        self.reader = reader  # reads the text of each new image beside the model; None: no text
        self.spoken_lines = spoken_lines
        self.text_first = text_first  # the text found is said as soon as it is read, before the caption
        self.speaker = speaker
        self.auto_speak = auto_speak
        self.on_problem = on_problem or (lambda message: None)
        self.conversation: Conversation | None = None
        self._encoder: ThreadPoolExecutor | None = None  # makes the history's JPEGs while the model answers
        self._asked: dict[int, tuple[Conversation, str]] = {}  # request id -> its conversation and question
        self._said: dict[int, str] = {}  # request id -> the sentences of its streaming answer already spoken
        self._ahead = threading.Lock()  # the text found said ahead (the reader's thread) or with the caption

    # -- what settings change --------------------------------------------------------------------
    def use_speaker(self, speaker: Speaker | None, auto_speak: bool | None = None) -> None:
        """Speak through ``speaker`` from now on; ``auto_speak``: whether answers are said as they come."""
        self.speaker = speaker
        if auto_speak is not None:
            self.auto_speak = auto_speak

    def use_reader(self, reader: TextRunner | None, spoken_lines: int, text_first: bool | None = None) -> None:
        """Read the text of the next images with ``reader`` (None: not at all); the old one is closed."""
        if self.reader is not None and self.reader is not reader:
            self.reader.close()
        self.reader, self.spoken_lines = reader, spoken_lines
        if text_first is not None:
            self.text_first = text_first

    def use_history(self, history: HistoryWriter | None) -> None:
        """Keep the next answers in ``history`` (None: keep nothing)."""
        self.history = history

    def close(self) -> None:
        """The app is ending: the history's image encoder stops (what it was making is finished first)."""
        if self._encoder is not None:
            self._encoder.shutdown(wait=True)
            self._encoder = None

    # -- starting --------------------------------------------------------------------------
    def begin(self, image: Image.Image, source: str, *, lead: str = "", detail: str = "",
              say_lead: bool = True, place: object | None = None) -> Conversation:
        """A new conversation about ``image``; nothing is kept until its first answer.

        ``lead`` (a control's role and name) is said at once; then call :meth:`say_text_found`
        when the text is read, and the caption follows as "Looks like: …".
        """
        self.conversation = Conversation(image, source, lead=lead, detail=detail, place=place)
        if lead and say_lead and self.auto_speak and self.speaker is not None:
            self.speaker.say(lead)
        if self.history is not None:
            if self._encoder is None:
                self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-images")
            self.conversation.encoded = self._encoder.submit(encode_images, image)
        if self.reader is not None:
            self.conversation.reading = self.reader.submit(image)
        self._asked.clear()
        return self.conversation

    def reopen(self, stored: StoredConversation, image: Image.Image | None) -> Conversation | None:
        """Continue a conversation from the history (None without its image: it can be read, not asked)."""
        self._asked.clear()
        if image is None:
            self.conversation = None
            return None
        self.conversation = Conversation(image, stored.source, caption=stored.caption,
                                         turns=[Turn(t.question_english or t.question, t.answer_english or t.answer)
                                                for t in stored.turns if t.question],
                                         history_id=stored.id)
        first = next((t for t in stored.turns if not t.question), None)
        if first is not None and first.lines:
            self.conversation.lines = [TextLine.from_dict(d) for d in first.lines]
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

    def ask_request(self, question: str) -> AskRequest | SessionTurn:
        """The model request for a follow-up (the text found goes with it), or an answer made from the text.

        "Where is X?" and "what does the red button say?" are answered from the text found,
        already kept and spoken, with no model call. Waits for the text reader if it is still
        reading (the window calls it once ``text_ready``).
        """
        question = question.strip()
        if not question:
            raise SessionError(_("Type a question first, then press Enter."))
        c = self._current()
        lines = self.text_lines(c)
        local = answer_from_text(question, lines, c.image, container_name(c.source)) \
            if c.reading is not None or c.lines else None
        if local is not None:
            if c.text_note and not lines:
                local = _("{note} So I cannot answer that from the text on screen.").format(note=c.text_note)
            c.turns.append(Turn(question, local))
            c.last_said = local
            turn = SessionTurn(question, Answer(local), c.source, None, from_text=True)
            self._keep(c, turn)
            self._say(turn)
            return turn
        context = " ; ".join(line.text for line in reading_order(lines))
        request = AskRequest(c.image, question, c.history(), context)
        self._asked[request.id] = (c, question)
        return request

    def changed(self, image: Image.Image, lines: list[TextLine], answer: str) -> SessionTurn:
        """"What changed?" answered (``core.watch.compare``): a turn of this conversation, kept and said.

        The new capture becomes the conversation's image and text, so the next question, and the
        next "What changed?", are about the screen as it is now.
        """
        c = self._current()
        question = _("What changed?")
        c.turns.append(Turn(question, answer))
        c.last_said = answer
        c.image, c.lines, c.reading = image, list(lines), None
        c.text_note = "" if lines else _("No text was found.")
        turn = SessionTurn(question, Answer(answer), c.source, None, from_text=True)
        self._keep(c, turn)
        self._say(turn)
        return turn

    def text_only(self) -> SessionTurn:
        """The "visible text" preset: the text found, as the description, without the caption model."""
        c = self._current()
        lines = self.text_lines(c)
        turn = self._description(c, Answer(""), None, lines)
        self._keep(c, turn)
        self._say(turn)
        return turn

    def translated_text(self, translation: AnswerTranslation) -> SessionTurn:
        """"Translate the text found": each line of it in the user's language, as a turn, kept and said.

        Runs the translation here: call it off the GUI thread.
        """
        c = self._current()
        lines = reading_order(self.text_lines(c))
        if not lines:
            raise SessionError(c.text_note or _("No text was found to translate."))
        originals = [line.text for line in lines]
        question = _("Translate the text found")
        answer = Answer("\n".join(translation.lines(originals)), language=translation.language,
                        english="\n".join(originals), question_english=question)
        c.turns.append(Turn(question, answer.english))
        c.last_said = answer.text
        turn = SessionTurn(question, answer, c.source, None, from_text=True)
        self._keep(c, turn)
        self._say(turn)
        return turn

    # -- the text found --------------------------------------------------------------------------
    def text_ready(self) -> bool:
        """True when asking or recording will not wait for the text reader."""
        c = self.conversation
        return c is None or c.reading is None or c.reading.done()

    def when_text_ready(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the reader's thread, or now) once the text of the current image is read."""
        c = self.conversation
        if c is None or c.reading is None:
            callback()
        else:
            c.reading.add_done_callback(lambda _f: callback())

    def text_lines(self, c: Conversation | None = None) -> list[TextLine]:
        """The text found in the conversation's image (waits for the reader); [] with ``text_note`` saying why."""
        c = c or self._current()
        if c.lines is None:
            if c.reading is None:
                return []
            try:
                c.lines = list(c.reading.result())
            except TextReadError as err:
                c.lines, c.text_note = [], _("{error} The description goes on without the text.").format(error=err)
            except Exception as err:  # noqa: BLE001 - never a traceback for the user
                c.lines, c.text_note = [], _("The text could not be read: {error}.").format(error=one_line(err))
            else:
                if not c.lines:
                    c.text_note = _("No text was found.")
        return c.lines

    def say_text_found(self) -> str:
        """After a lead: the text found in the control, said as soon as it is read ("Text: Export.")."""
        c = self._current()
        lines = reading_order(self.text_lines(c))
        said = _("Text: {text}.").format(text="; ".join(line.text for line in lines[: self.spoken_lines])) if lines else ""
        if said and self.auto_speak and self.speaker is not None:
            self.speaker.say(said, interrupt=False)
        return said

    def say_text_first(self, caption_waits: bool = False) -> str:
        """The text found, said the moment it is read, while the caption is still being made (``text_first``).

        The caption's turn then says only the caption, after it, in the same queue. With
        ``caption_waits`` (the model is still loading) the user also hears that the caption follows.
        Does nothing (returns "") for a control (its lead has its own order), once the caption is
        in, or when the caption is to come first. Safe from the reader's thread.
        """
        c = self.conversation
        if c is None or not self.text_first or c.lead or c.reading is None:
            return ""
        lines = self.text_lines(c)
        if not lines and not caption_waits:
            return ""  # nothing to say ahead: "No text was found." comes after the caption, as it always did
        said = text_block(reading_order(lines), *c.image.size, limit=self.spoken_lines) if lines else c.text_note
        if caption_waits:
            said = " ".join(part for part in (said, _("The caption follows when the model is ready.")) if part)
        with self._ahead:
            if c.caption or c.said_ahead:
                return ""
            c.said_ahead = said
        if said and self.auto_speak and self.speaker is not None:
            self.speaker.say(said)  # it replaces "Describing the screen…"; the caption is queued after it
        return said

    def question_of(self, request_id: int) -> str | None:
        asked = self._asked.get(request_id)
        return asked[1] if asked else None

    # -- answers ------------------------------------------------------------------------------
    def partial(self, request_id: int, text: str) -> None:
        """A streaming answer so far: each sentence is spoken as soon as it is complete."""
        if not (self.auto_speak and self.speaker is not None) or request_id not in self._asked:
            return
        conversation, question = self._asked[request_id]
        if conversation.lead and not question:
            return  # a control's caption is one short sentence, said after its text: never cut in
        said = self._said.get(request_id, "")
        done = complete_sentences(text)
        if len(done) > len(said) and done.startswith(said):
            ahead = bool(conversation.said_ahead) and not question  # the text found is being said: the caption queues after it
            self.speaker.say(done[len(said):].strip(), interrupt=not said and not ahead)
            self._said[request_id] = done

    def record(self, request_id: int, answer: Answer, model: ModelInfo | None) -> SessionTurn | None:
        """Take an answer back: into the conversation, the history and the speaker. None if it is stale."""
        asked = self._asked.pop(request_id, None)
        if asked is None or asked[0] is not self.conversation:
            return None  # for a conversation the user has since left
        c, question = asked
        if question:  # the model's own English, when the answer was translated, is what it sees next time
            c.turns.append(Turn(answer.question_english or question, answer.english or answer.text))
            c.last_said = answer.text
            turn = SessionTurn(question, answer, c.source, model)
        else:
            lines = self.text_lines(c)
            with self._ahead:  # the text found is said ahead of the caption, or with it: never both
                c.caption = answer.text
            turn = self._description(c, answer, model, lines)
        self._keep(c, turn)
        self._say(turn, self._said.pop(request_id, ""))
        return turn

    def _description(self, c: Conversation, answer: Answer, model: ModelInfo | None,
                     lines: list[TextLine]) -> SessionTurn:
        return SessionTurn("", answer, c.source, model, tuple(reading_order(lines)), c.text_note, c.image.size,
                           spoken_lines=self.spoken_lines, lead=c.lead, detail=c.detail,
                           text_said=bool(c.said_ahead))

    def _say(self, turn: SessionTurn, said: str = "") -> None:
        """Speak the turn; of a streamed answer, only what its sentences already spoken did not say."""
        if not (self.auto_speak and self.speaker is not None):
            return
        spoken = turn.spoken
        if not spoken:
            return
        if said and spoken.startswith(said):
            self.speaker.say(spoken[len(said):].strip(), interrupt=False)
        else:
            self.speaker.say(spoken, interrupt=not (turn.lead or turn.text_said))

    def _keep(self, c: Conversation, turn: SessionTurn) -> None:
        if self.history is None or c.history_id == -1:
            return
        info = turn.model
        answer = turn.answer
        row = NewTurn(turn.question, answer.text, info.model if info else "", info.precision if info else "",
                      answer.seconds, tuple(line.to_dict() for line in turn.lines), answer.language,
                      answer.question_english, answer.english)
        try:
            if c.history_id is None:
                c.history_id = self.history.start(_encoded(c), c.source, [row])
            else:
                self.history.add_turn(c.history_id, row.question, row.answer, model=row.model, device=row.device,
                                      seconds=row.seconds, language=row.language,
                                      question_english=row.question_english, answer_english=row.answer_english)
        except (sqlite3.Error, OSError) as err:
            self.history = None
            self.on_problem(_("The history cannot be saved any more ({error}); conversations go on without it.").format(
                error=err))

    def last_answer(self) -> str:
        c = self.conversation
        if c is None:
            return ""
        return (c.last_said or c.turns[-1].answer) if c.turns else c.caption

    def _current(self) -> Conversation:
        if self.conversation is None:
            raise SessionError(_("There is no image yet: open, paste or drop one, or describe the screen first."))
        return self.conversation


def _encoded(c: Conversation) -> Image.Image | EncodedImages:
    """The JPEGs made ahead, or the image itself (encoded now) if that failed."""
    try:
        return c.encoded.result() if c.encoded is not None else c.image
    except Exception:  # noqa: BLE001 - a bad image is reported where it is written
        return c.image
