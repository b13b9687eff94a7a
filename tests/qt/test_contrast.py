"""Contrast and text size, measured on what the app actually paints (WCAG 1.4.3, 1.4.11, 1.4.4)."""

import pytest
from PySide6.QtGui import QColor, QFontInfo, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QToolButton

from assistant.config import AppearanceSettings
from assistant.qt.settings_controller import apply_appearance
from assistant.qt.theme import TEXT_PAIRS, contrast_ratio, pair_ratio

GROUPS = (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive)


@pytest.fixture(autouse=True)
def system_look_after(qapp):
    yield
    apply_appearance(AppearanceSettings())


@pytest.mark.parametrize(("theme", "minimum"), [("system", 4.5), ("high_contrast", 7.0)])
def test_every_text_colour_pair_of_the_palette_in_use_passes(theme, minimum):
    apply_appearance(AppearanceSettings(theme=theme))
    palette = QApplication.palette()
    low = {(g.name, fg.name): round(pair_ratio(palette, g, fg, bg), 2) for g in GROUPS for fg, bg in TEXT_PAIRS
           if pair_ratio(palette, g, fg, bg) < minimum}
    assert not low, low  # placeholder text (translucent) and the selected row included


def test_the_placeholder_as_painted_reaches_aa(qtbot):
    apply_appearance(AppearanceSettings())
    box = QLineEdit()
    box.setPlaceholderText("MMMMMMMMMMMM")
    box.resize(300, 40)
    qtbot.addWidget(box)
    image = box.grab().toImage()
    base = box.palette().color(QPalette.ColorRole.Base)
    colours = {image.pixelColor(x, y).rgb() for x in range(8, 150) for y in range(8, 32)}
    darkest = max((QColor.fromRgb(c) for c in colours), key=lambda c: contrast_ratio(c, base))
    assert contrast_ratio(darkest, base) >= 4.5


def test_high_contrast_control_edges_stand_out_from_black(qtbot):
    apply_appearance(AppearanceSettings(theme="high_contrast"))
    button = QToolButton()
    button.setText("Describe screen")
    button.resize(160, 40)
    qtbot.addWidget(button)
    image = button.grab().toImage()
    edge = image.pixelColor(0, image.height() // 2)
    assert contrast_ratio(edge, QColor("#000000")) >= 3.0, edge.name()


@pytest.mark.parametrize("theme", ["system", "high_contrast"])
def test_the_text_size_setting_changes_the_text_painted(make_window, theme):
    apply_appearance(AppearanceSettings(theme=theme, font_size=22))
    window = make_window()
    window.show()
    for widget in (window.question, window.status, window.history_view, window.image_pane):
        widget.ensurePolished()
        assert QFontInfo(widget.font()).pointSize() == 22, type(widget).__name__
