""""What changed?": look again at the window (or screen) of the current conversation and say what differs.

New text, text gone, and the areas that changed without text (the largest described by the
model when one is there); the answer is a turn of the conversation, and the new capture
becomes its image, so the next question and the next "What changed?" start from now.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject

from assistant.core.announcer import Announcer
from assistant.core.session import Session, turn_text
from assistant.core.watch.compare import area_images, compare, look_again
from assistant.i18n import N_, _
from assistant.qt.area_captions import AreaCaptions
from assistant.qt.capture_flow import CaptureFlow

log = logging.getLogger(__name__)
NOTHING_YET = (N_("There is nothing to compare with yet: describe a window or the screen first, then ask what changed."))


class ChangedFlow(QObject):
    """Compares the conversation's window now with its last capture."""

    def __init__(self, capture: CaptureFlow, session: Session, announcer: Announcer, areas: AreaCaptions, view,
                 text_flow, parent: QObject | None = None):
        super().__init__(parent)
        self.capture, self.session, self.announcer, self.areas = capture, session, announcer, areas
        self.view, self.text_flow = view, text_flow

    def start(self) -> None:
        conversation = self.session.conversation
        if conversation is None or conversation.place is None:
            self.announcer.message(_(NOTHING_YET))
            return
        self.announcer.status(_('Looking at {name} again…').format(name=conversation.place.name), announced=False)
        session, reader, place, old = self.session, self.session.reader, conversation.place, conversation.image
        read = (lambda image: reader.submit(image).result()) if reader is not None else None

        def job(capturer):
            old_lines = session.text_lines(conversation)  # waits for the first reading, if it still runs
            image, lines = look_again(place, capturer, read)
            return conversation, image, lines, compare(old, old_lines, image, lines)

        self.capture.run("what_changed", job)

    def found(self, name: str, result: object) -> None:
        if name != "what_changed":
            return
        conversation, image, lines, comparison = result
        if conversation is not self.session.conversation:
            return  # the user moved on to another image meanwhile
        old = conversation.image
        turn = self.session.changed(image, lines, comparison.sentence())  # said, and kept in the history
        row = self.view.add_turn(turn.text)
        self.text_flow.show(conversation, lines)
        self.announcer.status(_("Compared with the last look."), announced=False)
        if not comparison.areas:
            return
        first = comparison.areas[0]

        def described(words: str) -> None:
            comparison.captions[0] = words
            self.view.set_turn(row, turn_text(turn.question, comparison.sentence(), turn.source))
            state = "gone" if first.gone else "now"
            said = _("At the {where}, {state}: {words}").format(where=first.where, state=state, words=words)
            self.announcer.say(said, interrupt=False)

        self.areas.ask(area_images(comparison, old, image)[0], described)
