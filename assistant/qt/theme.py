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
    """WCAG's relative luminance of ``color``."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio, from 1 (same) to 21 (black on white)."""
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def effective(color: QColor, background: QColor) -> QColor:
    """The colour a translucent ``color`` shows as over ``background`` (Qt's placeholder text is 50% Text)."""
    a = color.alphaF()
    mix = lambda f, b: f * a + b * (1 - a)  # noqa: E731
    return QColor.fromRgbF(mix(color.redF(), background.redF()), mix(color.greenF(), background.greenF()),
                           mix(color.blueF(), background.blueF()))


def pair_ratio(palette: QPalette, group: QPalette.ColorGroup, fg: QPalette.ColorRole, bg: QPalette.ColorRole) -> float:
    """The contrast ratio of a palette's foreground and background roles."""
    background = palette.color(group, bg)
    return contrast_ratio(effective(palette.color(group, fg), background), background)


def _towards(color: QColor, target: QColor, step: float) -> QColor:
    return QColor.fromRgbF(*(c + (t - c) * step for c, t in ((color.redF(), target.redF()), (color.greenF(), target.greenF()),
                                                              (color.blueF(), target.blueF()))))


def accessible_palette(palette: QPalette, minimum: float = 4.5) -> QPalette:
    """The system palette with every text pair raised to at least ``minimum`` (WCAG AA, 4.5:1).

    Colours that already pass are kept. A failing foreground is moved towards the Text colour
    (placeholder) or a failing highlight towards black or white, whichever gives contrast soonest.
    """
    palette = QPalette(palette)
    black, white = QColor("#000000"), QColor("#FFFFFF")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for fg, bg in TEXT_PAIRS:
            if pair_ratio(palette, group, fg, bg) >= minimum:
                continue
            moving_bg = fg == QPalette.ColorRole.HighlightedText  # keep white on a darker blue, as desktops do
            role = bg if moving_bg else fg
            start = effective(palette.color(group, role), palette.color(group, bg))
            other = palette.color(group, fg if moving_bg else bg)
            target = black if relative_luminance(other) > 0.5 else white
            for step in range(1, 21):
                palette.setColor(group, role, _towards(start, target, step / 20))
                if pair_ratio(palette, group, fg, bg) >= minimum:
                    break
    return palette


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


# White edges on every control (21:1 against black; WCAG 1.4.11 asks 3:1) and thick yellow focus
# outlines: a low-vision user must see where each control is and which one has focus.
_CONTROLS = "QPushButton, QToolButton, QLineEdit, QListWidget, QComboBox, QSpinBox, QTabBar::tab, QLabel#imagePane"
HIGH_CONTRAST_STYLE = (
    "*:focus { outline: 3px solid #FFFF00; }\n"
    f"{_CONTROLS} {{ border: 2px solid #FFFFFF; padding: 4px; background: #000000; color: #FFFFFF; }}\n"
    + ", ".join(f"{c.strip()}:focus" for c in _CONTROLS.split(",")) + " { border: 3px solid #FFFF00; }\n"
    "QTabBar::tab:selected { border: 3px solid #FFFF00; color: #FFFF00; }\n"
    "QCheckBox::indicator { border: 2px solid #FFFFFF; width: 14px; height: 14px; }\n"
    "QCheckBox::indicator:checked { background: #FFFF00; }\n"
    "QListWidget::item:selected { background: #FFFF00; color: #000000; }\n"
)


def font_style(points: int) -> str:
    """A style sheet overrides QApplication.setFont for the widgets it styles: the size goes in it too."""
    return f"* {{ font-size: {points}pt; }}\n" if points else ""
