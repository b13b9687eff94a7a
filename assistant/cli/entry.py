"""Command line: ``blip-assistant`` (the desktop app) and headless subcommands.

Exit codes: 0 ok; 2 bad input; 3 model not available; 4 model failed to load or run.
Progress and errors go to stderr; with ``--json`` stdout holds one JSON object only.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from assistant import __version__
from assistant.cli.common import EXIT_BAD_INPUT, EXIT_OK, fail
from assistant.cli.options import LOG_LEVELS, Parser, add_model_options, add_voice_options, settings_from_args
from assistant.config import SPEECH_OUTPUTS
from assistant.i18n import _

HEADLESS = ("describe", "describe-folder", "compare", "voices", "history", "install-desktop", "trigger",
            "install-shortcuts")


def build_parser() -> argparse.ArgumentParser:
    """``blip-assistant describe ...``: the headless commands."""
    from assistant.cli import compare, describe, desktop, folder, history, shortcuts, trigger  # nothing heavy imported

    parser = Parser(prog="blip-assistant", description=_("Private, local descriptions of images and the screen."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    describe.add_parser(sub)
    folder.add_parser(sub)
    compare.add_parser(sub)
    history.add_parser(sub)
    v = sub.add_parser("voices", help=_("list the voices of the text-to-speech engine"))
    v.add_argument("--log-level", default="warning", choices=LOG_LEVELS)
    desktop.add_parser(sub)
    trigger.add_parser(sub)
    shortcuts.add_parser(sub)
    return parser


def build_app_parser() -> argparse.ArgumentParser:
    """``blip-assistant [IMAGE...]``: the desktop app."""
    parser = Parser(
        prog="blip-assistant",
        description=_("Private, local descriptions of images and the screen. Without a subcommand, starts the app. "
                    "Options given here override the settings file for this session only."),
        epilog=_("subcommands (each has --help):\n"
               "  describe IMAGE    describe an image, then answer questions about it (--ask)\n"
               "  describe-folder DIR -o ALT.csv   alt text for every image in a folder (resumable)\n"
               "  compare OLD NEW   what changed between two images: new text, text gone, changed areas\n"
               "  history ...       list, show, search, export or delete past conversations\n"
               "  voices            list the voices of the text-to-speech engine\n"
               "  install-desktop   add the menu entry and icons for this user (Linux; --uninstall)\n"
               "  trigger ACTION    tell the running app to act: describe-screen, describe-window, ... (--start)\n"
               "  install-shortcuts desktop shortcuts that run trigger, for Wayland (GNOME, sway, KDE; --uninstall)"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("images", nargs="*", metavar="IMAGE", help=_("images to open"))
    add_model_options(parser)
    parser.add_argument("--high-contrast", action="store_true", help=_("white and yellow on black (at least 7:1)"))
    parser.add_argument("--speech", choices=SPEECH_OUTPUTS,
                        help=_("auto: your screen reader while one runs, else our voice; voice; screen_reader; both; silent"))
    parser.add_argument("--no-auto-speak", action="store_true", help=_("do not speak captions and answers as they arrive"))
    parser.add_argument("--no-hotkeys", action="store_true", help=_("no global hotkeys (the window's shortcuts still work)"))
    parser.add_argument("--max-new-tokens", type=int, metavar="N", help=_("longest answer, in tokens"))
    parser.add_argument("--autostart", action="store_true",
                        help=_("as started at sign-in: minimised, the model loaded at low priority, then "
                               "“BLIP Assistant ready” said"))
    add_voice_options(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The ``blip-assistant`` command."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["trigger"]:
        return _trigger(argv)
    _install_language(argv)
    from assistant.cli import argparse_words

    argparse_words.use()
    headless = bool(argv) and argv[0] in HEADLESS
    args = (build_parser() if headless else build_app_parser()).parse_args(argv)
    log_format = "%(levelname)s [%(threadName)s] %(name)s: %(message)s"
    logging.basicConfig(level=args.log_level.upper(), format=log_format, stream=sys.stderr)
    try:
        return _headless(args) if headless else _app(args)
    except KeyboardInterrupt:
        print("error: " + _("interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `blip-assistant voices | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _install_language(argv: list[str]) -> str:
    """The interface's language, before anything is said: ``--language``, else Settings, else the system's."""
    from assistant import i18n

    for i, arg in enumerate(argv):
        if arg == "--language" and i + 1 < len(argv):
            return i18n.install(argv[i + 1])
        if arg.startswith("--language="):
            return i18n.install(arg.split("=", 1)[1])
    from assistant.config import load_settings

    return i18n.install(load_settings()[0].language.interface)  # a bad file is reported later, in the language


def _trigger(argv: list[str]) -> int:
    """``trigger`` alone, without the other commands' imports: a desktop shortcut runs it, and waits for it."""
    from assistant.cli import trigger

    parser = Parser(prog="blip-assistant")
    trigger.add_parser(parser.add_subparsers(dest="command", parser_class=Parser))
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    return trigger.run(args)


def _headless(args) -> int:
    from assistant.cli import compare, describe, desktop, folder, history, shortcuts, speech, trigger

    run = {"history": history.run, "describe-folder": folder.run, "install-desktop": desktop.run, "compare": compare.run,
           "voices": speech.voices, "describe": describe.run, "trigger": trigger.run,
           "install-shortcuts": shortcuts.run}[args.command]
    return run(args)


def _app(args) -> int:
    from assistant.app import run
    from assistant.config import load_settings

    saved, messages = load_settings()
    try:
        settings = settings_from_args(args, saved)
    except ValueError as err:
        return fail(err, EXIT_BAD_INPUT)
    if _hand_over(args.images):
        return EXIT_OK
    return run(settings, args.images, messages, saved=saved, at_login=args.autostart)


def _hand_over(images: list[str]) -> bool:
    """One app per user: when one runs, bring its window up (with the first image given) instead of a second model."""
    from assistant.cli.trigger import NotRunning, Refused, deliver

    try:
        deliver({"show": True, "open": [os.path.abspath(p) if "://" not in p else p for p in images[:1]]})
    except NotRunning:
        return False
    except Refused as err:
        logging.getLogger(__name__).warning("the running instance's channel: %s; starting another", err)
        return False
    print(_("BLIP Assistant is already running: its window was brought up") + (_(" with the image.") if images else "."),
          file=sys.stderr)
    return True
