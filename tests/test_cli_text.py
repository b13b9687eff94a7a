"""`blip-assistant describe` and the text on screen: read with its places, "where is X" from it, and images it cannot read."""

import json

import pytest
from PIL import Image

from tests.test_cli import run


@pytest.fixture
def dialog_png(tmp_path):
    from tests.text.screens import dialog

    path = tmp_path / "dialog.png"
    dialog()[0].save(path)
    return path


def test_describe_reads_the_text_and_answers_where_from_it(tiny_model_dirs, dialog_png):
    result = run("describe", str(dialog_png), "--model", str(tiny_model_dirs["opt"]), "--max-new-tokens", "4",
                 "--ask", "where is the Sign in button?", "--ask", "where is the Sign out link?", "--json", "-q")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    texts = [line["text"] for line in record["text"]]
    assert texts[:2] == ["Sign in", "Save changes"] and {"Delete", "Cancel", "Save"} <= set(texts)
    first = record["text"][0]
    assert len(first["box"]) == 4 and 0.5 <= first["confidence"] <= 1
    where, missing = record["turns"]
    assert where["from_text"] and where["answer"].startswith("“Sign in” is at the top right.")
    assert missing["from_text"] and " at the " not in missing["answer"]

    plain = run("describe", str(dialog_png), "--model", str(tiny_model_dirs["opt"]), "--max-new-tokens", "4", "-q")
    lines = plain.stdout.splitlines()
    block = ["Text on screen:", "At the top right: Sign in.",
             "At the centre: Save changes; Do you want to save the document; before closing it; Delete; Cancel; Save."]
    # The text found is printed as soon as it is read (while the model loads), then the caption; or, when the
    # caption came first, after it. Either way each once, the text whole.
    assert len(lines) == 4 and lines.count("Text on screen:") == 1, lines
    assert lines[:3] == block or lines[1:] == block, lines


def test_text_only_needs_no_model_and_says_when_there_is_no_text(dialog_png, tmp_path):
    result = run("describe", str(dialog_png), "--text-only", "--model", str(tmp_path / "no model"), "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["caption"] == "" and record["model"] is None and len(record["text"]) == 7
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("RGB", (640, 480), "white").save(blank)
    empty = run("describe", str(blank), "--text-only")
    assert empty.returncode == 0 and empty.stdout.strip() == "No text was found."


def test_a_10000_by_10_image_says_why_its_text_cannot_be_read_with_no_traceback(tmp_path):
    strip = tmp_path / "strip.png"
    Image.new("RGB", (10000, 10), "white").save(strip)
    result = run("describe", str(strip), "--text-only", "--model", str(tmp_path / "no model"))
    assert result.returncode == 0, result.stderr
    assert "the image is too narrow to read text from" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "ResizeImgError" not in result.stdout + result.stderr
