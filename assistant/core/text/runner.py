"""Running a ``TextReader`` beside the caption model: ``submit(image)`` gives a ``Future``.

``ThreadTextRunner`` reads in this process on a thread (the CLI and the tests: ONNX Runtime
releases the GIL, so it runs at the same time as the model). ``ProcessTextRunner`` reads
in a process of its own (the window: onnxruntime and OpenCV are never imported in the
GUI process, so it never stalls). Both use the standard library's executors.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from PIL import Image

from assistant.core.processes import few_heaps, lower_priority
from assistant.core.text.reader import RapidTextReader, TextLine, TextReader, TextReadError
from assistant.i18n import _

log = logging.getLogger(__name__)


class ThreadTextRunner:
    """Reads text on a thread of this process (the CLI)."""

    def __init__(self, reader: TextReader | None = None):
        self.reader = reader or RapidTextReader()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="text-reader")

    def submit(self, image: Image.Image) -> Future:
        return self._pool.submit(self.reader.read, image)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


_reader: TextReader | None = None  # in the text process


def _start(make: Callable[[], TextReader]) -> None:
    global _reader
    lower_priority()  # like the model's process: the window, the window manager and the screen reader go first
    few_heaps()
    threading.Thread(target=_exit_with_parent, name="parent-watch", daemon=True).start()
    _reader = make()


def _exit_with_parent() -> None:
    """A pool worker waits for work for ever: end it when the app ends, however the app ended (even killed)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)


def _read(image: Image.Image) -> list[TextLine]:
    return _reader.read(image)


class ProcessTextRunner:
    """One spawned process, started on the first image; if it dies, the next image starts another."""

    def __init__(self, make: Callable[[], TextReader] = RapidTextReader):
        self._make = make
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, image: Image.Image) -> Future:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                                             initargs=(self._make,))
        outer: Future = Future()
        try:
            inner = self._pool.submit(_read, image)
        except (BrokenProcessPool, RuntimeError) as err:
            self._pool = None
            outer.set_exception(TextReadError(_('The text reader stopped ({err}); it starts again with the next image.').format(
                err=err)))
            return outer

        def done(f: Future) -> None:
            err = f.exception()
            if isinstance(err, BrokenProcessPool):
                self._pool = None
                outer.set_exception(TextReadError(_("The text reader stopped unexpectedly; it starts again with the "
                                                  "next image.")))
            elif err is not None:
                outer.set_exception(err)
            else:
                outer.set_result(f.result())

        inner.add_done_callback(done)
        return outer

    def warm_up(self) -> None:
        """Start the process and load the models now, so the first capture is read at full speed."""
        self.submit(Image.new("RGB", (64, 32), "white"))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
