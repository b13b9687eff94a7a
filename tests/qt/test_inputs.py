"""Drag and drop and paste with real QMimeData."""

import pytest
from conftest import answer_shown  # tests/qt/conftest.py
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication


def drop(app, mime: QMimeData) -> bool:
    window = app.window
    pos = window.rect().center()
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(window, event)
    return True


@pytest.fixture
def window(make_window):
    return make_window()


def test_dropping_an_image_file_describes_it(window, qtbot, picture_file):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture_file))])
    with answer_shown(window, qtbot, timeout=120_000):
        assert drop(window, mime)
    assert window.conversation.source == "photo.png"
    assert window.conversation.image.size == (80, 60)


def test_dropping_raw_image_data_describes_it(window, qtbot):
    mime = QMimeData()
    qimage = QImage(40, 30, QImage.Format.Format_RGB32)
    qimage.fill(Qt.GlobalColor.darkGreen)
    mime.setImageData(qimage)
    with answer_shown(window, qtbot, timeout=120_000):
        assert drop(window, mime)
    assert window.conversation.source == "pasted image"
    assert window.conversation.image.getpixel((5, 5)) == (0, 128, 0)


def test_dropping_text_is_refused_and_a_broken_file_is_reported(window, tmp_path):
    text = QMimeData()
    text.setText("hello")
    assert not drop(window, text)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(broken))])
    assert drop(window, mime)
    assert "broken.jpg" in window.status.text() and window.conversation is None


def test_paste_image_from_the_clipboard(window, qtbot):
    QGuiApplication.clipboard().setImage(QImage(20, 20, QImage.Format.Format_RGB32))
    with answer_shown(window, qtbot, timeout=120_000):
        window.actions_by_name["paste"].trigger()
    assert window.conversation.source == "pasted image"


def test_paste_with_text_on_the_clipboard_pastes_into_the_question(window):
    QGuiApplication.clipboard().setText("what colour is it?")
    window.question.setFocus()
    window.actions_by_name["paste"].trigger()
    assert window.question.text() == "what colour is it?" and window.conversation is None


def test_pil_round_trip_through_qimage():
    from assistant.qt.inputs import pil_to_qimage

    image = Image.new("RGB", (3, 2), (10, 20, 30))
    assert pil_to_qimage(image).pixelColor(1, 1).getRgb()[:3] == (10, 20, 30)
