"""Talking to the running screen reader (NVDA/JAWS through UIA, Orca through AT-SPI)."""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget


def announce(widget: QWidget, text: str, *, assertive: bool = False) -> None:
    """Ask the screen reader to speak ``text`` in the user's own voice and braille."""
    if not text:
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    polite = QAccessible.AnnouncementPoliteness
    event.setPoliteness(polite.Assertive if assertive else polite.Polite)
    QAccessible.updateAccessibility(event)


def name(widget: QWidget, accessible_name: str, description: str = "") -> QWidget:
    """Give ``widget`` its accessible name and description; returns it."""
    widget.setAccessibleName(accessible_name)
    if description:
        widget.setAccessibleDescription(description)
    return widget
