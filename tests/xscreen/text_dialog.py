"""Another application's dialog for the text tests: known labels and buttons, titled "Text dialog"."""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QVBoxLayout

app = QApplication(sys.argv)
dialog = QDialog()
dialog.setWindowTitle("Text dialog")
layout = QVBoxLayout(dialog)
for text in ("Printer settings", "Paper size is Letter", "Pages per sheet is two"):
    label = QLabel(text)
    label.setStyleSheet("font-size: 16px; color: black;")
    layout.addWidget(label)
buttons = QDialogButtonBox()
for text in ("Print", "Preview", "Close"):
    buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole).setStyleSheet("font-size: 16px;")
layout.addWidget(buttons)
dialog.setStyleSheet("background: white;")
dialog.setGeometry(200, 150, 520, 260)
dialog.show()
QTimer.singleShot(0, lambda: print("shown", flush=True))
app.exec()
