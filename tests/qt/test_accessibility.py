"""Static accessibility checks in-process; tests/xscreen checks the same through AT-SPI as Orca does."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QListWidget

from assistant.qt.theme import TEXT_PAIRS, contrast_ratio, high_contrast_palette


@pytest.fixture
def window(make_window):
    return make_window().window  # the MainWindow itself


def interactive(window):
    found = [w for kind in (QAbstractButton, QLineEdit, QListWidget) for w in window.findChildren(kind)]
    return [w for w in found if w.focusPolicy() != Qt.FocusPolicy.NoFocus and w.isVisibleTo(window)]


def test_every_interactive_widget_has_a_name(window):
    widgets = interactive(window) + [window.image_pane, window.status]
    unnamed = [type(w).__name__ for w in widgets if not w.accessibleName().strip()]
    assert not unnamed and len(widgets) >= 12


def test_every_action_has_a_keyboard_route(window):
    menu_actions = {a for top in window.menuBar().actions() for a in top.menu().actions()}
    for key, action in window.actions_by_name.items():
        assert action in menu_actions, f"{key} is in no menu"
        if key not in ("ask",):  # Ask is Enter in the question box
            assert not action.shortcut().isEmpty(), f"{key} has no shortcut"


def test_f6_moves_between_panes(window, qtbot):
    window.activateWindow()
    window.question.setFocus()
    seen = []
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F6)
        seen.append(QApplication.focusWidget())
    assert seen == [window.image_pane, window.text_view, window.history_view, window.question]
    qtbot.keyClick(window.question, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is window.history_view


def test_tab_reaches_every_interactive_widget(window, qtbot):
    window.activateWindow()
    window.question.setFocus()
    wanted = set(interactive(window))
    reached = set()
    for _ in range(60):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.add(QApplication.focusWidget())
    assert wanted <= reached, [w.accessibleName() for w in wanted - reached]


def test_high_contrast_theme_reaches_wcag_aaa():
    palette = high_contrast_palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for fg, bg in TEXT_PAIRS:
            ratio = contrast_ratio(palette.color(group, fg), palette.color(group, bg))
            assert ratio >= 7.0, f"{fg.name} on {bg.name}: {ratio:.1f}:1"


def test_contrast_ratio_matches_wcag_reference_values():
    from PySide6.QtGui import QColor

    assert round(contrast_ratio(QColor("black"), QColor("white")), 1) == 21.0
    assert round(contrast_ratio(QColor("#777777"), QColor("white")), 2) == 4.48


def test_the_app_follows_the_system_font(window):
    assert window.font().pointSizeF() == QApplication.font().pointSizeF()
    assert window.question.font().pointSizeF() == QApplication.font().pointSizeF()


@pytest.mark.parametrize("points", [0, 48])  # the system's size, and the largest Settings offers
def test_no_toolbar_label_is_cut_off_in_a_narrow_window(window, qtbot, points):
    from assistant.config import AppearanceSettings
    from assistant.qt.settings_controller import apply_appearance
    from assistant.qt.wrapping import WrappingButton

    apply_appearance(AppearanceSettings(font_size=points))
    try:
        window.resize(640, 700)  # half a 1280-pixel screen, as a tiling desktop puts it
        qtbot.waitUntil(lambda: window.width() == 640)
        QApplication.processEvents()
        toolbar = window.toolbar
        assert toolbar.height() >= toolbar.layout().heightForWidth(toolbar.width())  # the rows all fit, none squeezed
        buttons = toolbar.findChildren(WrappingButton)
        assert len(buttons) == 7
        for button in buttons:
            label = button.label()
            lines = button.text().split("\n")
            assert " ".join(lines) == label, f"{label!r} shown as {lines}"  # every word is there
            assert all(button.fontMetrics().horizontalAdvance(line) < button.width() for line in lines), label
            assert button.height() >= button.size_for(button.text()).height(), label
            assert toolbar.rect().contains(button.geometry()), f"{label} runs off the toolbar"
            right = button.mapTo(window, button.rect().topRight()).x()
            assert right <= window.width(), f"{label} runs off the window"
        if points:  # the longest label is wider than the window: its words wrap inside the button
            assert any("\n" in b.text() for b in buttons)
    finally:
        apply_appearance(AppearanceSettings())


def test_at_the_largest_text_size_the_focused_pane_is_scrolled_into_view(window, qtbot):
    from assistant.config import AppearanceSettings
    from assistant.qt.settings_controller import apply_appearance

    apply_appearance(AppearanceSettings(font_size=48))
    try:
        window.resize(640, 700)
        qtbot.waitUntil(lambda: window.width() == 640)
        window.activateWindow()
        window.question.setFocus()
        QApplication.processEvents()
        for _ in range(4):  # F6 round the panes: each one the focus reaches is on screen
            qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F6)
            focused = QApplication.focusWidget()
            viewport = window.scroller.viewport()
            top_left = focused.mapTo(viewport, focused.rect().topLeft())
            assert viewport.rect().contains(top_left), f"{focused.accessibleName()} is scrolled out of view"
    finally:
        apply_appearance(AppearanceSettings())


@pytest.fixture
def german(make_window):
    """The window built in German (``--language de``), as a German user starts it."""
    from assistant import i18n

    english = {type(w).__name__ + w.objectName() + str(i): w.accessibleName()
               for i, w in enumerate(interactive(make_window(start=False).window))}  # names need no model
    i18n.install("de")
    try:
        yield make_window(start=False).window, english
    finally:
        i18n.install("en")


def test_in_german_every_control_has_a_german_name_and_a_keyboard_route(german):
    window, english = german
    widgets = interactive(window) + [window.image_pane, window.status]
    names = [w.accessibleName() for w in widgets]
    assert all(n.strip() for n in names) and len(widgets) >= 12
    named = [w.accessibleName() for w in interactive(window)]
    assert len(named) == len(english)
    same = [n for n, e in zip(named, english.values()) if n == e and any(c.isalpha() for c in n)]
    assert not same, same  # nothing left in English
    assert {"Bildschirm beschreiben", "Aktives Fenster beschreiben", "Frage", "Fragen"} <= set(named), named
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&Datei", "&Beschreiben", "&Gespräch", "&Hilfe"]
    for key, action in window.actions_by_name.items():  # the access keys and shortcuts still reach every action
        assert "&" in action.text(), key
        if key != "ask":
            assert not action.shortcut().isEmpty(), key
