"""History as Markdown or HTML, to share a description as text (HTML carries the image)."""

from __future__ import annotations

import base64
import html
import time

from assistant.core.history.store import StoredConversation


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def to_markdown(conversations: list[StoredConversation]) -> str:
    """The conversations as Markdown, with their images as links."""
    parts = []
    for c in conversations:
        parts.append(f"## {c.source}, {_when(c.started)}\n")
        for t in c.turns:
            parts.append(f"**Description:** {t.answer}\n" if not t.question else f"**Q:** {t.question}  \n**A:** {t.answer}\n")
            if t.lines:
                parts.append("**Text found:**\n\n" + "\n".join(f"- {_md(d['text'])}" for d in t.lines) + "\n")
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
            label = "Description" if not t.question else html.escape(t.question)
            body.append(f"<dt>{label}</dt><dd>{html.escape(t.answer)}</dd>")
            if t.lines:
                items = "".join(f"<li>{html.escape(d['text'])}</li>" for d in t.lines)
                body.append(f"<dt>Text found</dt><dd><ul>{items}</ul></dd>")
        body.append("</dl></section>")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>BLIP Assistant history</title></head>"
            "<body><h1>BLIP Assistant history</h1>" + "".join(body) + "</body></html>\n")
