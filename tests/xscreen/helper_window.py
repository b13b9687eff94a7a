"""Another application's window for capture tests: solid green, titled "Helper window"."""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication(sys.argv)
window = QWidget()
window.setWindowTitle("Helper window")
window.setStyleSheet("background: #00ff00;")
window.setGeometry(1000, 120, 240, 200)
window.show()
QTimer.singleShot(0, lambda: print("shown", flush=True))
app.exec()
