"""Conversations kept on disk (SQLite) and exported as Markdown or HTML."""
