"""History as Markdown or HTML, to share a description as text (HTML carries the image)."""

from __future__ import annotations

import base64
import html

from assistant import i18n
from assistant.core.history.store import StoredConversation, StoredTurn
from assistant.i18n import _


def _when(t: float) -> str:
    return i18n.when(t)


def _english(t: StoredTurn) -> str:
    """A translated turn's English, as the model saw and gave it; "" for a turn in English."""
    if not t.language or not t.answer_english:
        return ""
    if t.question:
        return _("In English: {question} / {answer}").format(question=t.question_english, answer=t.answer_english)
    return _("In English: {answer}").format(answer=t.answer_english)


def to_markdown(conversations: list[StoredConversation]) -> str:
    """The conversations as Markdown, with their images as links."""
    parts = []
    for c in conversations:
        parts.append(f"## {c.source}, {_when(c.started)}\n")
        for t in c.turns:
            parts.append(_("**Description:** {answer}").format(answer=t.answer) + "\n" if not t.question else
                         _("**Q:** {question}  \n**A:** {answer}").format(question=t.question, answer=t.answer) + "\n")
            if _english(t):
                parts.append(f"*{_md(_english(t))}*\n")
            if t.lines:
                parts.append(_("**Text found:**") + "\n\n" + "\n".join(f"- {_md(d['text'])}" for d in t.lines) + "\n")
    return "\n".join(parts)


def _md(text: str) -> str:
    """One line of text found, safe as a Markdown list item (no markup of its own)."""
    return "".join(f"\\{ch}" if ch in "\\`*_[]<>#|" else ch for ch in text)


def to_html(conversations: list[StoredConversation]) -> str:
    """The conversations as one HTML page, with their images inside it."""
    body = []
    for c in conversations:
        body.append(f"<section><h2>{html.escape(c.source)}, {_when(c.started)}</h2>")
        if c.image and c.image.exists():
            data = base64.b64encode(c.image.read_bytes()).decode()
            alt = html.escape(c.caption or c.source, quote=True)
            body.append(f'<img src="data:image/jpeg;base64,{data}" alt="{alt}" style="max-width:100%">')
        body.append("<dl>")
        for t in c.turns:
            label = html.escape(_("Description")) if not t.question else html.escape(t.question)
            english = f"<br><i lang=\"en\">{html.escape(_english(t))}</i>" if _english(t) else ""
            body.append(f"<dt>{label}</dt><dd>{html.escape(t.answer)}{english}</dd>")
            if t.lines:
                items = "".join(f"<li>{html.escape(d['text'])}</li>" for d in t.lines)
                found = html.escape(_("Text found"))
                body.append(f"<dt>{found}</dt><dd><ul>{items}</ul></dd>")
        body.append("</dl></section>")
    title = html.escape(_("BLIP Assistant history"))
    return (f"<!doctype html><html lang=\"{i18n.language()}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><h1>{title}</h1>" + "".join(body) + "</body></html>\n")
