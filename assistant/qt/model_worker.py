"""The two threads behind ``ModelService``: the model's own, and the download's.

Neither declares the signals the GUI hears: each posts ``(name, args)`` on one channel,
``event``, and the service emits its signal of that name on the GUI thread. (Emitting the
service's signals from here would also run receivers on the GUI thread, but would fix
the receivers at the moment of emission, so code that checks ``state`` and then connects
could miss an event already on its way.) Requests are typed
(``CaptionRequest``, ``AskRequest``); the newest wins: submitting while one runs cancels
it (the core stops within one decoding step) and drops any request still waiting. A
request made while the model loads waits and runs as soon as it is ready; a load that
ends without a model (it failed, or it must be downloaded first) drops it, so a later
load runs nothing stale. torch and transformers are imported on the model's thread (or
in the model process), never while the window is drawn.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from assistant.core.errors import AssistantError, Cancelled, ModelCrashedError, one_line
from assistant.core.model.backend import Answer, ModelRequest, VisionModel, run_request

log = logging.getLogger(__name__)


class _Worker(QObject):
    event = Signal(str, object)  # the name of a ModelService signal, its arguments

    def _emit(self, name: str, *args) -> None:
        self.event.emit(name, args)

    def _emitter(self, name: str):
        return lambda *args: self.event.emit(name, args)


class ModelWorker(_Worker):
    """Loads the model and runs requests, one at a time, on the model's thread."""

    _wake = Signal()  # private plumbing: emitted on the GUI thread, runs on this one
    _reload = Signal(object, object)
    _unload = Signal()

    def __init__(self, factory: Callable[[], VisionModel], downloader=None):
        super().__init__()
        self._factory = factory
        self._downloader = downloader  # hub.Downloader, or None: the factory finds the model itself
        self._model: VisionModel | None = None
        self._lock = threading.Lock()
        self._pending: ModelRequest | None = None
        self._running: ModelRequest | None = None
        self._wake.connect(self._drain)
        self._reload.connect(self._swap)
        self._unload.connect(self._free)

    # -- called from the GUI thread --------------------------------------------------
    def submit(self, request: ModelRequest) -> None:
        with self._lock:
            self._pending = request
            if self._running is not None and self._model is not None:
                self._model.cancel()
        self._wake.emit()

    def stop(self) -> None:
        """Cancel whatever runs or waits, without a new request."""
        with self._lock:
            self._pending = None
            if self._running is not None and self._model is not None:
                self._model.cancel()

    def reload(self, factory: Callable[[], VisionModel], downloader=None) -> None:
        """Drop the model and load another (after the running request stops)."""
        self.stop()
        self._reload.emit(factory, downloader)

    def unload(self) -> None:
        """Free the model's memory once nothing runs (queued behind a running request)."""
        self._unload.emit()

    def set_generation(self, generation) -> None:
        with self._lock:
            if self._model is not None:
                self._model.set_generation(generation)  # read at the start of each request

    def close(self) -> None:
        """After the thread has stopped: end the model process, if there is one."""
        if self._model is not None and hasattr(self._model, "close"):
            self._model.close()

    # -- the model's thread -------------------------------------------------------------
    @Slot()
    def load(self) -> None:
        with self._lock:
            if self._model is not None:  # a retry queued behind a load that has since finished
                return
        if self._downloader is not None:
            ok, plan = self._guarded("The model cannot be found", self._downloader.check)
            if not ok:
                return
            if plan is not None:
                self._drop_pending()  # asked before the download: not run minutes later, unasked
                self._emit("download_needed", plan)  # the GUI asks the user, then downloads
                return

        def build():
            model = self._factory()
            return model, model.load(self._emitter("progress"))

        ok, loaded = self._guarded("The model failed to load", build)
        if not ok:
            return
        with self._lock:
            self._model = loaded[0]
        self._emit("ready", loaded[1])
        self._drain()

    def _guarded(self, failure: str, step):
        """(True, step()) or (False, None) once the user has been told why, in one line."""
        try:
            return True, step()
        except AssistantError as err:
            message = str(err)
        except Exception as err:  # never a traceback for the user; the log keeps it
            log.exception(failure)
            message = f"{failure}: {one_line(err)}"
        self._drop_pending()  # no model: a later load must not run what was asked before
        self._emit("load_failed", message)
        return False, None

    def _drop_pending(self) -> None:
        with self._lock:
            self._pending = None

    @Slot(object, object)
    def _swap(self, factory, downloader) -> None:
        with self._lock:
            old, self._model = self._model, None
        if old is not None and hasattr(old, "close"):
            old.close()  # the model process ends here and now
        del old
        self._factory, self._downloader = factory, downloader
        self._emit("released")  # the GUI thread collects the old weights, then asks for load()

    @Slot()
    def _free(self) -> None:
        with self._lock:
            model = self._model
        if model is not None and getattr(model, "loaded", False):
            model.unload()
            self._emit("unloaded")

    @Slot()
    def _drain(self) -> None:
        while True:
            with self._lock:
                if self._model is None or self._pending is None:
                    return
                request, self._pending = self._pending, None
                self._running = request
            self._run(request)
            with self._lock:
                self._running = None

    def _run(self, request: ModelRequest) -> None:
        self._emit("started", request.id)
        if not getattr(self._model, "loaded", True):  # unloaded, or its process ended: load it again first
            ok, info = self._guarded("The model failed to load", lambda: self._model.load(self._emitter("progress")))
            if not ok:
                return
            self._emit("ready", info)
        start = time.perf_counter()
        if hasattr(self._model, "on_partial"):  # a streaming backend: each piece is heard as it comes
            self._model.on_partial = lambda text, rid=request.id: self._emit("partial", rid, text)
        try:
            answer: Answer = run_request(self._model, request)
        except Cancelled:
            log.info("request %d superseded after %.0f ms", request.id, 1000 * (time.perf_counter() - start))
            return
        except ModelCrashedError as err:  # its process ended: said, and loaded again on the next request
            self._emit("failed", request.id, str(err))
            self._emit("unloaded")
            return
        except AssistantError as err:
            self._emit("failed", request.id, str(err))
            return
        except Exception as err:
            log.exception("request failed")
            self._emit("failed", request.id, f"The model failed: {one_line(err)}")
            return
        log.info("%s answered in %.0f ms", request.kind, 1000 * answer.seconds)
        self._emit("answered", request.id, answer)


class DownloadWorker(_Worker):
    """Fetches the model's files on a thread of its own, so the model's thread stays free."""

    _fetch = Signal(object, object)

    def __init__(self):
        super().__init__()
        self._cancel = threading.Event()
        self._fetch.connect(self._run)

    def fetch(self, downloader, plan) -> None:
        self._cancel.clear()
        self._fetch.emit(downloader, plan)

    def cancel(self) -> None:
        self._cancel.set()  # seen between two chunks; what was fetched is kept

    @Slot(object, object)
    def _run(self, downloader, plan) -> None:
        try:
            downloader.fetch(plan, self._emitter("download_progress"), self._cancel)
        except Cancelled as err:
            self._emit("download_stopped", str(err))
            return
        except AssistantError as err:
            message = str(err)
        except Exception as err:
            log.exception("download failed")
            message = f"The download failed: {one_line(err)}"
        else:
            self._emit("downloaded")
            return
        self._emit("load_failed", message)
