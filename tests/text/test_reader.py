"""The real text reader (RapidOCR) on screens rendered with known text, and answers made from what it read."""

import pytest

from assistant.core.text.answers import answer_from_text
from assistant.core.text.layout import position, reading_order, text_block
from assistant.core.text.reader import RapidTextReader
from tests.text.screens import dialog, recall, sizes_screen, two_columns


@pytest.fixture(scope="module")
def reader():
    return RapidTextReader()


@pytest.mark.parametrize("kind", ["sans", "serif", "mono", "bold"])
def test_crisp_text_from_12_to_28_px_is_read_in_every_font(reader, kind):
    image, lines = sizes_screen(sizes=(12, 14, 16, 18, 20, 24, 28), kind=kind)
    read = [line.text for line in reading_order(reader.read(image))]
    assert recall([text for text, _ in lines], read) >= 0.95, read
    assert read[0].lower().startswith("your password")  # top to bottom


def test_light_text_on_dark_and_10_px_text(reader):
    image, lines = sizes_screen(sizes=(10, 12, 16, 24), dark=True)
    read = [line.text for line in reader.read(image)]
    assert recall([text for text, size in lines if size >= 12], read) >= 0.95, read
    assert recall([lines[0][0]], read) >= 0.8, read  # 10 px: read, maybe not every word


def test_two_columns_are_read_one_after_the_other(reader):
    image, expected = two_columns()
    read = [line.text for line in reading_order(reader.read(image))]
    assert [r.lower() for r in read] == [e.lower() for e in expected]


def test_a_dialog_is_read_with_where_each_line_is(reader):
    image, expected = dialog()
    lines = reader.read(image)
    assert recall(expected, [line.text for line in lines]) >= 0.95
    sign_in = next(line for line in lines if line.text == "Sign in")
    assert position(sign_in.box, *image.size) == "top right"
    assert all(0.5 <= line.confidence <= 1 for line in lines)
    block = text_block(lines, *image.size)
    assert block.startswith("Text on screen:") and "At the top right: Sign in." in block
    assert "At the centre: Save changes; Do you want to save the document; before closing it; Delete; Cancel; Save." \
        in block
    spoken = text_block(lines, *image.size, limit=3)
    assert spoken.endswith("4 more lines in the window.")


def test_where_and_what_it_says_are_answered_from_the_boxes_and_nothing_is_invented(reader):
    image, _ = dialog()
    lines = reader.read(image)
    where = answer_from_text("Where is the Sign in button?", lines, image)
    assert where.startswith("“Sign in” is at the top right.") and "From the text found" in where
    # Beside what is next to it on the same row, and within the window it is in when that is known.
    assert answer_from_text("where's cancel", lines, image).startswith("“Cancel” is at the centre, left of “Save”.")
    assert answer_from_text("where's cancel", lines, image, "the Export window").startswith(
        "“Cancel” is at the centre of the Export window, left of “Save”.")
    red = answer_from_text("What does the red button say?", lines, image)
    assert red.startswith("The red button says “Delete”"), red
    assert "“Save”" in answer_from_text("what does the blue button say?", lines, image)
    missing = answer_from_text("Where is the Sign out link?", lines, image)
    assert missing.startswith("“Sign out” is not in the text found") and " at the " not in missing
    assert answer_from_text("what colour is the sky?", lines, image) is None  # for the model, with the text


def test_a_blank_image_has_no_text_and_a_bad_one_is_one_line(reader):
    from PIL import Image

    assert reader.read(Image.new("RGB", (800, 600), "white")) == []
    assert reader.read(Image.new("RGB", (1, 1), "white")) == []


@pytest.mark.parametrize("size", [(10000, 10), (1, 10000), (10000, 1), (65000, 2), (4000, 30)])
def test_extreme_shapes_give_a_reason_in_words_and_no_traceback(reader, size, caplog):
    from PIL import Image

    from assistant.core.text.reader import TextReadError

    with pytest.raises(TextReadError) as raised:
        reader.read(Image.new("RGB", size, "white"))
    assert str(raised.value) == "The text could not be read: the image is too narrow to read text from."
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info]


@pytest.mark.parametrize("size", [(1, 1), (3, 3), (12, 40), (40, 12), (2000, 20), (1600, 10)])
def test_small_images_are_read_as_they_are(reader, size):
    """Only a strip that RapidOCR would scale down to nothing is refused; a 1x1 or an icon is just read."""
    from PIL import Image

    assert reader.read(Image.new("RGB", size, "white")) == []


def test_an_engine_failure_on_an_odd_shape_is_said_in_words_and_logged_at_debug_only(reader, caplog, monkeypatch):
    """RapidOCR's own ResizeImgError, raised by the real engine on a shape our check lets through."""
    import logging

    from PIL import Image

    from assistant.core.text import reader as module

    monkeypatch.setattr(module, "unreadable_shape", lambda *a: None)
    caplog.set_level(logging.DEBUG, logger="assistant.core.text.reader")
    with pytest.raises(module.TextReadError, match=r"^The text could not be read: the image is too narrow to read text from$"):
        reader.read(Image.new("RGB", (10000, 10), "white"))
    assert [r.levelname for r in caplog.records if r.exc_info] == ["DEBUG"]
