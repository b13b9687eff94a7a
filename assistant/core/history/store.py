"""Conversations that survive restarts: SQLite (WAL) in the user's data folder, private by default.

The database and image files are readable by the user alone (0600 files, 0700 folders).
A conversation is written together with its first turn (and its image files) in one
transaction; each later turn is committed on its own. So a crash loses at most the turn
being written and never leaves a conversation without turns. Image files are named by a
random UUID, so they never collide, and are written while the write lock is held: an image
file whose row was never committed (a crash in between) is removed the next time the history
opens. A corrupt database is moved aside with its images (never deleted) and a new one started.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from assistant.config import data_dir
from assistant.core.errors import AssistantError
from assistant.i18n import _

if TYPE_CHECKING:
    from assistant.config import HistorySettings

SCHEMA_VERSION = 4
IMAGE_SIDE = 1024  # enough to ask new questions later (the model sees 224 px)
THUMB_SIDE = 160

MIGRATIONS = {
    1: """
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY, started REAL NOT NULL, source TEXT NOT NULL, image TEXT, thumbnail TEXT);
        CREATE TABLE turns (
            id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            question TEXT NOT NULL, answer TEXT NOT NULL, time REAL NOT NULL);
    """,
    2: """
        ALTER TABLE turns ADD COLUMN model TEXT NOT NULL DEFAULT '';
        ALTER TABLE turns ADD COLUMN device TEXT NOT NULL DEFAULT '';
        ALTER TABLE turns ADD COLUMN seconds REAL NOT NULL DEFAULT 0;
        CREATE INDEX turns_by_conversation ON turns(conversation_id, id);
    """,
    3: """
        ALTER TABLE turns ADD COLUMN text TEXT NOT NULL DEFAULT '';
        ALTER TABLE turns ADD COLUMN text_lines TEXT NOT NULL DEFAULT '[]';
    """,
    4: """
        ALTER TABLE turns ADD COLUMN language TEXT NOT NULL DEFAULT '';
        ALTER TABLE turns ADD COLUMN question_english TEXT NOT NULL DEFAULT '';
        ALTER TABLE turns ADD COLUMN answer_english TEXT NOT NULL DEFAULT '';
    """,
}


class HistoryError(AssistantError):
    """The history cannot be read or written."""


@dataclass(frozen=True)
class NewTurn:
    """A turn to write: ``question`` is "" for the caption."""

    question: str
    answer: str
    model: str = ""
    device: str = ""
    seconds: float = 0.0
    lines: tuple[dict, ...] = ()  # the text found: TextLine.to_dict() each, in reading order
    language: str = ""  # the language asked and answered in, when it was not English ("" for English)
    question_english: str = ""  # then: what the model was asked, in English
    answer_english: str = ""  # and what it answered, in English


@dataclass(frozen=True)
class StoredTurn:
    """A caption or a question and its answer, as kept."""

    question: str  # "" for the caption
    answer: str
    time: float
    model: str = ""
    device: str = ""
    seconds: float = 0.0
    lines: tuple[dict, ...] = ()
    language: str = ""  # "" for English; else the question and answer above are in it, and in English here:
    question_english: str = ""
    answer_english: str = ""


@dataclass(frozen=True)
class StoredConversation:
    """A past conversation: its source, image and turns."""

    id: int
    started: float
    source: str
    image: Path | None
    thumbnail: Path | None
    turns: tuple[StoredTurn, ...] = field(default=())

    @property
    def caption(self) -> str:
        return next((t.answer for t in self.turns if not t.question), "")


class HistoryStore:
    """The conversations kept on this computer (sqlite3), with their images."""

    def __init__(self, folder: Path | None = None, *, store_images: bool = True):
        self.folder = folder or data_dir()
        self.store_images = store_images
        self.messages: list[str] = []  # for the user: e.g. a corrupt file moved aside
        _private_dir(self.folder)
        _private_dir(self.folder / "images")
        self.path = self.folder / "history.db"
        self.db = self._open()

    # -- opening, migrations, recovery ------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        try:
            db = self._connect()
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
            self._migrate(db)
        except sqlite3.DatabaseError as err:
            aside = self._move_aside()
            self.messages.append(_('The history file was damaged ({err}); it was moved to {name}, with its images in '
                                   '{name}-images, and a new history was started.').format(err=err, name=aside.name))
            db = self._connect()
            self._migrate(db)
        self._sweep(db)
        return db

    def _move_aside(self) -> Path:
        """The damaged file and the images it refers to, renamed side by side: nothing of it is lost."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"history.db.corrupt-{stamp}")
        n = 1
        while aside.exists() or Path(f"{aside}-images").exists():
            n += 1
            aside = self.path.with_name(f"history.db.corrupt-{stamp}-{n}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(self.path) + suffix)
            if part.exists():
                part.rename(Path(str(aside) + suffix))
        images = self.folder / "images"
        if images.exists():
            images.rename(Path(f"{aside}-images"))
        _private_dir(images)
        return aside

    def _sweep(self, db: sqlite3.Connection) -> None:
        """Remove image files that have no row (a crash before the commit, or after a delete).

        It runs under the write lock, so no other process is between writing its files and committing them.
        """
        folder = self.folder / "images"
        with _transaction(db):
            known = {name for row in db.execute("SELECT image, thumbnail FROM conversations") for name in row if name}
            for path in folder.iterdir():
                if path.name not in known and path.is_file():
                    path.unlink(missing_ok=True)
            missing = [cid for cid, image in db.execute("SELECT id, image FROM conversations WHERE image IS NOT NULL")
                       if not (folder / image).exists()]
            for cid in missing:  # removed by hand: the conversation stays, without its image
                db.execute("UPDATE conversations SET image = NULL, thumbnail = NULL WHERE id = ?", (cid,))

    def _connect(self) -> sqlite3.Connection:
        new = not self.path.exists()
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        if new:
            os.chmod(self.path, 0o600)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(_('The history was written by a newer BLIP Assistant (schema {version}); please update.').format(
                version=version))
        for step in range(version + 1, SCHEMA_VERSION + 1):
            with _transaction(db):
                for statement in filter(str.strip, MIGRATIONS[step].split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={step}")
        for extra in ("-wal", "-shm"):
            part = Path(str(self.path) + extra)
            if part.exists():
                os.chmod(part, 0o600)

    # -- writing ------------------------------------------------------------------------------
    def start(self, image: Image.Image | EncodedImages | None, source: str, turns: Sequence[NewTurn],
              started: float | None = None) -> int:
        """Write a conversation with its first turns (at least one) and its image, in one transaction."""
        if not turns:
            raise ValueError("a conversation is written together with its first turn")
        with _transaction(self.db):
            names = self._save_images(image) if image is not None and self.store_images else (None, None)
            cur = self.db.execute("INSERT INTO conversations (started, source, image, thumbnail) VALUES (?, ?, ?, ?)",
                                  (started or time.time(), source, *names))
            cid = cur.lastrowid
            for turn in turns:
                self._insert_turn(cid, turn)
        return cid

    def add_turn(self, conversation_id: int, question: str, answer: str, *, model: str = "", device: str = "",
                 seconds: float = 0.0, language: str = "", question_english: str = "", answer_english: str = "") -> None:
        with _transaction(self.db):
            self._insert_turn(conversation_id, NewTurn(question, answer, model, device, seconds, (), language,
                                                       question_english, answer_english))

    def _insert_turn(self, cid: int, t: NewTurn) -> None:
        self.db.execute("INSERT INTO turns (conversation_id, question, answer, time, model, device, seconds, text, "
                        "text_lines, language, question_english, answer_english) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (cid, t.question, t.answer, time.time(), t.model, t.device, t.seconds,
                         "\n".join(d["text"] for d in t.lines), json.dumps(list(t.lines), ensure_ascii=False),
                         t.language, t.question_english, t.answer_english))

    def delete(self, conversation_id: int | None = None) -> int:
        """Delete one conversation, or all of them (None); returns how many."""
        rows = self.db.execute("SELECT id, image, thumbnail FROM conversations" +
                               ("" if conversation_id is None else " WHERE id = ?"),
                               () if conversation_id is None else (conversation_id,)).fetchall()
        with _transaction(self.db):
            for cid, _, _ in rows:
                self.db.execute("DELETE FROM turns WHERE conversation_id = ?", (cid,))
                self.db.execute("DELETE FROM conversations WHERE id = ?", (cid,))
        for _, *files in rows:
            for name in files:
                if name:
                    (self.folder / "images" / name).unlink(missing_ok=True)
        return len(rows)

    def purge_older_than(self, days: int) -> int:
        cutoff = time.time() - days * 86400
        ids = [r[0] for r in self.db.execute("SELECT id FROM conversations WHERE started < ?", (cutoff,))]
        return sum(self.delete(cid) for cid in ids)

    # -- reading ------------------------------------------------------------------------------
    def list(self) -> list[StoredConversation]:
        rows = self.db.execute("SELECT id FROM conversations ORDER BY started DESC, id DESC").fetchall()
        return [self.get(r[0]) for r in rows]

    def get(self, conversation_id: int) -> StoredConversation:
        row = self.db.execute("SELECT id, started, source, image, thumbnail FROM conversations WHERE id = ?",
                              (conversation_id,)).fetchone()
        if row is None:
            raise HistoryError(_('There is no conversation {conversation_id} in the history.').format(
                conversation_id=conversation_id))
        turns = tuple(StoredTurn(*t[:6], tuple(_lines(t[6])), *t[7:]) for t in self.db.execute(
            "SELECT question, answer, time, model, device, seconds, text_lines, language, question_english, "
            "answer_english FROM turns WHERE conversation_id = ? "
            "ORDER BY id", (conversation_id,)))
        folder = self.folder / "images"
        return StoredConversation(row[0], row[1], row[2], folder / row[3] if row[3] else None,
                                  folder / row[4] if row[4] else None, turns)

    def search(self, text: str) -> list[StoredConversation]:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        ids = [r[0] for r in self.db.execute(
            "SELECT DISTINCT c.id FROM conversations c JOIN turns t ON t.conversation_id = c.id "
            "WHERE t.question LIKE ? ESCAPE '\\' OR t.answer LIKE ? ESCAPE '\\' OR t.text LIKE ? ESCAPE '\\' "
            "OR t.question_english LIKE ? ESCAPE '\\' OR t.answer_english LIKE ? ESCAPE '\\' "
            "OR c.source LIKE ? ESCAPE '\\' ORDER BY c.started DESC", (pattern,) * 6)]
        return [self.get(cid) for cid in ids]

    def close(self) -> None:
        self.db.close()

    def _save_images(self, image: Image.Image | EncodedImages) -> tuple[str, str]:
        encoded = image if isinstance(image, EncodedImages) else encode_images(image)
        key = uuid.uuid4().hex  # never reused, even by a new history after a corrupt one was moved aside
        names = (f"{key}.jpg", f"{key}-thumb.jpg")
        for name, data in zip(names, (encoded.image, encoded.thumbnail)):
            fd = os.open(self.folder / "images" / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        return names


def _lines(raw: str) -> list[dict]:
    try:
        lines = json.loads(raw or "[]")
    except ValueError:
        return []
    return [d for d in lines if isinstance(d, dict) and "text" in d and "box" in d]


@dataclass(frozen=True)
class EncodedImages:
    """A conversation's image and thumbnail as JPEG bytes, ready to be written."""

    image: bytes
    thumbnail: bytes


def encode_images(image: Image.Image) -> EncodedImages:
    """The two JPEG encodes (about 25 ms for a 1080p capture): done ahead, off the GUI thread, by the session."""
    copy = image.convert("RGB")
    copy.thumbnail((IMAGE_SIDE, IMAGE_SIDE))
    thumb = copy.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    data = []
    for picture in (copy, thumb):
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=90)
        data.append(buffer.getvalue())
    return EncodedImages(*data)


class _transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, *_):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def open_history(settings: HistorySettings) -> tuple[HistoryStore | None, list[str]]:
    """(store or None, messages for the user), as the history settings say.

    Conversations older than ``keep_days`` are purged here, at start-up.
    """
    messages: list[str] = []
    if not settings.enabled:
        return None, messages
    try:
        store = HistoryStore(store_images=settings.store_images)
        if settings.keep_days:
            store.purge_older_than(settings.keep_days)
    except (HistoryError, OSError, sqlite3.Error) as err:
        return None, [*messages, _('The history is unavailable ({err}); conversations will not be kept.').format(err=err)]
    return store, [*messages, *store.messages]
