"""Watching a window for what changes: which pixels changed, which text is new, and what to say of it."""
