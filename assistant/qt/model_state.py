"""The model's state line: loading, downloading, ready, or not loaded with why and what to do.

It is a line of its own, so no later message (a speech problem, a status) overwrites it;
it wraps rather than cuts off, and Tab reaches it, its text being its accessible name.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from assistant.core.model.backend import Progress
from assistant.i18n import N_, _
from assistant.qt.a11y import name
from assistant.qt.model_service import ModelService, ModelState

NEXT_STEPS = (N_("Press Control+Shift+M to try again or to download it, or choose a model folder in Settings with "
              "Control+Comma (from a terminal: blip-assistant --model PATH)."))


def with_next_steps(problem: str) -> str:
    """``problem`` and what to do about it, without saying twice what the problem already says."""
    if "--model" in problem:
        return _('{problem} Press Control+Shift+M to try again.').format(problem=problem)
    return f"{problem} {_(NEXT_STEPS)}"


def refusal(service: ModelService, verb: str) -> str:
    """Said at once when a request comes while there is no model: nothing waits for one."""
    if service.state is ModelState.NOT_DOWNLOADED:
        why = _('the model is not on this computer. {problem}').format(problem=service.problem).strip()
    else:
        why = _('no model is loaded ({n0}).').format(n0=service.problem.split('. ')[0].rstrip('.'))
    return _("Nothing was {verb}: {why}").format(verb=_(verb), why=why) + " " + _(NEXT_STEPS)


class ModelStateLine(QLabel):
    """The model's state line in the window."""

    def __init__(self, service: ModelService):
        super().__init__()
        self.service = service
        name(self, _("Model"), _("Whether the model is loaded, and what to do if it is not."))
        self.setObjectName("modelState")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        service.state_changed.connect(self.show_state)
        service.progress.connect(self.show_progress)
        self.show_state(service.state)

    def show_state(self, state: ModelState) -> None:
        info = self.service.info
        self._set({
            ModelState.LOADING: "Model: loading…",
            ModelState.DOWNLOADING: "Model: downloading…",
            ModelState.READY: _('Model: ready on {precision}.').format(precision=info.precision) if info else _("Model: ready."),
            ModelState.UNLOADED: _("Model: not in memory; it loads again with your next request."),
        }.get(state) or _('Model: not loaded. {n0}').format(n0=with_next_steps(self.service.problem)))

    def show_progress(self, progress: Progress) -> None:
        if self.service.state is ModelState.LOADING:
            self._set(f"Model: loading, {progress}.")

    def _set(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleName(text)
