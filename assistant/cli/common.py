"""What every command shares: exit codes, the one place warnings, notes and errors are printed, and the model."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from assistant.config import Settings
from assistant.core.errors import AssistantError, ModelUnavailableError, terminal_safe
from assistant.i18n import _

EXIT_OK, EXIT_BAD_INPUT, EXIT_NO_MODEL, EXIT_MODEL_FAILED = 0, 2, 3, 4


def warn(messages: Iterable[str]) -> None:
    """Each message on stderr as ``warning: …``: what the user should know, not a failure."""
    for message in messages:
        print(f"warning: {terminal_safe(message)}", file=sys.stderr, flush=True)  # the prefixes stay: scripts read them


def note(text: str) -> None:
    """``note: …`` on stderr: how an answer was made (a shortened prompt, where images go)."""
    print(f"note: {terminal_safe(text)}", file=sys.stderr, flush=True)


def fail(err: Exception | str, code: int) -> int:
    """One ``error: …`` line on stderr; returns ``code`` for the caller to exit with."""
    message = " ".join(str(err).split()) or type(err).__name__
    print(f"error: {terminal_safe(message)}", file=sys.stderr)
    return code


def fail_model(err: AssistantError, then: str = "") -> int:
    """A model that is not there exits 3, one that failed exits 4; ``then`` says what the user can do."""
    code = EXIT_NO_MODEL if isinstance(err, ModelUnavailableError) else EXIT_MODEL_FAILED
    return fail(f"{err} {then}".strip(), code)


def build_model(settings: Settings, tell: bool = True):
    """The CLI's model: in this process, or on the server ``--server`` names (with ``tell``, where images go)."""
    if settings.model.backend == "server":
        from assistant.core.model.remote.address import is_loopback
        from assistant.core.model.remote.client import RemoteModel

        model = RemoteModel(settings.model, settings.generation)
        if tell and not is_loopback(model.url):
            note(_('the image and questions are sent to {url}.').format(url=model.url))
        return model
    from assistant.core.model.local.blip2 import Blip2Model

    return Blip2Model(settings.model, settings.generation)


def open_history(settings: Settings):
    """The history, or None (said on stderr): a history problem never fails a command."""
    from assistant.core.history.store import open_history as open_store

    store, messages = open_store(settings.history)
    warn(messages)
    return store
