"""The command line: ``blip-assistant`` starts the app; its subcommands run headless on the same session."""

from assistant.cli.entry import build_app_parser, build_parser, main
from assistant.cli.options import settings_from_args

__all__ = ["build_app_parser", "build_parser", "main", "settings_from_args"]
