"""Questions and answers in the user's language: tiny random OPUS-MT models (converted, int8) around a tiny BLIP-2."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import LanguageSettings
from assistant.core import answer_language as al
from assistant.core.history.store import HistoryStore
from assistant.core.session import Session
from assistant.core.translate.engine import CTranslate2Translator
from assistant.core.translate.pipeline import sentences
from assistant.core.translated import TranslatingModel


class Recording:
    """The real tiny BLIP-2, with each question it was asked written down."""

    def __init__(self, model):
        self.model, self.asked = model, []

    def __getattr__(self, name):
        return getattr(self.model, name)

    def ask(self, image, question, history=(), context="", on_partial=None):
        self.asked.append((question, tuple(history)))
        return self.model.ask(image, question, history, context, on_partial=on_partial)


def mt(folder: Path, pair: str) -> list[str]:
    return CTranslate2Translator(folder / pair, pair)


def test_the_model_is_asked_the_translation_and_the_user_gets_the_translated_answer(model, photo, tiny_mt, tmp_path):
    setup = al.set_up(LanguageSettings(answers="de", mt_models=str(tiny_mt)))
    assert setup.translation is not None and not setup.missing and not setup.message
    recording = Recording(model)
    translating = TranslatingModel(recording, setup.translation)
    store = HistoryStore(tmp_path / "history")
    session = Session(store, auto_speak=False)
    session.begin(photo, "photo.png")
    request = session.describe_request()
    from assistant.core.model.backend import run_request

    caption = session.record(request.id, run_request(translating, request), model.info)
    to_german = mt(tiny_mt, "en-de")
    assert caption.answer.language == "de" and caption.answer.english
    assert caption.answer.text == " ".join(to_german.translate(sentences(caption.answer.english)))

    question = "Welche Farbe hat der Knopf?"
    request = session.ask_request(question)
    turn = session.record(request.id, run_request(translating, request), model.info)
    english_question = " ".join(mt(tiny_mt, "de-en").translate([question]))
    assert recording.asked[0][0] == english_question == turn.answer.question_english  # what reached the model
    assert turn.question == question
    assert turn.answer.text == " ".join(to_german.translate(sentences(turn.answer.english)))  # shown and spoken
    assert session.last_answer() == turn.answer.text

    request = session.ask_request("Und der Hintergrund?")  # the model's context is its own English
    session.record(request.id, run_request(translating, request), model.info)
    assert recording.asked[1][1][0].question == english_question
    assert recording.asked[1][1][0].answer == turn.answer.english

    kept = store.get(session.conversation.history_id).turns
    assert [t.question for t in kept] == ["", question, "Und der Hintergrund?"]
    assert kept[1].language == "de" and kept[1].answer == turn.answer.text
    assert kept[1].question_english == english_question and kept[1].answer_english == turn.answer.english
    assert kept[0].answer_english == caption.answer.english
    assert [c.id for c in store.search(turn.answer.english[:12])] == [session.conversation.history_id]
    store.close()


def test_a_streamed_answer_is_said_in_the_users_language_sentence_by_sentence(tiny_mt):
    setup = al.set_up(LanguageSettings(answers="de", mt_models=str(tiny_mt)))

    class Streaming:
        info = None

        def ask(self, image, question, history=(), context="", on_partial=None):
            from assistant.core.model.backend import Answer

            for so_far in ("The button", "The button shows the settings.", "The button shows the settings. A red"):
                on_partial(so_far)
            return Answer("The button shows the settings. A red window opens.")

    heard = []
    answer = TranslatingModel(Streaming(), setup.translation).ask(None, "Was zeigt der Knopf?", on_partial=heard.append)
    first = mt(tiny_mt, "en-de").translate(["The button shows the settings."])[0]
    assert heard == [first]  # the first sentence once complete; the half sentence waits
    assert answer.text.startswith(first + " ") and answer.english.endswith("opens.")


def test_english_needs_nothing_and_a_missing_pair_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(tmp_path / "cache"))
    assert al.set_up(LanguageSettings(answers="en")).translation is None
    assert al.set_up(LanguageSettings(answers="en")).message == ""
    setup = al.set_up(LanguageSettings(answers="de"))
    assert setup.missing == ("de-en", "en-de") and setup.translation is None
    assert setup.message.startswith("Answers stay in English: the translation models for Deutsch")
    assert "\n" not in setup.message
    assert "no offline translation for 'xx'" in al.set_up(LanguageSettings(answers="xx")).message


@pytest.mark.parametrize(("env", "expected"), [({"LANGUAGE": "de_DE:en"}, "de"), ({"LANG": "es_ES.UTF-8"}, "es"),
                                               ({"LANG": "C.UTF-8"}, "en")])
def test_the_answer_language_follows_the_system_unless_set(monkeypatch, env, expected):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert al.answer_language(LanguageSettings()) == expected
    assert al.answer_language(LanguageSettings(interface="fr")) == "fr"
    assert al.answer_language(LanguageSettings(interface="fr", answers="en")) == "en"


def test_missing_models_are_downloaded_once_then_converted_into_the_cache_and_used(tmp_path, monkeypatch):
    """The Hub download (real huggingface_hub client, a Hub on loopback: tests/fake_hub.py) and CTranslate2's converter."""
    import huggingface_hub.constants as constants
    from fake_hub import FakeHub

    from assistant.core.translate.languages import hub_repo
    from assistant.devtools.tiny_marian import save_tiny_marian

    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("BLIP_ASSISTANT_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    setup = al.set_up(LanguageSettings(answers="de"))
    assert setup.missing == ("de-en", "en-de")
    folders = {hub_repo(pair): save_tiny_marian(tmp_path / "hf" / pair, seed=seed + 1)
               for seed, pair in enumerate(setup.missing)}
    with FakeHub("someone/else", tmp_path / "hf" / "de-en", more=folders) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        todo = al.plans(setup)
        assert [plan.repo for plan in todo] == ["Helsinki-NLP/opus-mt-de-en", "Helsinki-NLP/opus-mt-en-de"]
        assert "two translation models" in al.question(setup, todo) and "CC-BY 4.0" in al.question(setup, todo)
        assert {name for name, _ in todo[0].files} >= {"config.json", "source.spm", "target.spm", "vocab.json"}
        progress, steps = [], []
        al.fetch(setup, todo, on_bytes=lambda done, total: progress.append((done, total)), on_step=steps.append)
    total = sum(plan.bytes_total for plan in todo)
    assert progress[-1] == (total, total) and all(a[0] <= b[0] for a, b in zip(progress, progress[1:]))
    assert steps == ["Preparing the de-en translation model.", "Preparing the en-de translation model."]
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ready = al.set_up(LanguageSettings(answers="de"))
    assert not ready.missing and (tmp_path / "cache" / "translate" / "en-de" / "model.bin").is_file()
    assert ready.translation.answer("The button shows the settings.")


def test_in_german_where_is_answered_from_the_text_in_german_without_the_model():
    """The interface in German: the question is understood and answered from the text found, in German."""
    from PIL import Image

    from assistant import i18n
    from assistant.core.geometry import Rect
    from assistant.core.speech import SilentSpeaker
    from assistant.core.text.reader import FakeTextReader, TextLine
    from assistant.core.text.runner import ThreadTextRunner

    lines = [TextLine("Speichern", Rect(1720, 25, 120, 30), 0.99), TextLine("Abbrechen", Rect(1580, 25, 120, 30), 0.99)]
    speaker = SilentSpeaker()
    session = Session(None, speaker, reader=ThreadTextRunner(FakeTextReader(lines)))
    i18n.install("de")
    try:
        session.begin(Image.new("RGB", (1920, 1080), "white"), "window Editor")
        for question in ("Wo ist der Knopf Speichern?", "wo finde ich speichern"):
            turn = session.ask_request(question)
            assert turn.from_text and turn.answer.text == (
                "„Speichern“ ist oben rechts (das Fenster Editor), rechts von “Abbrechen”. "
                "(Aus dem gefundenen Bildschirmtext.)"), turn.answer.text
            assert speaker.said[-1] == turn.answer.text
        missing = session.ask_request("Wo ist Drucken?")
        assert missing.answer.text.startswith("„Drucken“ ist nicht im gefundenen Bildschirmtext")
        assert session.ask_request("Welche Farbe hat der Knopf?") is not None  # not a where question: for the model
        assert session.text_only().text == "Text auf dem Bildschirm:\nOben rechts: Abbrechen; Speichern."
    finally:
        i18n.install("en")


def test_a_language_changed_in_settings_applies_from_the_next_question_with_the_same_translators(model, photo, tiny_mt):
    from types import SimpleNamespace

    from assistant.core.model.backend import run_request

    now = SimpleNamespace(language=LanguageSettings(answers="en", mt_models=str(tiny_mt)))
    translating = TranslatingModel(model, find=lambda: al.set_up(now.language).translation)
    session = Session(None, auto_speak=False)
    session.begin(photo, "photo.png")
    request = session.ask_request("what is it?")
    assert not session.record(request.id, run_request(translating, request), model.info).answer.language
    now.language = LanguageSettings(answers="de", mt_models=str(tiny_mt))  # Settings, Language: Deutsch
    request = session.ask_request("Was ist das?")
    assert session.record(request.id, run_request(translating, request), model.info).answer.language == "de"
    first = translating.translation
    request = session.ask_request("Und das?")
    session.record(request.id, run_request(translating, request), model.info)
    assert translating.translation is first  # not loaded again


def test_the_text_found_is_translated_line_by_line_keeping_where_each_line_is(tiny_mt, tmp_path):
    """Settings' "also translate the text found" (a reader wrapper) and the action "Translate the text found"."""
    from PIL import Image

    from assistant.core.geometry import Rect
    from assistant.core.text.reader import FakeTextReader, TextLine
    from assistant.core.text.runner import ThreadTextRunner
    from assistant.core.translated import TranslatingReader

    lines = [TextLine("Save changes", Rect(1700, 20, 150, 30), 0.99), TextLine("Open the settings", Rect(40, 500, 200, 30), 0.9)]
    setup = al.set_up(LanguageSettings(answers="de", mt_models=str(tiny_mt)))
    to_german = mt(tiny_mt, "en-de")
    expected = to_german.translate([line.text for line in lines])
    reader = TranslatingReader(ThreadTextRunner(FakeTextReader(lines)), lambda: setup.translation)
    got = reader.submit(Image.new("RGB", (1920, 1080), "white")).result(60)
    assert [line.text for line in got] == expected and [line.box for line in got] == [line.box for line in lines]
    reader.close()

    store = HistoryStore(tmp_path / "history")
    session = Session(store, auto_speak=False, reader=ThreadTextRunner(FakeTextReader(lines)))
    session.begin(Image.new("RGB", (1920, 1080), "white"), "screen")
    turn = session.translated_text(setup.translation)
    in_order = ["Open the settings", "Save changes"]  # reading order: the left column first
    assert turn.answer.english.split("\n") == in_order and turn.answer.language == "de"
    assert turn.answer.text.split("\n") == to_german.translate(in_order)
    kept = store.get(session.conversation.history_id).turns[0]
    assert (kept.answer, kept.answer_english, kept.language) == (turn.answer.text, turn.answer.english, "de")
    store.close()


def test_a_preset_question_is_asked_as_it_is_and_only_its_answer_is_translated(model, photo, tiny_mt):
    setup = al.set_up(LanguageSettings(answers="de", mt_models=str(tiny_mt)))
    recording = Recording(model)
    answer = TranslatingModel(recording, setup.translation).ask(photo, "What text is visible?")
    assert recording.asked[0][0] == "What text is visible?" == answer.question_english and answer.language == "de"
