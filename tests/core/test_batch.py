"""describe-folder: every image described once, resumable, bad files skipped; checked by reading the file back."""

from __future__ import annotations

import csv
import json

import pytest
from PIL import Image

from assistant.core.batch import AltTextFile, describe_folder
from assistant.core.errors import ModelLoadError


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "photos"
    (root / "trip").mkdir(parents=True)
    for n in range(4):
        Image.new("RGB", (48, 32), (n * 60, 120, 30)).save(root / f"p{n}.png")
    Image.new("RGB", (48, 32), (1, 2, 3)).save(root / "trip" / "beach.jpg")
    (root / "broken.png").write_bytes(b"not an image")
    (root / "notes.txt").write_text("not even a picture")
    return root


class Counting:
    """The real tiny model, counting its captions; it fails once it has made ``fail_after``."""

    def __init__(self, model, fail_after: int | None = None):
        self.model, self.fail_after, self.captions = model, fail_after, 0

    def caption(self, image, prefix=None, on_partial=None):
        if self.fail_after is not None and self.captions >= self.fail_after:
            raise ModelLoadError("The model failed.")
        self.captions += 1
        return self.model.caption(image, prefix)

    def ask(self, image, question, history=(), context="", on_partial=None):
        return self.model.ask(image, question, history, context)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_every_image_gets_alt_text_and_a_rerun_does_nothing_again(model, folder, tmp_path, suffix):
    out = tmp_path / f"alt{suffix}"
    skipped: list[str] = []
    outcome = describe_folder(folder, AltTextFile(out), [Counting(model)], question="what colour is it?",
                              recursive=True, on_skip=skipped.append)
    assert (outcome.described, outcome.skipped) == (5, 1)
    assert skipped == ['skipped broken.png: "broken.png" is not an image file we can read.']
    rows = json.loads(out.read_text()) if suffix == ".json" else list(csv.DictReader(out.open()))
    assert sorted(r["file"] for r in rows) == ["p0.png", "p1.png", "p2.png", "p3.png", "trip/beach.jpg"]
    assert all(r["alt_text"] and r["question"] == "what colour is it?" and r["answer"] for r in rows)
    again = Counting(model)
    outcome = describe_folder(folder, AltTextFile(out), [again], recursive=True)
    assert (outcome.described, outcome.already, again.captions) == (0, 5, 0)


def test_a_run_that_fails_midway_keeps_what_was_done_and_the_rerun_finishes(model, folder, tmp_path):
    out = tmp_path / "alt.csv"
    with pytest.raises(ModelLoadError):
        describe_folder(folder, AltTextFile(out), [Counting(model, fail_after=2)])
    kept = list(csv.DictReader(out.open()))
    assert [r["file"] for r in kept] == ["p0.png", "p1.png"]  # on disk, read back after the failure
    rest = Counting(model)
    outcome = describe_folder(folder, AltTextFile(out), [rest])
    assert (outcome.described, outcome.already, rest.captions) == (2, 2, 2)
    assert sorted(r["file"] for r in csv.DictReader(out.open())) == ["p0.png", "p1.png", "p2.png", "p3.png"]


def test_an_output_that_is_not_alt_text_is_refused_not_overwritten(tmp_path):
    out = tmp_path / "alt.json"
    out.write_text("{broken")
    with pytest.raises(ValueError, match="cannot be read as alt text"):
        AltTextFile(out)
    assert out.read_text() == "{broken"
    with pytest.raises(ValueError, match="must end in .csv or .json"):
        AltTextFile(tmp_path / "alt.txt")
