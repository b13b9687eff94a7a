"""The options commands share, and how they lay over the settings file."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from assistant.cli.common import EXIT_BAD_INPUT
from assistant.config import CPU_PRECISIONS, DEVICES, Settings
from assistant.core.model.remote.secrets import ENV_KEY
from assistant.i18n import _

LOG_LEVELS = ["debug", "info", "warning", "error"]


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2, like every other bad input."""

    def error(self, message):
        print("error: " + _("{message} (see --help)").format(message=message), file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def add_model_options(p: argparse.ArgumentParser) -> None:
    """Which model, where it runs, and the log level."""
    p.add_argument("--model", metavar="ID_OR_PATH", help=_("Hugging Face id or local folder"))
    p.add_argument("--device", choices=DEVICES)
    p.add_argument("--quant", choices=["auto", "4bit", "8bit", "none"])
    p.add_argument("--cpu-precision", choices=list(CPU_PRECISIONS),
                   help=_("auto: the fastest that fits in memory (int8 on most CPUs)"))
    p.add_argument("--server", metavar="URL",
                   help=_("send the image to this OpenAI-compatible model server (vLLM) instead of running the model here; "
                          "its API key comes from the secret store or ${variable}").format(variable=ENV_KEY))
    p.add_argument("--server-model", metavar="NAME", help=_("the served model's name (default: the server's only model)"))
    p.add_argument("--allow-http", action="store_true", default=None,
                   help="allow plain http:// to another computer (images cross the network unencrypted)")
    p.add_argument("--log-level", default="warning", choices=LOG_LEVELS)
    add_language_options(p)


def add_language_options(p: argparse.ArgumentParser) -> None:
    """The language of the interface and of questions and answers."""
    p.add_argument("--language", metavar="CODE",
                   help=_("the language of the interface and of questions and answers, e.g. de or es "
                        "(default: the system's); answers are translated offline"))
    p.add_argument("--mt-model", metavar="FOLDER",
                   help=_("a folder of converted translation models (en-de/, de-en/, ...) to use instead of downloading"))


def add_voice_options(p: argparse.ArgumentParser) -> None:
    """Our own voice: which, how fast, how loud."""
    p.add_argument("--voice", metavar="ID", help=_("a voice id from `blip-assistant voices`"))
    p.add_argument("--rate", type=int, metavar="WPM", help=_("words per minute"))
    p.add_argument("--volume", type=float, metavar="0-1")


# (section, field, argument): an argument given on the command line overrides the settings file.
OVERRIDES = [
    ("model", "model", "model"), ("model", "device", "device"), ("model", "quantization", "quant"),
    ("model", "cpu_precision", "cpu_precision"), ("model", "server_url", "server"),
    ("model", "server_model", "server_model"), ("model", "allow_http", "allow_http"),
    ("generation", "max_new_tokens", "max_new_tokens"),
    ("speech", "output", "speech"), ("speech", "voice", "voice"), ("speech", "rate", "rate"), ("speech", "volume", "volume"),
]


def check_ranges(args) -> None:
    """Range errors name the option the user typed, not the settings field behind it. Raises ValueError."""
    tokens = getattr(args, "max_new_tokens", None)
    if tokens is not None and not 1 <= tokens <= 400:
        raise ValueError(_("--max-new-tokens must be between 1 and 400, not {tokens}").format(tokens=tokens))
    rate = getattr(args, "rate", None)
    if rate is not None and not 60 <= rate <= 500:
        raise ValueError(_("--rate must be between 60 and 500 words per minute, not {rate}").format(rate=rate))
    volume = getattr(args, "volume", None)
    if volume is not None and not 0.0 <= volume <= 1.0:
        raise ValueError(_("--volume must be between 0 and 1, not {volume}").format(volume=volume))


def settings_from_args(args, base: Settings | None = None) -> Settings:
    """``base`` (the settings file) with what the command line says laid over it. Raises ValueError."""
    check_ranges(args)
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
    if getattr(args, "language", None):
        settings = replace(settings, language=replace(settings.language, interface=args.language, answers=args.language))
    if getattr(args, "mt_model", None):
        settings = replace(settings, language=replace(settings.language, mt_models=args.mt_model))
    if getattr(args, "no_hotkeys", False):
        settings = replace(settings, hotkeys=replace(settings.hotkeys, enabled=False))
    return settings


def settings_for(args) -> Settings:
    """The settings file (its problems warned about) with the command line over it. Raises ValueError."""
    from assistant.cli.common import warn
    from assistant.config import load_settings

    saved, messages = load_settings()
    warn(messages)
    return settings_from_args(args, saved)
