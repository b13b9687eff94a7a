"""An app that draws its buttons itself and exposes none of them (a canvas, like a game or a remote desktop):
"Open", "Save" and "Quit" painted on one widget. Prints "shown", then "click X Y" (physical pixels on the
screen) and "clicked NAME" (or "clicked nothing") for every mouse click."""

import sys

from PySide6.QtCore import QRect, QTimer
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication(sys.argv[:1])
BUTTONS = {"Open": QRect(40, 60, 160, 60), "Save": QRect(260, 60, 160, 60), "Quit": QRect(480, 60, 160, 60)}


class Canvas(QWidget):
    def paintEvent(self, _event):  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("white"))
        p.setFont(QFont("DejaVu Sans", 20))
        for name, rect in BUTTONS.items():
            p.fillRect(rect, QColor(225, 225, 225))
            p.drawRect(rect)
            p.drawText(rect, 0x84, name)  # Qt.AlignCenter

    def mousePressEvent(self, event):  # noqa: N802
        g = event.globalPosition()
        print("click", round(g.x()), round(g.y()), flush=True)
        hit = next((n for n, r in BUTTONS.items() if r.contains(event.position().toPoint())), "nothing")
        print("clicked", hit, flush=True)

    def keyPressEvent(self, event):  # noqa: N802
        print("key", event.text(), flush=True)

    def focusInEvent(self, event):  # noqa: N802
        print("focus in", flush=True)


canvas = Canvas()
canvas.setWindowTitle("Canvas app")
canvas.resize(700, 200)
canvas.move(100, 300)
canvas.show()
QTimer.singleShot(0, lambda: print("shown", flush=True))
QTimer.singleShot(600_000, app.quit)
app.exec()
