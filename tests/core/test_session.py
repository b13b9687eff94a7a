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
