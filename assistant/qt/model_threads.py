"""The two workers behind ``ModelService``: the model's, and the download's, each on its own thread.

Each thread is a ``CallThread`` (a Python thread running posted calls), not a ``QThread``: Qt
never calls into Python there (see ``call_thread.py``), the workers only emit their signals.

Each declares typed signals; the service connects them to its own signals of the same
name, so they are emitted again on the GUI thread and every receiver runs there (and is
fixed only then: code that checks ``state`` and then connects misses no event already
on its way). Requests are typed
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

from PySide6.QtCore import QObject, Signal

from assistant.core.errors import AssistantError, Cancelled, ModelCrashedError, one_line
from assistant.core.model.backend import Answer, ModelRequest, VisionModel, run_request
from assistant.i18n import _
from assistant.qt.call_thread import CallThread

log = logging.getLogger(__name__)


class ModelWorker(QObject):
    """Loads the model and runs requests, one at a time, on the model's thread."""

    progress = Signal(object)  # Progress
    ready = Signal(object)  # ModelInfo
    load_failed = Signal(str)
    started = Signal(int)
    partial = Signal(int, str)
    answered = Signal(int, object)  # request id, Answer
    failed = Signal(int, str)
    download_needed = Signal(object)  # hub.DownloadPlan
    unloaded = Signal()
    released = Signal()

    def __init__(self, factory: Callable[[], VisionModel], downloader=None):
        super().__init__()
        self._factory = factory
        self._downloader = downloader  # hub.Downloader, or None: the factory finds the model itself
        self._model: VisionModel | None = None
        self._lock = threading.Lock()
        self._pending: ModelRequest | None = None
        self._running: ModelRequest | None = None
        self.calls = CallThread("model-worker")

    def start(self) -> None:
        """Start the model's thread; it loads the model first."""
        self.calls.post(self.load)
        self.calls.start()

    def request_load(self) -> None:
        """Load the model (again) on its thread, after whatever runs there now."""
        self.calls.post(self.load)

    # -- called from the GUI thread --------------------------------------------------
    def submit(self, request: ModelRequest) -> None:
        with self._lock:
            self._pending = request
            if self._running is not None and self._model is not None:
                self._model.cancel()
        self.calls.post(self._drain)

    def stop(self) -> None:
        """Cancel whatever runs or waits, without a new request."""
        with self._lock:
            self._pending = None
            if self._running is not None and self._model is not None:
                self._model.cancel()

    def reload(self, factory: Callable[[], VisionModel], downloader=None) -> None:
        """Drop the model and load another (after the running request stops)."""
        self.stop()
        self.calls.post(self._swap, factory, downloader)

    def unload(self) -> None:
        """Free the model's memory once nothing runs (queued behind a running request)."""
        self.calls.post(self._free)

    def set_generation(self, generation) -> None:
        with self._lock:
            if self._model is not None:
                self._model.set_generation(generation)  # read at the start of each request

    def close(self) -> None:
        """After the thread has stopped: end the model process, if there is one."""
        if self._model is not None:
            self._model.close()

    # -- the model's thread -------------------------------------------------------------
    def load(self) -> None:
        with self._lock:
            if self._model is not None:  # a retry queued behind a load that has since finished
                return
        if self._downloader is not None:
            ok, plan = self._guarded(_("The model cannot be found"), self._downloader.check)
            if not ok:
                return
            if plan is not None:
                self._drop_pending()  # asked before the download: not run minutes later, unasked
                self.download_needed.emit(plan)  # the GUI asks the user, then downloads
                return

        def build():
            model = self._factory()
            return model, model.load(self.progress.emit)

        ok, loaded = self._guarded(_("The model failed to load"), build)
        if not ok:
            return
        with self._lock:
            self._model = loaded[0]
        self.ready.emit(loaded[1])
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
        self.load_failed.emit(message)
        return False, None

    def _drop_pending(self) -> None:
        with self._lock:
            self._pending = None

    def _swap(self, factory, downloader) -> None:
        with self._lock:
            old, self._model = self._model, None
        if old is not None:
            old.close()  # the model process ends here and now
        del old
        self._factory, self._downloader = factory, downloader
        self.released.emit()  # the GUI thread collects the old weights, then asks for load()

    def _free(self) -> None:
        with self._lock:
            model = self._model
        if model is not None and model.loaded:
            model.unload()
            self.unloaded.emit()

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
        self.started.emit(request.id)
        if not self._model.loaded:  # unloaded, or its process ended: load it again first
            ok, info = self._guarded(_("The model failed to load"), lambda: self._model.load(self.progress.emit))
            if not ok:
                return
            self.ready.emit(info)
        start = time.perf_counter()
        try:
            answer: Answer = run_request(self._model, request, lambda text: self.partial.emit(request.id, text))
        except Cancelled:
            log.info("request %d superseded after %.0f ms", request.id, 1000 * (time.perf_counter() - start))
            return
        except ModelCrashedError as err:  # its process ended: said, and loaded again on the next request
            self.failed.emit(request.id, str(err))
            self.unloaded.emit()
            return
        except AssistantError as err:
            self.failed.emit(request.id, str(err))
            return
        except Exception as err:
            log.exception("request failed")
            self.failed.emit(request.id, _("The model failed: {error}").format(error=one_line(err)))
            return
        log.info("%s answered in %.0f ms", request.kind, 1000 * answer.seconds)
        self.answered.emit(request.id, answer)


class DownloadWorker(QObject):
    """Fetches the model's files on a thread of its own, so the model's thread stays free."""

    progress = Signal(object, object)  # bytes done, bytes in all
    stopped = Signal(str)  # cancelled; what was fetched is kept
    done = Signal()
    failed = Signal(str)

    def __init__(self):
        super().__init__()
        self._cancel = threading.Event()
        self.busy = threading.Event()  # set from fetch() until the download's last event has been sent
        self.calls = CallThread("model-download")

    def fetch(self, downloader, plan) -> None:
        self._cancel.clear()
        self.busy.set()
        self.calls.post(self._run, downloader, plan)

    def cancel(self) -> None:
        self._cancel.set()  # seen between two chunks; what was fetched is kept

    def _run(self, downloader, plan) -> None:
        try:
            self._fetch_files(downloader, plan)
        finally:
            self.busy.clear()

    def _fetch_files(self, downloader, plan) -> None:
        try:
            downloader.fetch(plan, self.progress.emit, self._cancel)
        except Cancelled as err:
            self.stopped.emit(str(err))
            return
        except AssistantError as err:
            message = str(err)
        except Exception as err:
            log.exception("download failed")
            message = _('The download failed: {n0}').format(n0=one_line(err))
        else:
            self.done.emit()
            return
        self.failed.emit(message)
