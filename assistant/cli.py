"""Command line: ``blip-assistant`` (the desktop app) and headless subcommands.

Exit codes: 0 ok; 2 bad input; 3 model not available; 4 model failed to load or run.
Progress and errors go to stderr; with ``--json`` stdout holds one JSON object only.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time

from assistant import __version__
from assistant.cli_progress import progress_printer
from assistant.config import CPU_PRECISIONS, DEVICES, SPEECH_OUTPUTS, Settings, load_settings
from assistant.core.errors import AssistantError, ImageError, ModelUnavailableError, terminal_safe
from assistant.core.model.secrets import ENV_KEY

EXIT_OK, EXIT_BAD_INPUT, EXIT_NO_MODEL, EXIT_MODEL_FAILED = 0, 2, 3, 4


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other bad input
        print(f"error: {message} (see --help)", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    """``blip-assistant describe ...``: the headless command."""
    parser = _Parser(prog="blip-assistant", description="Private, local descriptions of images and the screen.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    d = sub.add_parser("describe", help="describe an image, then answer questions about it")
    d.add_argument("image", help="image file to describe")
    d.add_argument("--ask", action="append", default=[], metavar="QUESTION", help="a follow-up question (repeatable)")
    d.add_argument("--prompt", metavar="PREFIX", help='text for the caption to continue, e.g. "this is a cartoon of"')
    _add_model_options(d)
    d.add_argument("--max-new-tokens", type=int, metavar="N", help="longest answer, in tokens")
    d.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    text = d.add_mutually_exclusive_group()
    text.add_argument("--text-only", action="store_true", help="only the text in the image (OCR): no caption model")
    text.add_argument("--no-text", action="store_true", help="do not read the text in the image")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr (warnings and errors still)")
    spoken = d.add_mutually_exclusive_group()
    spoken.add_argument("--speak", action="store_true", help="speak the caption and answers aloud")
    spoken.add_argument("--speak-to", metavar="FILE.wav", help="write the caption and answers as one WAV file")
    _add_voice_options(d)
    d.add_argument("--no-history", action="store_true", help="do not save this conversation in the history")
    from assistant.batch_cli import add_parser as add_folder_parser
    from assistant.history_cli import add_parser

    add_folder_parser(sub, _add_model_options)
    add_parser(sub)
    v = sub.add_parser("voices", help="list the voices of the text-to-speech engine")
    v.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    i = sub.add_parser("install-desktop", help="add the menu entry and icons for this user (Linux)")
    i.add_argument("--uninstall", action="store_true", help="remove them again")
    i.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    return parser


def _add_voice_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--voice", metavar="ID", help="a voice id from `blip-assistant voices`")
    p.add_argument("--rate", type=int, metavar="WPM", help="words per minute")
    p.add_argument("--volume", type=float, metavar="0-1")


def build_app_parser() -> argparse.ArgumentParser:
    """``blip-assistant [IMAGE...]``: the desktop app."""
    parser = _Parser(
        prog="blip-assistant",
        description="Private, local descriptions of images and the screen. Without a subcommand, starts the app. "
                    "Options given here override the settings file for this session only.",
        epilog="subcommands (each has --help):\n"
               "  describe IMAGE    describe an image, then answer questions about it (--ask)\n"
               "  describe-folder DIR -o ALT.csv   alt text for every image in a folder (resumable)\n"
               "  history ...       list, show, search, export or delete past conversations\n"
               "  voices            list the voices of the text-to-speech engine\n"
               "  install-desktop   add the menu entry and icons for this user (Linux; --uninstall)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("images", nargs="*", metavar="IMAGE", help="images to open")
    _add_model_options(parser)
    parser.add_argument("--high-contrast", action="store_true", help="white and yellow on black (at least 7:1)")
    parser.add_argument("--speech", choices=SPEECH_OUTPUTS,
                        help="auto: your screen reader while one runs, else our voice; voice; screen_reader; both; silent")
    parser.add_argument("--no-auto-speak", action="store_true", help="do not speak captions and answers as they arrive")
    parser.add_argument("--no-hotkeys", action="store_true", help="no global hotkeys (the window's shortcuts still work)")
    parser.add_argument("--max-new-tokens", type=int, metavar="N", help="longest answer, in tokens")
    _add_voice_options(parser)
    return parser


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", metavar="ID_OR_PATH", help="Hugging Face id or local folder")
    p.add_argument("--device", choices=DEVICES)
    p.add_argument("--quant", choices=["auto", "4bit", "8bit", "none"])
    p.add_argument("--cpu-precision", choices=list(CPU_PRECISIONS),
                   help="auto: the fastest that fits in memory (int8 on most CPUs)")
    p.add_argument("--server", metavar="URL",
                   help="send the image to this OpenAI-compatible model server (vLLM) instead of running the model here; "
                        f"its API key comes from the secret store or ${ENV_KEY}")
    p.add_argument("--server-model", metavar="NAME", help="the served model's name (default: the server's only model)")
    p.add_argument("--allow-http", action="store_true", default=None,
                   help="allow plain http:// to another computer (images cross the network unencrypted)")
    p.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])


# (section, field, argument): an argument given on the command line overrides the settings file.
OVERRIDES = [
    ("model", "model", "model"), ("model", "device", "device"), ("model", "quantization", "quant"),
    ("model", "cpu_precision", "cpu_precision"), ("model", "server_url", "server"),
    ("model", "server_model", "server_model"), ("model", "allow_http", "allow_http"),
    ("generation", "max_new_tokens", "max_new_tokens"),
    ("speech", "output", "speech"), ("speech", "voice", "voice"), ("speech", "rate", "rate"), ("speech", "volume", "volume"),
]


def _check_ranges(args) -> None:
    """Range errors name the option the user typed, not the settings field behind it."""
    tokens = getattr(args, "max_new_tokens", None)
    if tokens is not None and not 1 <= tokens <= 400:
        raise ValueError(f"--max-new-tokens must be between 1 and 400, not {tokens}")
    rate = getattr(args, "rate", None)
    if rate is not None and not 60 <= rate <= 500:
        raise ValueError(f"--rate must be between 60 and 500 words per minute, not {rate}")
    volume = getattr(args, "volume", None)
    if volume is not None and not 0.0 <= volume <= 1.0:
        raise ValueError(f"--volume must be between 0 and 1, not {volume}")


def settings_from_args(args, base: Settings | None = None) -> Settings:
    """``base`` (the settings file) with what the command line says laid over it. Raises ValueError."""
    from dataclasses import replace

    settings = base or Settings()
    for section, name, arg in OVERRIDES:
        value = getattr(args, arg, None)
        if value is not None:
            settings = replace(settings, **{section: replace(getattr(settings, section), **{name: value})})
    if getattr(args, "server", None):
        settings = replace(settings, model=replace(settings.model, backend="server"))
    if getattr(args, "no_auto_speak", False):
        settings = replace(settings, speech=replace(settings.speech, auto_speak=False))
    if getattr(args, "high_contrast", False):
        settings = replace(settings, appearance=replace(settings.appearance, theme="high_contrast"))
    if getattr(args, "no_hotkeys", False):
        settings = replace(settings, hotkeys=replace(settings.hotkeys, enabled=False))
    return settings


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    headless = bool(argv) and argv[0] in ("describe", "describe-folder", "voices", "history", "install-desktop")
    args = (build_parser() if headless else build_app_parser()).parse_args(argv)
    log_format = "%(levelname)s [%(threadName)s] %(name)s: %(message)s"
    logging.basicConfig(level=args.log_level.upper(), format=log_format, stream=sys.stderr)
    try:
        if headless:
            if args.command == "history":
                from assistant.history_cli import run as run_history

                return run_history(args)
            if args.command == "describe-folder":
                from assistant.batch_cli import run as run_folder

                return run_folder(args)
            if args.command == "install-desktop":
                from assistant.desktop_entry import run as run_install

                return run_install(args)
            return _voices() if args.command == "voices" else _describe(args)
        from assistant.app import run

        saved, messages = load_settings()
        try:
            _check_ranges(args)
            settings = settings_from_args(args, saved)
        except ValueError as err:
            return _fail(err, EXIT_BAD_INPUT)
        return run(settings, args.images, messages, saved=saved)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `blip-assistant voices | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _describe(args) -> int:
    from assistant.core.capture.images import load_image

    saved, messages = load_settings()
    for message in messages:
        print(f"warning: {message}", file=sys.stderr)
    if any(not question.strip() for question in args.ask):
        return _fail("--ask needs a question: an empty one was given.", EXIT_BAD_INPUT)
    try:
        _check_ranges(args)
        settings = settings_from_args(args, saved)
        image = load_image(args.image)
    except (ImageError, ValueError) as err:
        return _fail(err, EXIT_BAD_INPUT)
    started = time.perf_counter()
    store = None if args.no_history else _open_history(settings)
    try:
        return _converse(args, settings, image, store, started)
    finally:
        if store is not None:
            store.close()


def _converse(args, settings: Settings, image, store, started: float) -> int:
    """The same conversation service as the window: caption, then each --ask, each kept as it comes."""
    from pathlib import Path

    from assistant.core.model.backend import run_request
    from assistant.core.session import Session, SessionTurn
    from assistant.core.text.runner import ThreadTextRunner

    reading = (args.text_only or settings.text.enabled) and not args.no_text
    reader = ThreadTextRunner() if reading else None  # reads while the model loads and captions
    session = Session(store, on_problem=lambda m: print(f"warning: {terminal_safe(m)}", file=sys.stderr),
                      reader=reader, auto_speak=False, spoken_lines=settings.text.spoken_lines)
    session.begin(image, Path(args.image).name)
    info, turns = None, []
    try:
        if args.text_only:
            caption = session.text_only()
        else:
            model = build_model(settings)
            info = model.load(progress_printer(args.quiet))
            request = session.describe_request(prefix=args.prompt)
            caption = session.record(request.id, run_request(model, request), info)
            if caption.answer.prompt_shortened:
                _note("the --prompt text was shortened to fit the model.")
        if caption.text_note and not caption.text_note.startswith("No text") and not args.text_only:
            _note(caption.text_note)  # the reader failed; "no text" is in --json and needs no note on a photo
        _emit(args, _with_text(caption))
        for n, question in enumerate(args.ask, 1):
            turn = session.ask_request(question)
            if not isinstance(turn, SessionTurn):  # not answered from the text: the model answers
                if args.text_only:
                    return _fail("--text-only answers only questions about the text (where is X?); "
                                 f"question {n} needs the caption model.", EXIT_BAD_INPUT)
                turn = session.record(turn.id, run_request(model, turn), info)
            answer = turn.answer
            turns.append({"question": question, "answer": answer.text, "seconds": round(answer.seconds, 3),
                          "question_shortened": answer.prompt_shortened, "turns_left_out": answer.dropped_turns,
                          "from_text": turn.from_text})
            if answer.prompt_shortened:
                _note(f"question {n} ({len(question)} characters) was shortened to fit the model; "
                      "its answer is about the beginning only.")
            if answer.dropped_turns:
                _note(f"the {answer.dropped_turns} oldest turns were left out of question {n} to fit the model.")
            _emit(args, answer.text, question)
    except AssistantError as err:
        return fail_model(err)
    finally:
        if reader is not None:
            reader.close()
    spoken = [caption.spoken] + [f"{t['question']} {t['answer']}" for t in turns]
    code = _speak(args, settings.speech, spoken)
    if code:
        return code
    if args.json:
        record = {
            "image": args.image, "model": info.model if info else None, "device": info.device if info else None,
            "quantization": info.quantization if info else None, "precision": info.precision if info else None,
            "weights": info.weights if info else None,
            "caption": caption.answer.text, "prompt_shortened": caption.answer.prompt_shortened,
            "text": [line.to_dict() for line in caption.lines] if reading else None,
            "text_note": caption.text_note, "turns": turns, "seconds": round(time.perf_counter() - started, 3),
        }
        print(json.dumps(record, ensure_ascii=False))
    return EXIT_OK


def build_model(settings: Settings, tell: bool = True):
    """The CLI's model: in this process, or on the server ``--server`` names (with ``tell``, where images go, on stderr)."""
    if settings.model.backend == "server":
        from assistant.core.model.remote import RemoteModel
        from assistant.core.model.server_address import is_loopback

        model = RemoteModel(settings.model, settings.generation)
        if tell and not is_loopback(model.url):
            _note(f"the image and questions are sent to {model.url}.")
        return model
    from assistant.core.model.blip2 import Blip2Model

    return Blip2Model(settings.model, settings.generation)


def _open_history(settings: Settings):
    """The history, or None (said on stderr): a history problem never fails describe."""
    from assistant.core.history.store import open_history

    store, messages = open_history(settings.history)
    for message in messages:
        print(f"warning: {message}", file=sys.stderr)
    return store


def _speak(args, speech, texts: list[str]) -> int:
    """--speak: aloud, waiting until done; --speak-to: one WAV file. Returns an exit code, 0 if fine."""
    if not (args.speak or args.speak_to):
        return EXIT_OK
    from pathlib import Path

    from assistant.core.speech import Pyttsx3Speaker, synthesise_wav

    if args.speak_to:
        try:
            seconds = synthesise_wav(texts, Path(args.speak_to), speech)
        except (OSError, RuntimeError, ValueError) as err:
            return _fail(f"Could not write {args.speak_to}: {err}", EXIT_BAD_INPUT)
        print(f"wrote {seconds:.1f} s of speech to {args.speak_to}", file=sys.stderr)
        return EXIT_OK
    speaker = Pyttsx3Speaker(speech)
    for text in texts:
        speaker.say(text, interrupt=False)
    speaker.wait_idle()
    if speaker.unavailable:
        print(f"warning: {speaker.unavailable}", file=sys.stderr)  # the text was printed; not an error
    return EXIT_OK


def _voices() -> int:
    from assistant.core.speech.tts_engine import TtsEngine

    try:
        voices = TtsEngine.shared().voices()
    except Exception as err:  # no engine at all
        return _fail(f"Speech is unavailable: {err}", EXIT_MODEL_FAILED)
    for voice_id, name in voices:
        print(f"{voice_id}\t{name}")
    return EXIT_OK


def _with_text(turn) -> str:
    """The caption, then the text found by region (all of it: a terminal scrolls); for --text-only, why none."""
    from assistant.core.text.layout import text_block

    block = text_block(turn.lines, *turn.image_size) if turn.lines else ""
    return "\n".join(part for part in (turn.answer.text, block) if part) or turn.text_note


def _emit(args, text: str, question: str | None = None) -> None:
    if args.json:  # JSON escapes control characters itself
        return
    print(terminal_safe(f"Q: {question}\nA: {text}" if question else text), flush=True)


def _fail(err: Exception | str, code: int) -> int:
    message = " ".join(str(err).split()) or type(err).__name__
    print(f"error: {terminal_safe(message)}", file=sys.stderr)
    return code


def fail_model(err: AssistantError, then: str = "") -> int:
    """A model that is not there exits 3, one that failed exits 4; ``then`` says what the user can do."""
    code = EXIT_NO_MODEL if isinstance(err, ModelUnavailableError) else EXIT_MODEL_FAILED
    return _fail(f"{err} {then}".strip(), code)


def _note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr, flush=True)
