"""The history store: round trip, privacy, migrations, crashes and corrupt files."""

import os
import sqlite3
import stat
import subprocess
import sys
import time

import pytest
from history_checks import assert_whole
from PIL import Image

from assistant.core.history.export import to_html, to_markdown
from assistant.core.history.store import MIGRATIONS, SCHEMA_VERSION, HistoryError, HistoryStore, NewTurn

CAPTION = [NewTurn("", "a caption")]


@pytest.fixture
def store(tmp_path):
    s = HistoryStore(tmp_path / "data")
    yield s
    s.close()


def test_round_trip_search_export_and_delete(store):
    cid = store.start(Image.new("RGB", (3000, 1500), "red"), "screen",
                      [NewTurn("", "a red screen", model="blip2", device="cpu-bf16", seconds=1.5)])
    store.add_turn(cid, "what colour is it?", "red")
    other = store.start(None, "photo.jpg", [NewTurn("", "a cat on a sofa")])
    assert [c.id for c in store.list()] == [other, cid]
    c = store.get(cid)
    assert c.caption == "a red screen" and [t.question for t in c.turns] == ["", "what colour is it?"]
    assert max(Image.open(c.image).size) == 1024 and max(Image.open(c.thumbnail).size) == 160
    assert [x.id for x in store.search("COLOUR")] == [cid] and [x.id for x in store.search("cat")] == [other]
    assert store.search("100%") == []
    assert "**Q:** what colour is it?" in to_markdown([c])
    page = to_html([c])
    assert 'alt="a red screen"' in page and "data:image/jpeg;base64," in page
    assert store.delete(cid) == 1 and not c.image.exists()
    with pytest.raises(HistoryError, match="no conversation"):
        store.get(cid)
    assert store.delete() == 1 and store.list() == []


def test_the_text_found_is_kept_searchable_and_exported(store):
    lines = ({"text": "Sign in", "box": [1720, 25, 80, 30], "confidence": 0.98},
             {"text": "Save *changes*", "box": [675, 345, 150, 30], "confidence": 1.0})
    cid = store.start(None, "screen", [NewTurn("", "a dialog", lines=lines)])
    (found,) = store.search("sign IN")  # the text found, not the JSON around it
    assert found.id == cid and found.turns[0].lines == lines
    assert store.search("confidence") == [] and store.search("box") == []
    markdown = to_markdown([found])
    assert "**Text found:**\n\n- Sign in\n- Save \\*changes\\*" in markdown
    assert "<dt>Text found</dt><dd><ul><li>Sign in</li><li>Save *changes*</li></ul></dd>" in to_html([found])


def test_files_are_private(store):
    cid = store.start(Image.new("RGB", (20, 20)), "screen", [NewTurn("", "x")])
    assert stat.S_IMODE(os.stat(store.folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.folder / "images").st_mode) == 0o700
    for path in (store.path, store.get(cid).image, store.get(cid).thumbnail):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_images_can_be_left_out_and_old_ones_purged(tmp_path):
    s = HistoryStore(tmp_path / "d", store_images=False)
    old = s.start(Image.new("RGB", (20, 20)), "screen", CAPTION, started=time.time() - 40 * 86400)
    new = s.start(Image.new("RGB", (20, 20)), "screen", CAPTION)
    assert s.get(new).image is None
    assert s.purge_older_than(30) == 1 and [c.id for c in s.list()] == [new] and old != new


def test_a_version_1_database_is_migrated_and_keeps_its_rows(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    db = sqlite3.connect(folder / "history.db")
    db.executescript(MIGRATIONS[1] + "PRAGMA user_version=1;")
    db.execute("INSERT INTO conversations (started, source) VALUES (1.0, 'screen')")
    db.execute("INSERT INTO turns (conversation_id, question, answer, time) VALUES (1, '', 'an old caption', 1.0)")
    db.commit()
    db.close()
    s = HistoryStore(folder)
    assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    turn = s.get(1).turns[0]
    assert (turn.answer, turn.model, turn.seconds) == ("an old caption", "", 0.0)


def test_a_corrupt_file_is_moved_aside_and_a_new_history_starts(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    junk = b"this is not a database" * 100
    (folder / "history.db").write_bytes(junk)
    s = HistoryStore(folder)
    assert s.messages and "moved to history.db.corrupt-" in s.messages[0]
    aside = [p for p in folder.glob("history.db.corrupt-*") if p.is_file()]
    assert len(aside) == 1 and aside[0].read_bytes() == junk  # never silently lost
    cid = s.start(None, "screen", [NewTurn("", "works again")])
    assert s.get(cid).caption == "works again"


WRITER = """
import sys
from assistant.core.history.store import HistoryStore, NewTurn
s = HistoryStore(__import__("pathlib").Path(sys.argv[1]))
cid = s.start(None, "screen", [NewTurn("", "a caption")])
n = 0
while True:
    s.add_turn(cid, f"question {n}", "answer " * 50)
    n += 1
    print(n, flush=True)
"""


def test_sigkill_while_writing_loses_at_most_the_turn_being_written(tmp_path):
    folder = tmp_path / "d"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(folder)], stdout=subprocess.PIPE, text=True)
    committed = 0
    for line in proc.stdout:
        committed = int(line)
        if committed >= 200:
            break
    proc.kill()
    proc.wait()
    s = HistoryStore(folder)
    assert s.messages == []  # not corrupt
    assert s.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    turns = s.get(1).turns
    assert len(turns) >= committed  # everything reported as committed is there
    assert [t.question for t in turns[1:]] == [f"question {i}" for i in range(len(turns) - 1)]


def test_history_settings_come_from_the_settings_file(tmp_path, monkeypatch):
    import json

    from assistant.config import load_settings
    from assistant.core.history.store import open_history

    def open_history_from_file():
        settings, messages = load_settings()
        store, more = open_history(settings.history)
        return store, messages + more

    config = tmp_path / "settings.json"
    monkeypatch.setenv("BLIP_ASSISTANT_CONFIG", str(config))
    monkeypatch.setenv("BLIP_ASSISTANT_DATA", str(tmp_path / "data"))
    config.write_text(json.dumps({"history": {"enabled": False}}))
    assert open_history_from_file() == (None, [])
    config.write_text(json.dumps({"history": {"store_images": False, "keep_days": "soon"}}))
    store, messages = open_history_from_file()
    assert store is not None and "keep_days" in messages[0]
    cid = store.start(Image.new("RGB", (10, 10)), "screen", CAPTION)
    assert store.get(cid).image is None  # store_images: false still holds beside the bad keep_days
    store.close()


def test_a_conversation_is_never_written_without_a_turn(store):
    with pytest.raises(ValueError, match="first turn"):
        store.start(Image.new("RGB", (20, 20)), "screen", [])
    assert store.list() == [] and list((store.folder / "images").iterdir()) == []


def test_after_a_corrupt_file_is_moved_aside_its_images_are_kept_and_never_overwritten(tmp_path):
    folder = tmp_path / "d"
    first = HistoryStore(folder)
    cid = first.start(Image.new("RGB", (64, 64), "red"), "red screen", CAPTION)
    old_image = first.get(cid).image
    old_bytes = old_image.read_bytes()
    first.close()
    db = folder / "history.db"
    db.write_bytes(b"garbage " * 512)  # damaged beyond repair
    second = HistoryStore(folder)
    assert "images in history.db.corrupt-" in second.messages[0]
    new = second.get(second.start(Image.new("RGB", (64, 64), "blue"), "blue screen", CAPTION))
    (aside,) = folder.glob("history.db.corrupt-*-images")
    assert (aside / old_image.name).read_bytes() == old_bytes  # the old history's image, untouched
    assert new.image.name != old_image.name and new.thumbnail.name != first_thumb_name(old_image)
    assert sorted(p.name for p in (folder / "images").iterdir()) == sorted([new.image.name, new.thumbnail.name])


def first_thumb_name(image):
    return image.name.replace(".jpg", "-thumb.jpg")


def test_image_files_without_a_row_are_removed_when_the_history_opens(tmp_path):
    folder = tmp_path / "d"
    s = HistoryStore(folder)
    kept = s.get(s.start(Image.new("RGB", (30, 30)), "screen", CAPTION))
    s.close()
    (folder / "images" / "0123abcd.jpg").write_bytes(b"left by a crash before the commit")
    s = HistoryStore(folder)
    assert sorted(p.name for p in (folder / "images").iterdir()) == sorted([kept.image.name, kept.thumbnail.name])
    kept.image.unlink()  # removed by hand: the conversation stays, without an image
    s.close()
    s = HistoryStore(folder)
    assert s.get(kept.id).image is None and s.get(kept.id).caption == "a caption"
    s.close()


STARTER = """
import sys
from PIL import Image
from assistant.core.history.store import HistoryStore, NewTurn
s = HistoryStore(__import__("pathlib").Path(sys.argv[1]))
image = Image.effect_noise((900, 700), 60).convert("RGB")  # a real JPEG encode each time
n = 0
while True:
    s.start(image, "screen", [NewTurn("", "a caption"), NewTurn("what is it?", "noise")])
    n += 1
    print(n, flush=True)
"""


def test_sigkill_at_any_point_of_writing_a_conversation_leaves_whole_ones_only(tmp_path):
    folder = tmp_path / "d"
    committed = 0
    for round_ in range(6):  # killed at a different point of the write each time
        proc = subprocess.Popen([sys.executable, "-c", STARTER, str(folder)], stdout=subprocess.PIPE, text=True)
        for line in proc.stdout:
            if int(line) >= 3 + round_:
                break
        os.kill(proc.pid, 9)
        proc.wait()
        committed += 3 + round_
        turns = assert_whole(folder)
        assert len(turns) >= committed and set(turns) == {2}
