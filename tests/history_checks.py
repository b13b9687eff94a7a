"""What every history must be after any crash: shared by the store's tests and the CLI's."""

from assistant.core.history.store import HistoryStore


def assert_whole(folder):
    """The history opens, passes integrity_check, has no conversation without turns, no image without its row."""
    s = HistoryStore(folder)
    try:
        assert s.messages == []
        assert s.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert s.db.execute("SELECT count(*) FROM conversations c WHERE NOT EXISTS "
                            "(SELECT 1 FROM turns t WHERE t.conversation_id = c.id)").fetchone()[0] == 0
        named = {n for c in s.list() for n in (c.image.name, c.thumbnail.name)}
        on_disk = {p.name for p in (folder / "images").iterdir()}
        assert named == on_disk
        return [len(c.turns) for c in s.list()]
    finally:
        s.close()
