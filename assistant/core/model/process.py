"""The model in its own process: a client with the model interface, and the server it spawns.

Why: the app's process never imports torch (so the window never stalls while it loads), a
crash or an out-of-memory in the model does not take the window down (the user is told,
and the next request starts the model again), and unloading frees all of its memory (the
process exits). The same interface is the seam for a remote server later.

The two talk over a ``multiprocessing`` pipe, started with "spawn" (a fresh interpreter,
never a fork of the GUI). Messages are tuples; errors come back as values and are raised
here as the same exception types. An image crosses once: a follow-up about the same image
sends none, and the server keeps its features cached as in-process. Cancel is a message
read by a thread in the server, so it stops the running request within one decoding step.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from collections.abc import Sequence

from PIL import Image

from assistant import i18n
from assistant.config import GenerationSettings, ModelSettings
from assistant.core.errors import (
    AssistantError,
    Cancelled,
    ModelCrashedError,
    ModelLoadError,
    ModelUnavailableError,
    one_line,
)
from assistant.core.model.backend import Answer, ModelInfo, PartialCallback, ProgressCallback, model_image
from assistant.core.model.prompts import Turn
from assistant.core.processes import lower_priority
from assistant.i18n import _

log = logging.getLogger(__name__)
ERRORS = {"cancelled": Cancelled, "unavailable": ModelUnavailableError, "load": ModelLoadError,
          "failed": AssistantError}


class ModelProcess:
    """The client: a ``VisionModel`` whose model runs in a child process. Calls block; ``cancel`` from any thread."""

    def __init__(self, settings: ModelSettings, generation: GenerationSettings):
        self.settings, self.generation = settings, generation
        self.info: ModelInfo | None = None
        self._proc = None
        self._conn = None
        self._send_lock = threading.Lock()
        self._image: Image.Image | None = None  # the image the server holds (as given to us)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def loaded(self) -> bool:
        return self.info is not None and self._proc is not None and self._proc.is_alive()

    def load(self, progress: ProgressCallback | None = None) -> ModelInfo:
        self._stop_process()
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self._proc = context.Process(target=serve, args=(theirs, self.settings, self.generation, i18n.language()),
                                     name="blip-assistant-model", daemon=True)
        self._proc.start()
        theirs.close()
        self._conn, self._image = ours, None
        self._send(("load",))
        self.info = self._receive(progress)
        return self.info

    def caption(self, image: Image.Image, prefix: str | None = None, on_partial: PartialCallback | None = None) -> Answer:
        return self._request("caption", image, prefix)

    def ask(self, image: Image.Image, question: str, history: Sequence[Turn] = (), context: str = "",
            on_partial: PartialCallback | None = None) -> Answer:
        return self._request("ask", image, question, tuple(history), context)

    def cancel(self) -> None:
        try:
            self._send(("cancel",))
        except (OSError, ModelCrashedError):
            pass  # nothing runs there any more

    def set_generation(self, generation: GenerationSettings) -> None:
        self.generation = generation
        if self.loaded:
            self._send(("set_generation", generation))

    def unload(self) -> None:
        """End the process: all of the model's memory goes back to the system."""
        self._stop_process()

    def close(self) -> None:
        self._stop_process()

    # -- internals ----------------------------------------------------------------------------
    def _request(self, kind: str, image: Image.Image, *args) -> Answer:
        if not self.loaded:
            raise ModelCrashedError(self._ended())
        sent = None if image is self._image else model_image(image)  # the same image again: the server has it
        self._send((kind, sent, *args))
        self._image = image
        return self._receive(None)

    def _send(self, message: tuple) -> None:
        if self._conn is None:
            raise ModelCrashedError(self._ended())
        with self._send_lock:
            try:
                self._conn.send(message)
            except (OSError, ValueError):
                self._died()

    def _receive(self, progress: ProgressCallback | None):
        while True:
            try:
                kind, *rest = self._conn.recv()
            except (EOFError, OSError):
                self._died()
            if kind == "progress":
                if progress is not None:
                    progress(rest[0])
            elif kind == "error":
                error, message = rest
                if error == "cancelled":
                    raise Cancelled(message)
                raise ERRORS.get(error, AssistantError)(message)
            else:
                return rest[0]

    def _died(self):
        self._proc.join(1)
        message = self._ended()
        self._forget()
        log.warning("%s", message)
        raise ModelCrashedError(message)

    def _ended(self) -> str:
        code = self._proc.exitcode if self._proc is not None else None
        how = {None: "", -9: " (it was killed, perhaps for lack of memory)"}.get(code, f" (exit code {code})")
        return _('The model stopped unexpectedly{how}. It starts again with your next request.').format(how=how)

    def _forget(self) -> None:
        self.info, self._conn, self._image = None, None, None

    def _stop_process(self) -> None:
        proc, conn = self._proc, self._conn
        self._forget()
        self._proc = None
        if proc is None:
            return
        if conn is not None:
            try:
                with self._send_lock:
                    conn.send(("quit",))
            except (OSError, ValueError):
                pass
        proc.join(2)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        if conn is not None:
            conn.close()


def serve(conn, settings: ModelSettings, generation: GenerationSettings, language: str = "en") -> None:
    """The model process: load and answer requests in order; ``cancel`` and settings are read on their own thread.

    Its messages (a model that cannot load, out of memory) are in the app's ``language``.
    """
    i18n.install(language)
    lower_priority()
    from assistant.core.model.local.blip2 import Blip2Model  # torch is imported here, in this process only

    model = Blip2Model(settings, generation)
    jobs: queue.Queue = queue.Queue()

    def read() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the app went away
                jobs.put(("quit",))
                return
            if message[0] == "cancel":
                model.cancel()
            elif message[0] == "set_generation":
                model.set_generation(message[1])
            else:
                jobs.put(message)
                if message[0] == "quit":
                    return

    threading.Thread(target=read, name="model-messages", daemon=True).start()
    image = None
    while True:
        kind, *args = jobs.get()
        if kind == "quit":
            return
        try:
            if kind == "load":
                result = model.load(lambda p: conn.send(("progress", p)))
            else:
                if args[0] is not None:
                    image = args[0]
                result = model.caption(image, args[1]) if kind == "caption" else model.ask(image, *args[1:])
            conn.send(("result", result))
        except Cancelled as err:
            conn.send(("error", "cancelled", str(err)))
        except ModelUnavailableError as err:
            conn.send(("error", "unavailable", str(err)))
        except ModelLoadError as err:
            conn.send(("error", "load", str(err)))
        except AssistantError as err:
            conn.send(("error", "failed", str(err)))
        except Exception as err:  # a value for the app, never a traceback for the user
            log.exception("the model failed")
            conn.send(("error", "failed", _("The model failed: {error}").format(error=one_line(err))))
