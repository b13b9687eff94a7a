"""``blip-assistant describe IMAGE [--ask Q]...``: the same conversation service as the window, on a terminal.

Three steps, kept apart: :func:`converse` runs the conversation (caption, then each
question, each kept in the history as it comes), :func:`print_turn` prints a turn, and
:func:`to_json` builds the ``--json`` record.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.cli.common import EXIT_BAD_INPUT, EXIT_OK, build_model, fail, fail_model, note, open_history, warn
from assistant.cli.options import add_model_options, add_voice_options, settings_for
from assistant.config import Settings
from assistant.core.errors import AssistantError, ImageError, terminal_safe
from assistant.core.model.backend import ModelInfo, run_request
from assistant.core.model.local.hub import human_bytes
from assistant.core.session import Session, SessionTurn
from assistant.core.translate.pipeline import AnswerTranslation
from assistant.core.translated import TranslatingModel
from assistant.i18n import _


def add_parser(sub) -> None:
    """The ``describe`` subcommand and its options."""
    d = sub.add_parser("describe", help=_("describe an image, then answer questions about it"))
    d.add_argument("image", help=_("image file to describe"))
    d.add_argument("--ask", action="append", default=[], metavar="QUESTION", help=_("a follow-up question (repeatable)"))
    d.add_argument("--prompt", metavar="PREFIX", help=_('text for the caption to continue, e.g. "this is a cartoon of"'))
    add_model_options(d)
    d.add_argument("--max-new-tokens", type=int, metavar="N", help=_("longest answer, in tokens"))
    d.add_argument("--json", action="store_true", help=_("print one JSON object on stdout"))
    text = d.add_mutually_exclusive_group()
    text.add_argument("--text-only", action="store_true", help=_("only the text in the image (OCR): no caption model"))
    text.add_argument("--no-text", action="store_true", help=_("do not read the text in the image"))
    d.add_argument("-q", "--quiet", action="store_true", help=_("no progress on stderr (warnings and errors still)"))
    spoken = d.add_mutually_exclusive_group()
    spoken.add_argument("--speak", action="store_true", help=_("speak the caption and answers aloud"))
    spoken.add_argument("--speak-to", metavar="FILE.wav", help=_("write the caption and answers as one WAV file"))
    add_voice_options(d)
    d.add_argument("--no-history", action="store_true", help=_("do not save this conversation in the history"))


@dataclass
class Transcript:
    """What a conversation gave: the model it ran on, the caption's turn, then each question's."""

    info: ModelInfo | None = None
    caption: SessionTurn | None = None
    turns: list[SessionTurn] = field(default_factory=list)


class TextOnlyQuestion(AssistantError):
    """``--text-only`` was given a question that only the caption model can answer."""


def run(args) -> int:
    """Exit codes: 0 ok; 2 bad input; 3 model not available; 4 model failed."""
    from assistant.core.capture.images import load_image

    if any(not question.strip() for question in args.ask):
        return fail(_("--ask needs a question: an empty one was given."), EXIT_BAD_INPUT)
    try:
        settings = settings_for(args)
        image = load_image(args.image)
    except (ImageError, ValueError) as err:
        return fail(err, EXIT_BAD_INPUT)
    started = time.perf_counter()
    translation = None if args.text_only else answer_translation(settings, args)
    store = None if args.no_history else open_history(settings)
    reading = (args.text_only or settings.text.enabled) and not args.no_text
    from assistant.core.text.runner import ThreadTextRunner

    reader = ThreadTextRunner() if reading else None  # reads while the model loads and captions
    if reader is not None and translation is not None and settings.language.translate_text:
        from assistant.core.translated import TranslatingReader

        reader = TranslatingReader(reader, lambda: translation)
    session = Session(store, on_problem=lambda m: warn([m]), reader=reader, auto_speak=False,
                      spoken_lines=settings.text.spoken_lines, text_first=settings.text.say_first)
    session.begin(image, Path(args.image).name)
    try:
        transcript = converse(session, settings, args, on_turn=None if args.json else print_turn,
                              translation=translation)
    except TextOnlyQuestion as err:
        return fail(err, EXIT_BAD_INPUT)
    except AssistantError as err:
        return fail_model(err)
    finally:
        session.close()
        if reader is not None:
            reader.close()
        if store is not None:
            store.close()
    from assistant.cli.speech import speak

    ahead = session.conversation.said_ahead if session.conversation is not None else ""
    code = speak(args, settings.speech, [part for part in (ahead, transcript.caption.spoken) if part]
                 + [f"{t.question} {t.answer.text}" for t in transcript.turns],
                 translation.language if translation is not None else "")
    if code:
        return code
    if args.json:
        print(json.dumps(to_json(transcript, args.image, reading, time.perf_counter() - started), ensure_ascii=False))
    return EXIT_OK


def converse(session: Session, settings: Settings, args, on_turn: Callable[[SessionTurn], None] | None = None,
             translation: AnswerTranslation | None = None) -> Transcript:
    """The caption (or the text only), then each ``--ask``; notes on stderr say how answers were made.

    With ``translation``, questions are asked and answers given in the user's language (the model's English kept).
    """
    transcript = Transcript()
    model = None
    if args.text_only:
        caption = session.text_only()
    else:
        from assistant.cli.progress import progress_printer

        if on_turn is not None:  # the fast part first: the text found is printed while the model loads
            session.when_text_ready(lambda: _text_ahead(session))
        model = build_model(settings)
        if translation is not None:
            model = TranslatingModel(model, translation)
        transcript.info = model.load(progress_printer(args.quiet))
        request = session.describe_request(prefix=args.prompt)
        caption = session.record(request.id, run_request(model, request), transcript.info)
        if caption.answer.prompt_shortened:
            note(_("the --prompt text was shortened to fit the model."))
    if caption.text_note and caption.text_note != _("No text was found.") and not args.text_only:
        note(caption.text_note)  # the reader failed; "no text" is in --json and needs no note on a photo
    transcript.caption = caption
    if on_turn is not None:
        on_turn(caption)
    for n, question in enumerate(args.ask, 1):
        turn = session.ask_request(question)
        if not isinstance(turn, SessionTurn):  # not answered from the text: the model answers
            if model is None:
                raise TextOnlyQuestion(_('--text-only answers only questions about the text (where is X?); question {n} needs '
                                         'the caption model.').format(n=n))
            turn = session.record(turn.id, run_request(model, turn), transcript.info)
        if turn.answer.prompt_shortened:
            note(_("question {n} ({length} characters) was shortened to fit the model; its answer is about the beginning "
                   "only.").format(n=n, length=len(question)))
        if turn.answer.dropped_turns:
            note(_("the {dropped} oldest turns were left out of question {n} to fit the model.").format(
                dropped=turn.answer.dropped_turns, n=n))
        transcript.turns.append(turn)
        if on_turn is not None:
            on_turn(turn)
    return transcript


_PRINTING = threading.Lock()  # the text found (the reader's thread) is printed whole before the caption


def _text_ahead(session: Session) -> None:
    """On the reader's thread: all the text found, printed at once, when it comes before the caption."""
    with _PRINTING:
        if session.say_text_first():
            from assistant.core.text.layout import reading_order, text_block

            c = session.conversation
            print(terminal_safe(text_block(reading_order(session.text_lines(c)), *c.image.size)), flush=True)


def print_turn(turn: SessionTurn) -> None:
    """A question and its answer; the caption with the text found by region (all of it: a terminal scrolls)."""
    from assistant.core.text.layout import text_block

    if turn.question:
        text = f"Q: {turn.question}\nA: {turn.answer.text}"
    elif turn.text_said:
        text = turn.answer.text  # its text was printed as soon as it was read
    else:
        block = text_block(turn.lines, *turn.image_size) if turn.lines else ""
        text = "\n".join(part for part in (turn.answer.text, block) if part) or turn.text_note
    with _PRINTING:
        print(terminal_safe(text), flush=True)


def to_json(t: Transcript, image: str, reading: bool, seconds: float) -> dict:
    """The ``--json`` record: the model, the caption, the text found, each turn."""
    info, caption = t.info, t.caption
    return {
        "image": image, "model": info.model if info else None, "device": info.device if info else None,
        "quantization": info.quantization if info else None, "precision": info.precision if info else None,
        "weights": info.weights if info else None,
        "language": caption.answer.language or "en",
        "caption": caption.answer.text, "prompt_shortened": caption.answer.prompt_shortened,
        **({"caption_english": caption.answer.english} if caption.answer.language else {}),
        "text": [line.to_dict() for line in caption.lines] if reading else None,
        "text_note": caption.text_note,
        "turns": [{"question": turn.question, "answer": turn.answer.text, "seconds": round(turn.answer.seconds, 3),
                   "question_shortened": turn.answer.prompt_shortened, "turns_left_out": turn.answer.dropped_turns,
                   "from_text": turn.from_text, **_english(turn)} for turn in t.turns],
        "seconds": round(seconds, 3),
    }


def _english(turn: SessionTurn) -> dict:
    """A translated turn's English: what the model was asked and answered."""
    answer = turn.answer
    if not answer.language:
        return {}
    return {"language": answer.language, "question_english": answer.question_english, "answer_english": answer.english}


def answer_translation(settings: Settings, args) -> AnswerTranslation | None:
    """The translation questions and answers need, or None (English); missing models are fetched only for --language."""
    from assistant.core import answer_language as al
    from assistant.core.errors import Cancelled
    from assistant.core.model.local.hub import NoNetworkError

    setup = al.set_up(settings.language)
    if setup.missing and getattr(args, "language", None):
        try:
            todo = al.plans(setup)
            if todo:
                size = human_bytes(sum(p.bytes_needed for p in todo))
                note(_("downloading the translation models for {language}, {size} (once).").format(
                    language=al.language_name(setup.language), size=size))
            al.fetch(setup, todo, on_step=None if args.quiet else note)
            setup = al.set_up(settings.language)
        except NoNetworkError:
            note(_("{message} The internet cannot be reached to download them (or offline mode is on).").format(
                message=setup.message))
            return None
        except (AssistantError, Cancelled) as err:
            note(f"{setup.message} ({err})")
            return None
    if setup.message:
        note(setup.message)
    return setup.translation
