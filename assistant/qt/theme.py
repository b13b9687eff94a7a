"""Themes: the system's own (the default) and a high-contrast one (WCAG AAA, at least 7:1)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

# Pairs of (foreground role, background role) whose contrast must reach AAA.
TEXT_PAIRS = [
    (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
    (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
    (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
    (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight),
    (QPalette.ColorRole.ToolTipText, QPalette.ColorRole.ToolTipBase),
    (QPalette.ColorRole.PlaceholderText, QPalette.ColorRole.Base),
]


def relative_luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio, from 1 (same) to 21 (black on white)."""
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def high_contrast_palette() -> QPalette:
    """White and yellow on black: 21:1 for text, 19.6:1 for the highlight."""
    black, white, yellow, cyan = QColor("#000000"), QColor("#FFFFFF"), QColor("#FFFF00"), QColor("#00FFFF")
    palette = QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase,
                     QPalette.ColorRole.Button, QPalette.ColorRole.ToolTipBase):
            palette.setColor(group, role, black)
        for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                     QPalette.ColorRole.ToolTipText, QPalette.ColorRole.BrightText):
            palette.setColor(group, role, white)
        palette.setColor(group, QPalette.ColorRole.PlaceholderText, QColor("#D0D0D0"))
        palette.setColor(group, QPalette.ColorRole.Highlight, yellow)
        palette.setColor(group, QPalette.ColorRole.HighlightedText, black)
        palette.setColor(group, QPalette.ColorRole.Link, cyan)
    return palette


# Thick yellow focus outlines: the focused control must be findable by a low-vision user.
HIGH_CONTRAST_STYLE = """
*:focus { outline: 3px solid #FFFF00; }
QPushButton, QLineEdit, QListWidget, QLabel#imagePane { border: 2px solid #FFFFFF; padding: 4px; }
QPushButton:focus, QLineEdit:focus, QListWidget:focus, QLabel#imagePane:focus { border: 3px solid #FFFF00; }
QListWidget::item:selected { background: #FFFF00; color: #000000; }
"""
