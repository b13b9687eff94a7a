"""Another application's window for capture tests: green with a small "OK", titled "Helper window"."""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QWidget

app = QApplication(sys.argv)
window = QWidget()
window.setWindowTitle("Helper window")
window.setStyleSheet("background: #00ff00;")
window.setGeometry(1000, 120, 240, 200)
label = QLabel("OK", window)  # a little content: a flat window would rightly count as blank
label.setStyleSheet("color: black; font-size: 10px;")
label.move(4, 4)
window.show()
QTimer.singleShot(0, lambda: print("shown", flush=True))
app.exec()
