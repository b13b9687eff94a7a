"""Garbage holding Qt objects is collected on the GUI thread only.

A collection that ran on the model worker's thread once deleted a closed window from
there, and the process died with a segmentation fault mid-test. These tests watch
every collection while the worker loads, describes and reloads.
"""

import gc
import threading
import weakref

import pytest
from conftest import answer_shown  # tests/qt/conftest.py
from PySide6.QtWidgets import QDialog

WAIT = 120_000


@pytest.fixture
def collections():
    """The thread of every collection that starts while the test runs."""
    threads: list[str] = []

    def record(phase, info):
        if phase == "start":
            threads.append(threading.current_thread().name)

    gc.callbacks.append(record)
    yield threads
    gc.callbacks.remove(record)


def closed_dialog_in_a_cycle() -> weakref.ref:
    dialog = QDialog()
    dialog.setWindowTitle("gone")
    dialog.show()
    dialog.close()
    holder = {"dialog": dialog}
    holder["self"] = holder  # only the cycle collector can free it
    return weakref.ref(dialog)


def test_collections_run_on_the_gui_thread_while_the_model_works(make_window, qtbot, tiny_model_dirs, picture_file,
                                                                   collections):
    from tests.qt.conftest import tiny_factory

    assert not gc.isenabled()  # switched off, as the app switches it off
    window = make_window()
    gone = closed_dialog_in_a_cycle()
    with answer_shown(window, qtbot, timeout=WAIT):
        window.open_path(str(picture_file))
    with qtbot.waitSignal(window.service.ready, timeout=WAIT) as ready:
        window.service.reload(tiny_factory(tiny_model_dirs["t5"]))
    assert ready.args[0].family == "t5"
    with answer_shown(window, qtbot, timeout=WAIT):
        window.open_path(str(picture_file))
    garbage = [[] for _ in range(5000)]
    for item in garbage:
        item.append(item)  # cycles enough to pass the first threshold
    del garbage, item
    qtbot.waitUntil(lambda: gone() is None, timeout=10_000)  # the timer collected it
    assert collections and set(collections) == {threading.main_thread().name}
