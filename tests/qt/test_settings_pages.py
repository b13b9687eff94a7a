"""The Settings page stack, a "layered pane" to screen readers, is named after the tab it shows."""

from PySide6.QtWidgets import QStackedWidget

from assistant.config import Settings
from assistant.qt.settings_dialog import SettingsDialog


def test_the_page_stack_is_named_after_the_tab_shown(qtbot):
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    stack = dialog.tabs.findChild(QStackedWidget)
    assert stack.accessibleName() == "Model settings"
    dialog.tabs.setCurrentIndex(2)
    assert stack.accessibleName() == "Speech settings"
