"""The conversation service without Qt: caption, questions, history and speech, with the tiny model."""

import sqlite3

import pytest
from PIL import Image

from assistant.core.history.store import HistoryStore
from assistant.core.model.backend import run_request
from assistant.core.session import PRESETS, Session, SessionError
from assistant.core.speech import SilentSpeaker


@pytest.fixture
def store(tmp_path):
    s = HistoryStore(tmp_path / "data")
    yield s
    s.close()


def test_caption_then_questions_are_kept_spoken_and_carry_the_chat(model, photo, store):
    speaker = SilentSpeaker()
    session = Session(store, speaker)
    session.begin(photo, "photo.png")
    assert store.list() == []  # nothing is kept before the first answer
    request = session.describe_request()
    caption = session.record(request.id, run_request(model, request), model.info)
    assert caption.text == f"Description of photo.png: {caption.answer.text}" and caption.model is model.info
    first = session.ask_request("what colour is it?")
    assert first.history == ()
    answer = session.record(first.id, run_request(model, first), model.info)
    second = session.ask_request("and the sky?")
    assert [t.question for t in second.history] == ["what colour is it?"]  # the earlier turn goes with it
    session.record(second.id, run_request(model, second), model.info)
    assert speaker.said == [caption.answer.text, answer.answer.text, session.last_answer()]
    (kept,) = store.list()
    assert [t.question for t in kept.turns] == ["", "what colour is it?", "and the sky?"]
    assert kept.caption == caption.answer.text and kept.turns[0].device == model.info.precision


def test_the_history_jpegs_are_made_while_the_model_answers_and_are_what_is_written(model, store):
    import threading

    from assistant.core.history import store as store_module

    encoded_on = []
    real = store_module.encode_images

    def spy(image):
        encoded_on.append(threading.current_thread().name)
        return real(image)

    session = Session(store, auto_speak=False)
    capture = Image.effect_noise((1920, 1080), 60).convert("RGB")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("assistant.core.session.encode_images", spy)
        conversation = session.begin(capture, "screen")
        request = session.describe_request()
        session.record(request.id, run_request(model, request), model.info)
    assert encoded_on and encoded_on[0].startswith("history-images")  # not the caller's (the GUI's) thread
    (kept,) = store.list()
    assert kept.image.read_bytes() == conversation.encoded.result().image  # read back: the bytes made ahead
    with Image.open(kept.image) as saved, Image.open(kept.thumbnail) as thumb:
        assert max(saved.size) == 1024 and max(thumb.size) == 160


def test_an_answer_for_a_conversation_left_behind_is_dropped(model, photo, store):
    session = Session(store, auto_speak=False)
    session.begin(photo, "first")
    stale = session.describe_request()
    session.begin(Image.new("RGB", (32, 32), "blue"), "second")
    assert session.record(stale.id, run_request(model, stale), model.info) is None
    assert session.conversation.caption == "" and store.list() == []


def test_refusals_are_one_sentence_and_presets_choose_the_request(photo):
    session = Session()
    with pytest.raises(SessionError, match="no image yet"):
        session.ask_request("why?")
    session.begin(photo, "screen")
    with pytest.raises(SessionError, match="Type a question first"):
        session.ask_request("   ")
    visible_text = next(p for p in PRESETS if p.question)
    request = session.describe_request(prefix=visible_text.prefix, question=visible_text.question)
    assert request.question == visible_text.question and session.question_of(request.id) == visible_text.question


class BrokenHistory:
    def start(self, *args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    def add_turn(self, *args, **kwargs):
        raise AssertionError("not called after the history failed")


def test_a_failing_history_is_said_once_and_the_conversation_goes_on(model, photo):
    problems = []
    session = Session(BrokenHistory(), on_problem=problems.append)
    session.begin(photo, "screen")
    for make in (session.describe_request, lambda: session.ask_request("why?")):
        request = make()
        assert session.record(request.id, run_request(model, request), model.info) is not None
    assert len(problems) == 1 and "disk I/O error" in problems[0]


def dialog_lines():
    from assistant.core.geometry import Rect
    from assistant.core.text.reader import TextLine

    return [TextLine("Save", Rect(1060, 630, 60, 24), 0.99), TextLine("Sign in", Rect(1720, 25, 80, 30), 0.98),
            TextLine("Save changes", Rect(675, 345, 150, 30), 1.0)]


def test_the_text_found_joins_the_description_is_spoken_kept_searchable_and_answers_where(model, store):
    from assistant.core.text.reader import FakeTextReader
    from assistant.core.text.runner import ThreadTextRunner

    speaker = SilentSpeaker()
    fake = FakeTextReader(dialog_lines())
    session = Session(store, speaker, reader=ThreadTextRunner(fake), spoken_lines=2)
    image = Image.new("RGB", (1920, 1080), "white")
    session.begin(image, "screen")
    request = session.describe_request()
    turn = session.record(request.id, run_request(model, request), model.info)
    assert fake.images[0].size == (1920, 1080)  # read at full size, not the model's 224 px
    assert [line.text for line in turn.lines] == ["Sign in", "Save changes", "Save"]  # reading order
    assert turn.text.startswith(f"Description of screen: {turn.answer.text}\nText on screen:\n")
    assert "At the top right: Sign in." in turn.text and "Save changes; Save." in turn.text
    assert speaker.said[-1] == (f"{turn.answer.text} Text on screen:\nAt the top right: Sign in.\n"
                                "At the centre: Save changes.\n1 more line in the window.")
    where = session.ask_request("where is the save button?")
    assert where.from_text and where.answer.text.startswith("“Save” is at the centre.")  # no model call
    assert speaker.said[-1] == where.answer.text
    follow_up = session.ask_request("is it a dialog?")
    assert follow_up.context == "Sign in ; Save changes ; Save"  # the model gets the text as context
    (kept,) = store.search("save changes")  # found by its text
    assert [d["text"] for d in kept.turns[0].lines] == ["Sign in", "Save changes", "Save"]
    assert kept.turns[1].question == "where is the save button?" and kept.turns[1].answer == where.answer.text
    reopened = Session(store, reader=None)
    reopened.reopen(kept, image)
    assert reopened.ask_request("where is sign in?").answer.text.startswith("“Sign in” is at the top right.")


def test_when_the_text_cannot_be_read_the_description_goes_on_and_says_so(model):
    from assistant.core.text.reader import FakeTextReader
    from assistant.core.text.runner import ThreadTextRunner

    session = Session(reader=ThreadTextRunner(FakeTextReader(error="The text could not be read: engine broke")),
                      auto_speak=False)
    session.begin(Image.new("RGB", (640, 480), "white"), "screen")
    request = session.describe_request()
    turn = session.record(request.id, run_request(model, request), model.info)
    assert turn.answer.text and turn.lines == ()
    assert turn.text.endswith("\nThe text could not be read: engine broke The description goes on without the text.")
    answer = session.ask_request("where is the OK button?")
    assert answer.answer.text.startswith("The text could not be read") and "cannot answer" in answer.answer.text

    empty = Session(reader=ThreadTextRunner(FakeTextReader([])), auto_speak=False)
    empty.begin(Image.new("RGB", (640, 480), "white"), "screen")
    assert empty.text_only().text == "No text was found."


def test_a_streamed_answer_is_spoken_from_its_first_complete_sentence(photo):
    """Each sentence is said once, as soon as it is complete; the rest when the answer ends."""
    from assistant.core.model.backend import Answer
    from assistant.core.session import complete_sentences

    speaker = SilentSpeaker()
    session = Session(None, speaker)
    session.begin(photo, "photo.png")
    request = session.ask_request("what is it?")
    for so_far in ("A red", "A red box.", "A red box. It costs 3.", "A red box. It costs 3.5 euros", ):
        session.partial(request.id, so_far)
    assert speaker.said == ["A red box."]  # "3." of "3.5" waited for what came after it
    session.record(request.id, Answer("A red box. It costs 3.5 euros. Nothing else."), None)
    assert speaker.said == ["A red box.", "It costs 3.5 euros. Nothing else."]
    assert complete_sentences("Done. Not yet") == "Done."
    session.partial(12345, "A stale answer. From before.")  # not a request of this session: silent
    assert len(speaker.said) == 2


class OrderedSpeaker(SilentSpeaker):
    """Remembers whether each phrase cut in (interrupt) or queued."""

    def __init__(self):
        super().__init__()
        self.cut_in: list[bool] = []

    def say(self, text, interrupt=True):
        if text:
            self.cut_in.append(interrupt)
        super().say(text, interrupt)


def test_the_text_found_is_said_first_and_the_caption_after_it_with_no_repetition(model, store):
    from assistant.core.model.backend import Answer
    from assistant.core.text.reader import FakeTextReader
    from assistant.core.text.runner import ThreadTextRunner

    speaker = OrderedSpeaker()
    session = Session(store, speaker, reader=ThreadTextRunner(FakeTextReader(dialog_lines())), spoken_lines=2)
    session.begin(Image.new("RGB", (1920, 1080), "white"), "screen")
    request = session.describe_request()
    said = session.say_text_first(caption_waits=True)  # the text is read; the model is still loading
    assert said == ("Text on screen:\nAt the top right: Sign in.\nAt the centre: Save changes.\n1 more line in the window. "
                    "The caption follows when the model is ready.")
    assert session.say_text_first() == ""  # said once
    session.partial(request.id, "A dialog box. With")
    turn = session.record(request.id, Answer("A dialog box. With buttons."), model.info)
    assert speaker.said == [said, "A dialog box.", "With buttons."]  # the caption after the text, nothing twice
    assert speaker.cut_in == [True, False, False]  # the text replaces "Describing…"; the caption queues behind it
    assert turn.text_said and "Text on screen:" in turn.text  # shown and kept whole
    assert "Save changes" in store.list()[0].turns[0].lines[1]["text"]


def test_the_caption_first_setting_and_a_caption_already_in_keep_the_old_order(model):
    from assistant.core.model.backend import Answer
    from assistant.core.text.reader import FakeTextReader
    from assistant.core.text.runner import ThreadTextRunner

    for text_first in (False, True):
        speaker = OrderedSpeaker()
        session = Session(None, speaker, reader=ThreadTextRunner(FakeTextReader(dialog_lines())), spoken_lines=1,
                          text_first=text_first)
        session.begin(Image.new("RGB", (1920, 1080), "white"), "screen")
        request = session.describe_request()
        if not text_first:
            assert session.say_text_first() == ""
        session.record(request.id, Answer("A dialog box."), model.info)
        assert session.say_text_first() == ""  # the caption came first: said with its text, as before
        assert speaker.said == ["A dialog box. Text on screen:\nAt the top right: Sign in.\n2 more lines in the window."]


def test_no_text_while_loading_is_said_with_the_caption_to_come_and_nothing_when_ready(model):
    from assistant.core.text.reader import FakeTextReader
    from assistant.core.text.runner import ThreadTextRunner

    session = Session(None, SilentSpeaker(), reader=ThreadTextRunner(FakeTextReader([])))
    session.begin(Image.new("RGB", (640, 480), "white"), "screen")
    assert session.say_text_first() == ""  # a photo with no text: its caption comes first, as before
    session.begin(Image.new("RGB", (640, 480), "white"), "screen")
    assert session.say_text_first(caption_waits=True) == "No text was found. The caption follows when the model is ready."
