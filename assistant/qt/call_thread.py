"""``CallThread``: a Python thread that runs the calls posted to it, one at a time, in order.

The model's and the download's workers run on these instead of a ``QThread`` with queued slots.
When Qt calls a Python slot on a thread other than the GUI's (``QThread.started``, a queued
signal), PySide 6.12 finds the receiver's wrapper and metaobject before it takes the GIL, and
that lookup raced the GUI thread creating or deleting wrappers at the same moment: a core dump
showed ``MetaObjectBuilder::update`` on a null builder under ``QThread::started`` (1 run of
tests/qt in 4). Here Qt never calls into Python on the worker's thread; the worker only emits
its signals, with the GIL held, and Qt queues them to their receivers on the GUI thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class CallThread:
    """Runs ``post``-ed calls in order on one daemon thread; ``quit`` ends it after those already posted."""

    def __init__(self, name: str):
        self._calls: queue.SimpleQueue[tuple[Callable, tuple] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def post(self, call: Callable, *args) -> None:
        self._calls.put((call, args))

    def quit(self) -> None:
        self._calls.put(None)

    def wait(self, timeout_ms: int) -> bool:
        """True once the thread has ended (or never started)."""
        if self._thread.ident is None:
            return True
        self._thread.join(timeout_ms / 1000)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while (item := self._calls.get()) is not None:
            call, args = item
            try:
                call(*args)
            except Exception:  # noqa: BLE001 - each worker tells the user itself; a bug here must not end the thread
                log.exception("%s failed on %s", getattr(call, "__name__", call), self._thread.name)
