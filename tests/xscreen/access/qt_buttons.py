"""A Qt6 app for the focus tests: a "Notes" line edit, an image-only button with no name (its picture
says "Export"), and a "Save" button. Prints like gtk_buttons.py; ``--many N`` adds N more buttons."""

import sys

from PySide6.QtCore import QPoint, QSize, QTimer
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QGridLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

args = sys.argv
app = QApplication(args[:1])
many = int(args[args.index("--many") + 1]) if "--many" in args else 0
picture = QPixmap(args[args.index("--picture") + 1])


class Button(QPushButton):
    def __init__(self, name, text=""):
        super().__init__(text)
        self.label = name
        self.clicked.connect(lambda: print("clicked", name, flush=True))

    def focusInEvent(self, event):  # noqa: N802
        super().focusInEvent(event)
        p, r = self.mapToGlobal(QPoint(0, 0)), self.devicePixelRatioF()
        print("focus", self.label, round(p.x() * r), round(p.y() * r), round(self.width() * r),
              round(self.height() * r), flush=True)


window = QWidget()
window.setWindowTitle("Qt tool")
layout = QVBoxLayout(window)
notes = QLineEdit()
notes.setAccessibleName("Notes")
layout.addWidget(notes)
unlabeled = Button("unlabeled")
unlabeled.setIcon(QIcon(picture))
unlabeled.setIconSize(QSize(picture.width(), picture.height()))
unlabeled.setFlat(True)
layout.addWidget(unlabeled)
layout.addWidget(Button("Save", "Save"))
if many:
    grid = QGridLayout()
    for i in range(many):
        grid.addWidget(QPushButton(f"B{i}"), i // 30, i % 30)
    layout.addLayout(grid)
window.move(140, 120)
window.show()
notes.setFocus()
QTimer.singleShot(0, lambda: print("shown", flush=True))
QTimer.singleShot(600_000, app.quit)
app.exec()
