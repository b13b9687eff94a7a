"""First run: ask before downloading the model, then show and speak the progress; cancel any time."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QMainWindow, QMessageBox, QProgressBar, QPushButton

from assistant.core.announcer import Announcer
from assistant.core.model.local.hub import DownloadPlan, human_bytes
from assistant.i18n import _
from assistant.qt.a11y import name
from assistant.qt.model_service import ModelService


def status_progress(window: QMainWindow, bar: tuple[str, str], button: tuple[str, str], cancel) -> tuple:
    """A named progress bar and its Cancel button in ``window``'s status bar, hidden until a download runs.

    ``bar`` and ``button`` are (name, description) as screen readers say them; the button's name is its text.
    """
    progress = name(QProgressBar(), *bar)
    progress.setRange(0, 1000)
    progress.setMinimumWidth(260)
    stop = name(QPushButton(button[0]), *button)
    stop.clicked.connect(cancel)
    for widget in (progress, stop):
        window.statusBar().addPermanentWidget(widget)
        widget.hide()
    return progress, stop


class DownloadFlow(QObject):
    """Owns the download progress bar and its Cancel button, in ``window``'s status bar; asks there too."""

    def __init__(self, window: QMainWindow, service: ModelService, announcer: Announcer):
        super().__init__(window)
        self.window, self.service, self.announcer = window, service, announcer
        self.bar, self.cancel_button = status_progress(
            window, (_("Model download"), _("How much of the model has been downloaded.")),
            (_("Cancel download"), _("Stop the download; what was downloaded is kept for next time.")), self.cancel)
        self._quarter: int | None = None
        service.download_needed.connect(self._on_needed)
        service.download_progress.connect(self._on_progress)
        service.download_stopped.connect(self._on_stopped)
        service.load_failed.connect(lambda _message: self._hide())
        service.ready.connect(lambda _info: self._hide())

    @property
    def active(self) -> bool:
        return not self.bar.isHidden()  # still true while the window is hidden for a capture

    def cancel(self) -> None:
        if self.active:
            self.service.cancel_download()

    def retry(self) -> None:
        """The "Download the model" action: ask again, unless a download is already under way."""
        if self.active:
            progress = self.bar.accessibleDescription()
            self.announcer.message(_("The model is already downloading: {progress}.").format(progress=progress))
        elif self.service.is_ready:
            self.announcer.message(_("The model is already loaded."))
        else:
            self.service.retry()

    def _ask(self, plan: DownloadPlan) -> bool:
        if not QAccessible.isActive():  # a screen reader reads the dialog itself; others hear our voice
            self.announcer.say(plan.question())
        box = QMessageBox(QMessageBox.Icon.Question, _("Download the model?"), plan.question(),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.setAccessibleName(_("Download the model?"))
        return box.exec() == QMessageBox.StandardButton.Yes

    def _on_needed(self, plan: DownloadPlan) -> None:
        self.announcer.status(_('{repo} is not downloaded yet.').format(repo=plan.repo))
        if not self._ask(plan):
            self.announcer.message(_("The model was not downloaded. To download it later, choose Download the model in the "
                               "File menu; to use a model folder instead, open Settings with Control+Comma."))
            return
        self._quarter = None
        self.bar.setValue(0)
        self.bar.setFormat(_("Downloading {size}: %p%").format(size=human_bytes(plan.bytes_total)))
        self.bar.show()
        self.cancel_button.show()
        self.announcer.message(_("Downloading {repo}, {size}. Progress is spoken at each quarter; Cancel download in the "
                                 "status bar stops it.").format(repo=plan.repo, size=human_bytes(plan.bytes_needed)))
        self.service.download()

    def _on_progress(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        self.bar.setValue(int(1000 * fraction))
        text = f"{human_bytes(done)} of {human_bytes(total)}"
        self.bar.setFormat(_('%p%, {text}').format(text=text))
        self.bar.setAccessibleDescription(_("{percent} percent, {text}").format(percent=int(100 * fraction), text=text))
        self.announcer.status(_("Downloading the model: {percent}%, {text}.").format(percent=int(100 * fraction), text=text),
                              announced=False)
        quarter = int(4 * fraction)
        if self._quarter is None:  # a resumed download starts where it was, silently
            self._quarter = quarter if fraction < 1 else 3
            return
        if quarter > self._quarter:
            self._quarter = quarter
            if quarter >= 4:
                self.announcer.message(_("The model is downloaded. Loading it now."))
            else:
                done = _("Model download {percent} percent done, {text}.").format(percent=25 * quarter, text=text)
                self.announcer.message(done)

    def _on_stopped(self, message: str) -> None:
        self._hide()
        self.announcer.message(_('{message} Choose Download the model in the File menu to continue.').format(message=message))

    def _hide(self) -> None:
        self.bar.hide()
        self.cancel_button.hide()
