"""Runs the conversation for the window: the session, the model service, capture and speech, driving the view.

The window is a view behind :class:`assistant.qt.view.ConversationView`: its intents come
here (``app.py`` connects them), and this decides what happens, through
:class:`assistant.core.session.Session`, the same service the command line uses. Every way
in (capture, open, paste, drop, hotkeys) ends in ``start``. Which turn is pending is kept
here, never read back from a widget.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject

from assistant import i18n
from assistant.core.access.element import AccessibilityProbe, NoProbe
from assistant.core.announcer import Announcer
from assistant.core.capture.images import load_image
from assistant.core.capture.screen import Capture, blank_reason
from assistant.core.errors import ImageError
from assistant.core.history.store import StoredConversation
from assistant.core.hotkeys.source import HotkeySource
from assistant.core.model.backend import Answer, ModelRequest, Progress
from assistant.core.onscreen.targets import Target, focused_target, pointer_target
from assistant.core.session import PRESETS, Session, SessionError, SessionTurn, turn_text
from assistant.core.watch.compare import asks_what_changed
from assistant.core.watch.targets import place_of
from assistant.i18n import N_, _
from assistant.qt.capture_flow import CaptureFlow
from assistant.qt.model_service import ModelService, ModelState
from assistant.qt.model_state import refusal, with_next_steps
from assistant.qt.pending_turn import THINKING, PendingTurn
from assistant.qt.text_flow import TextFlow
from assistant.qt.view import ConversationView

log = logging.getLogger(__name__)
REPEAT_WINDOW_S = 1.0
TARGETS = {"screen": N_("the screen"), "window": N_("the active window"), "desktop": N_("all screens")}


class ConversationController(QObject):
    """Decides what each intent does; drives the view, the session, the model service and the announcer."""

    def __init__(self, view: ConversationView, session: Session, service: ModelService, capture: CaptureFlow,
                 text_flow: TextFlow, announcer: Announcer, hotkeys: HotkeySource | None = None,
                 probe: AccessibilityProbe | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.view, self.session, self.service = view, session, service
        self.capture, self.text_flow, self.announcer, self.hotkeys = capture, text_flow, announcer, hotkeys
        self.probe = probe or NoProbe()
        # Set by app.compose (each also hears the capture flow's ``found``): the screen-items list (it calls back
        # into describe_target), watch mode, "What changed?".
        self.explore = self.watch = self.changed = None
        self._on_caption: tuple[object, Callable[[str], None]] | None = None
        self.preset_index = 0
        self._pending: PendingTurn | None = None
        self._answered: int | None = None  # the request whose answer came (it may wait for the text found)
        self._timing: tuple[str, float, float | None] | None = None  # hotkey action, pressed at, captured at
        self._last_describe: dict[str, float] = {}
        service.progress.connect(self._on_progress)
        self.ready_words = ""  # said instead of "Model ready on …" at the first load ("BLIP Assistant ready.")
        service.ready.connect(self._on_ready)
        service.ready.connect(lambda _info: capture.preload())
        service.load_failed.connect(lambda message: self.announcer.message(with_next_steps(message), error=True))
        service.state_changed.connect(self._on_model_state)
        service.answered.connect(self._on_answered)
        service.partial.connect(self._on_partial)
        service.failed.connect(self._on_failed)
        capture.captured.connect(self._on_captured)
        capture.found.connect(self._on_found)
        capture.failed.connect(lambda message: self.announcer.message(message, error=True))

    @property
    def pending(self) -> bool:
        """Whether a turn is shown waiting for its answer (or for the text reader)."""
        return self._pending is not None

    # -- ways in -------------------------------------------------------------------------------
    def describe(self, target: str) -> None:
        """Capture ``target`` ("screen", "window", "desktop") and describe it."""
        if self._refused("described"):
            return
        what = _(TARGETS[target])
        # Said at once, so the user knows the key press was heard; the description interrupts it.
        self.announcer.status(_('Describing {what}…').format(what=what), announced=False)
        self.announcer.say(_('Describing {what}…').format(what=what))
        self.capture.request(target)

    def _on_captured(self, capture: Capture) -> None:
        if self._timing is not None:
            self._timing = (self._timing[0], self._timing[1], time.perf_counter())
        reason = blank_reason(capture.image)
        if reason:
            self.announcer.message(reason)
            return
        self.start(capture.image, capture.source, place=place_of(capture.rect, capture.source, capture.window_id))
        if capture.note:
            self.announcer.message(capture.note)

    # -- what am I on? -------------------------------------------------------------------------
    def describe_focus(self) -> None:
        """The focused control of the app in front: its role and name at once, then its text, then its look."""
        probe = self.probe
        self.announcer.status(_("Finding the focused control…"), announced=False)  # its name is said within ms
        self.capture.run("focus", lambda capturer: focused_target(probe, capturer))

    def describe_pointer(self) -> None:
        """The object under the mouse pointer, or the area around the pointer."""
        probe = self.probe
        self.announcer.status(_("Finding what is under the pointer…"), announced=False)
        self.capture.run("pointer", lambda capturer: pointer_target(probe, capturer))

    def _on_found(self, name: str, result: object) -> None:
        if self._timing is not None:
            self._timing = (self._timing[0], self._timing[1], time.perf_counter())
        if name in ("focus", "pointer"):
            self.describe_target(result)

    def describe_target(self, target: Target, *, say_lead: bool = True,
                        on_caption: Callable[[str], None] | None = None) -> None:
        """A conversation about a control's crop: the lead, the text found as soon as it is read, the caption."""
        conversation = self.session.begin(target.image, target.source, lead=target.lead, detail=target.place,
                                          say_lead=say_lead, place=place_of(target.rect, target.source))
        self._pending = None
        self._on_caption = (conversation, on_caption) if on_caption is not None else None
        self.view.show_conversation(target.image, target.source, [])
        self.text_flow.begin()
        self.text_flow.when_ready(self.session.say_text_found)  # before the caption, which waits for the text too
        if self.service.available:
            self._submit(self.session.describe_request(), f"{target.lead}: {THINKING}", quiet=True)
        else:  # the accessibility API and the text need no model: they are the answer
            text = f"{target.lead}: {THINKING}"
            self._pending = PendingTurn(-1, self.view.add_turn(text), text)
            self.text_flow.when_ready(lambda: self._show_turn(self.session.text_only()))

    def open_path(self, path: str) -> None:
        """Describe the image file at ``path`` (a bad file is one sentence, nothing lost)."""
        try:
            image = load_image(path)
        except ImageError as err:
            self.announcer.message(str(err), error=True)
            return
        self.start(image, Path(path).name)

    def refuse_image(self, message: str) -> None:
        """A paste or drop that held no image we can read."""
        self.announcer.message(message, error=True)

    def describe_clipboard(self) -> None:
        """The image on the clipboard (the global hotkey: our window may not be in front)."""
        if self._refused("described"):
            return
        self.announcer.say(_("Describing the clipboard image…"))  # the press was heard; the description interrupts it
        try:
            image, source = self.view.clipboard_image()
        except ImageError as err:
            self.announcer.message(str(err), error=True)
            return
        self.start(image, source)

    # -- the conversation ----------------------------------------------------------------------
    def start(self, image: Image.Image, source: str, place: object | None = None) -> None:
        """A new conversation about ``image``: the text found, then the caption (or the preset's question)."""
        preset = PRESETS[self.preset_index]
        text_only = preset.text_only and self.session.reader is not None  # needs no model: never refused
        if not text_only and self._refused("described"):
            return
        self.session.begin(image, source, place=place)
        self._pending = None
        self.view.show_conversation(image, source, [])
        self.text_flow.begin()
        if text_only:
            text = _('Text in {source}: {n0}').format(source=source, n0=THINKING)
            self._pending = PendingTurn(-1, self.view.add_turn(text), text)
            self.text_flow.when_ready(lambda: self._show_turn(self.session.text_only()))
        else:
            request = self.session.describe_request(prefix=preset.prefix, question=preset.question)
            # The fast part first: the text found is said the moment it is read (while the model loads, too).
            text_ahead = self.session.text_first and self.session.reader is not None
            if text_ahead:
                self.text_flow.when_ready(lambda: self._say_text_first(request.id))
            self._submit(request, turn_text(preset.question or "", THINKING, source), quiet=text_ahead)

    def ask(self, question: str) -> None:
        """A follow-up question; "where is X?" waits for the text found, when it is still being read."""
        if asks_what_changed(question) and self.changed is not None and self.session.conversation is not None \
                and self.session.conversation.place is not None:
            self.view.clear_question()
            self.changed.start()
            return
        if not question.strip() or self.session.text_ready():
            self._ask(question)
            return
        self.view.clear_question()
        self.announcer.status(_("Reading the text first…"))
        self.text_flow.when_ready(lambda: self._ask(question))

    def _ask(self, question: str) -> None:
        try:
            request = self.session.ask_request(question)
        except SessionError as err:  # an empty question, or no image yet
            self.announcer.message(str(err))
            return
        if isinstance(request, SessionTurn):  # answered from the text found: no model needed
            self.view.clear_question()
            self._pending = PendingTurn(-1, self.view.add_turn(""), "")
            self._show_turn(request)
            return
        if self._refused("answered"):
            return  # the question stays in its box, to ask again once the model is there
        self.view.clear_question()
        self._submit(request, turn_text(question, THINKING, self.session.conversation.source))

    def _submit(self, request: ModelRequest, placeholder: str, quiet: bool = False) -> None:
        if self._pending is not None:
            self.view.set_turn(self._pending.row, self._pending.ended(_("(stopped: a newer request came first)")))
        self._pending = PendingTurn(request.id, self.view.add_turn(placeholder), placeholder)
        self.service.submit(request)
        if not self.service.is_ready:
            progress = self.service.last_progress
            how_far = f" ({progress})" if progress else ""
            said = _('The model is still loading{how_far}; your request will run when it is ready.').format(how_far=how_far)
            # After a control's name, or before the text found (quiet), this must not cut into them: shown only;
            # the text found ends with "The caption follows when the model is ready.".
            self.announcer.status(said) if quiet else self.announcer.message(said)
        else:
            self.announcer.status(_("Working…"))

    def _is_pending(self, request_id: int) -> bool:
        return self._pending is not None and self._pending.request_id == request_id

    def _on_partial(self, request_id: int, text: str) -> None:
        if self._is_pending(request_id):
            self.session.partial(request_id, text)  # speech starts at the first complete sentence

    def _say_text_first(self, request_id: int) -> None:
        """The text found is read: said now, unless the caption came first (then both are said together)."""
        if request_id != self._answered:
            self.session.say_text_first(caption_waits=not self.service.is_ready)

    def _on_answered(self, request_id: int, answer: Answer) -> None:
        self._answered = request_id
        if self._is_pending(request_id):  # else: an answer to a request the user has since replaced
            self.text_flow.when_ready(lambda: self._record(request_id, answer))  # the caption is said with the text

    def _record(self, request_id: int, answer: Answer) -> None:
        if self._is_pending(request_id):
            turn = self.session.record(request_id, answer, self.service.info)
            if turn is not None:
                self._show_turn(turn)

    def _show_turn(self, turn: SessionTurn) -> None:
        pending, self._pending = self._pending, None  # no longer pending when the view shows it
        if pending is None:
            return
        self.view.set_turn(pending.row, turn.text)
        if not turn.question:
            self.view.describe_image(turn.answer.text or turn.text)
            waiting, self._on_caption = self._on_caption, None
            if waiting is not None and waiting[0] is self.session.conversation and turn.answer.text:
                waiting[1](turn.answer.text)
        if turn.from_text or turn.model is None:
            self.announcer.status(_("Answered from the text found."))
        else:
            answered = _("Answered in {seconds} s on {precision}.").format(seconds=i18n.number(turn.answer.seconds, 1),
                                                                            precision=turn.model.precision)
            self.announcer.status(" ".join([answered, *turn.notes]))
        self._log_action_done()

    def _on_failed(self, request_id: int, message: str) -> None:
        if self._is_pending(request_id):
            pending, self._pending = self._pending, None
            self.view.set_turn(pending.row, pending.text.replace(THINKING, _('failed: {message}').format(message=message)))
            self.announcer.message(message, error=True)

    def new_conversation(self) -> None:
        """Forget the image and its turns."""
        self.service.stop()
        self.session.clear()
        self._pending = None
        self.text_flow.clear()
        self.view.clear_conversation()
        self.announcer.message(_("New conversation."))

    def open_stored(self, stored: StoredConversation) -> None:
        """Make a past conversation current again: its image, its turns, and new questions continue it."""
        image = None
        if stored.image and stored.image.exists():
            try:
                image = load_image(stored.image)
            except ImageError:
                image = None
        self.service.stop()
        self._pending = None
        texts = [turn_text(t.question, t.answer, stored.source) for t in stored.turns]
        self.text_flow.clear()
        conversation = self.session.reopen(stored, image)
        self.view.show_conversation(image, stored.source, texts, description=stored.caption)
        if conversation is None:
            self.announcer.message(_("Reopened {source} without its image (images were not stored), so you can read it "
                                     "but not ask more.").format(source=stored.source))
            return
        self.text_flow.show(conversation, conversation.lines or [], _("No text was kept with this conversation."))
        self.announcer.message(_("Reopened {source}: {caption}. Ask a question to continue.").format(
            source=stored.source, caption=stored.caption))
        self.view.focus_question()

    def last_answer(self) -> str:
        """The newest answer (or the caption), for Repeat."""
        return self.session.last_answer()

    # -- the model's state -------------------------------------------------------------------
    def _refused(self, verb: str) -> bool:
        """While there is no model, a request is answered at once with why and what to do: nothing waits."""
        if self.service.available:
            return False
        self.announcer.message(refusal(self.service, verb))
        return True

    def _on_ready(self, info) -> None:
        ready = _("Model ready on {precision}.").format(precision=info.precision)
        if self.ready_words:  # started at sign-in: the user hears that the app is there, once
            words, self.ready_words = self.ready_words, ""
            self.announcer.message(words)
            self.announcer.status(ready, announced=False)
        else:
            self.announcer.message(ready)

    def _on_model_state(self, _state: ModelState) -> None:
        pending = self._pending
        if not self.service.available and pending is not None and pending.request_id != -1:
            self._pending = None
            self.view.set_turn(pending.row, pending.ended(_("not run: there is no model.")))  # it is not run later

    def unload_model(self) -> None:
        """Free the model's memory now (Ctrl+Shift+U)."""
        if self.service.state is ModelState.READY:
            self.service.unload()
            self.announcer.message(_("The model's memory is freed; it loads again with your next request."))
        elif self.service.state is ModelState.UNLOADED:
            self.announcer.message(_("The model is not in memory."))
        else:
            self.announcer.message(_("There is no model in memory to free."))

    def _on_progress(self, progress: Progress) -> None:
        # many a second: never queued
        self.announcer.status(_("Loading the model: {progress}").format(progress=progress), announced=False)

    # -- speech ------------------------------------------------------------------------------------
    def repeat_last(self) -> None:
        """Say the last answer again."""
        text = self.last_answer()
        if text:
            self.announcer.say(text)
        else:
            self.announcer.message(_("There is no answer to repeat yet."))

    def show_keys(self) -> None:
        """F1: every shortcut of the window and every global hotkey, shown as a turn and said."""
        help_text = self.hotkeys.help_text() if self.hotkeys is not None else _("No global hotkeys are active.")
        text = _("Shortcuts in this window: {keys}.").format(keys="; ".join(self.view.shortcuts())) + " " + help_text
        self.view.add_turn(text)
        self.announcer.message(text)

    # -- actions: window intents and global hotkeys --------------------------------------------------
    def run_action(self, action: str, pressed_at: float | None = None) -> None:
        """An action by name: a global hotkey, or a window intent. Runs in the GUI thread."""
        pressed_at = pressed_at or time.perf_counter()
        log.info("action %s", action)
        if action.startswith("describe") or action == "what_changed":
            # A burst of presses (a double press, a held key) is one request: the first one's
            # capture already shows what the later ones would.
            last = self._last_describe.get(action, -REPEAT_WINDOW_S)
            self._last_describe[action] = pressed_at
            if pressed_at - last < REPEAT_WINDOW_S:
                log.info("action %s repeated within %.0f s: one request already covers it", action, REPEAT_WINDOW_S)
                return
            if action.startswith("describe"):
                self._timing = (action, pressed_at, None)
        handler = {
            "describe_screen": lambda: self.describe("screen"),
            "describe_window": lambda: self.describe("window"),
            "describe_desktop": lambda: self.describe("desktop"),
            "describe_clipboard": self.describe_clipboard,
            "describe_focus": self.describe_focus,
            "describe_pointer": self.describe_pointer,
            "explore": lambda: self.explore is not None and self.explore.start(),
            "watch": lambda: self.watch is not None and self.watch.toggle(),
            "what_changed": lambda: self.changed is not None and self.changed.start(),
            "ask": self._bring_up_question,
            "stop": self.announcer.stop,
            "repeat": self.repeat_last,
            "cycle_preset": self._next_preset,
            "new": self.new_conversation,
            "copy_text": self.text_flow.copy,
            "keys": self.show_keys,
            "unload": self.unload_model,
        }.get(action)
        if handler is not None:
            handler()

    def _bring_up_question(self) -> None:
        self.view.focus_question(bring_up=True)
        if self.session.conversation is None:
            self.announcer.message(_("There is no image yet: describe the screen or open an image first."))

    def _next_preset(self) -> None:
        self.preset_index = (self.preset_index + 1) % len(PRESETS)
        self.announcer.message(_("Preset: {preset}.").format(preset=_(PRESETS[self.preset_index].name)))

    def _log_action_done(self) -> None:
        if self._timing is None:
            return
        action, pressed, captured = self._timing
        now = time.perf_counter()
        captured_part = f"captured in {1000 * (captured - pressed):.0f} ms, " if captured else ""
        log.info("action %s: %sanswered in %.0f ms", action, captured_part, 1000 * (now - pressed))
        self._timing = None
