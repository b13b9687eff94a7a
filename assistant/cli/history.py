"""``blip-assistant history ...``: list, show, search, export and delete saved conversations."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from assistant.cli.common import warn
from assistant.core.errors import terminal_safe
from assistant.core.history.store import HistoryError, HistoryStore, StoredConversation
from assistant.i18n import _, ngettext


def add_parser(sub) -> None:
    """The ``history`` subcommand and its own subcommands."""
    h = sub.add_parser("history", help=_("saved conversations: list, show, search, export, delete"))
    hs = h.add_subparsers(dest="history_command", required=True, parser_class=type(h))
    for name, help_text in (("list", _("every conversation, newest first")), ("show", _("one conversation")),
                            ("search", _("conversations whose text contains TEXT"))):
        p = hs.add_parser(name, help=help_text)
        if name == "show":
            p.add_argument("id", type=int)
        if name == "search":
            p.add_argument("text")
        p.add_argument("--json", action="store_true")
    e = hs.add_parser("export", help=_("write conversations to Markdown or HTML (with the image)"))
    e.add_argument("which", metavar="ID|all")
    e.add_argument("--format", choices=["md", "html"], default="md")
    e.add_argument("-o", "--output", required=True, metavar="PATH")
    d = hs.add_parser("delete", help=_("delete a conversation, or all of them"))
    d.add_argument("which", metavar="ID|all")
    d.add_argument("--yes", action="store_true", help=_("really delete (required)"))
    for p in (h, *hs.choices.values()):
        p.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])


def _record(c: StoredConversation, full: bool) -> dict:
    record = {"id": c.id, "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(c.started)),
              "source": c.source, "caption": c.caption}
    if full:
        record["image"] = str(c.image) if c.image else None
        record["turns"] = [{"question": t.question, "answer": t.answer, "model": t.model, "device": t.device,
                            "seconds": t.seconds} for t in c.turns]
    return record


def run(args) -> int:
    """Exit codes as in the CLI: 0 ok, 2 bad input."""
    try:
        store = HistoryStore()
    except (HistoryError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    warn(store.messages)
    try:
        return _run(store, args)
    except HistoryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        store.close()


def _run(store: HistoryStore, args) -> int:
    command = args.history_command
    if command in ("list", "search", "show"):
        found = ([store.get(args.id)] if command == "show" else
                 store.search(args.text) if command == "search" else store.list())
        if args.json:
            out = _record(found[0], True) if command == "show" else [_record(c, False) for c in found]
            print(json.dumps(out, ensure_ascii=False))
        else:
            for c in found:
                print(terminal_safe(f"{c.id}\t{_record(c, False)['started']}\t{c.source}\t{c.caption}"))
                if command == "show":
                    for t in c.turns:
                        if t.question:
                            print(terminal_safe(_('Q: {question}\nA: {answer}').format(question=t.question, answer=t.answer)))
        return 0
    which = _which(store, args.which)
    if command == "export":
        from assistant.core.history.export import to_html, to_markdown

        text = (to_html if args.format == "html" else to_markdown)(which)
        Path(args.output).write_text(text, encoding="utf-8")
        print(ngettext("exported {n} conversation to {output}", "exported {n} conversations to {output}", len(which)).format(
            n=len(which), output=args.output), file=sys.stderr)
        return 0
    if not args.yes:
        print("error: " + _("deleting needs --yes (nothing was deleted)"), file=sys.stderr)
        return 2
    count = store.delete(None if args.which == "all" else which[0].id)
    print(_('deleted {count} conversation(s)').format(count=count), file=sys.stderr)
    return 0


def _which(store: HistoryStore, which: str) -> list[StoredConversation]:
    if which == "all":
        return store.list()
    if not which.isdigit():
        raise HistoryError(_("{which!r} is not a conversation number or 'all'.").format(which=which))
    return [store.get(int(which))]
