"""The window in another language: answers translated on the model's thread; the models asked for, fetched, said once."""

from __future__ import annotations

import pytest
from conftest import answer_shown, tiny_factory  # tests/qt/conftest.py
from PySide6.QtCore import Qt
from test_first_run import answer_the_question

from assistant.config import LanguageSettings
from assistant.core import answer_language as al
from assistant.core.translate.engine import CTranslate2Translator
from assistant.core.translate.pipeline import sentences
from assistant.core.translated import TranslatingModel
from assistant.qt.translation_flow import TranslationFlow


def german(tiny_model_dirs, language: LanguageSettings):
    inner = tiny_factory(tiny_model_dirs["opt"])
    return lambda: TranslatingModel(inner(), find=lambda: al.set_up(language).translation)


def test_the_window_shows_and_says_the_answer_in_german(make_window, tiny_model_dirs, tiny_mt, picture_file, qtbot):
    window = make_window(build=german(tiny_model_dirs, LanguageSettings(answers="de", mt_models=str(tiny_mt))))
    with answer_shown(window, qtbot, timeout=120_000) as shown:
        window.open_path(str(picture_file))
    caption = window.conversation.caption
    to_german = CTranslate2Translator(tiny_mt / "en-de", "en-de")
    assert caption and shown.args[0] == caption
    said = " ".join(window.messages)
    assert caption in said  # spoken in German: the translation, not the model's English
    window.question.setText("Welche Farbe hat der Knopf?")
    with answer_shown(window, qtbot, timeout=120_000) as shown:
        window.ask()
    turn = window.conversation.turns[-1]  # what the model saw: its own English
    assert turn.question == CTranslate2Translator(tiny_mt / "de-en", "de-en").translate(["Welche Farbe hat der Knopf?"])[0]
    assert shown.args[0] == " ".join(to_german.translate(sentences(turn.answer)))


def flow(window, language: LanguageSettings, remembered: list):
    made = TranslationFlow(window.window, window.parts.announcer, language, remembered.append)
    return made


@pytest.fixture
def models_on_the_hub(tmp_path, monkeypatch):
    import huggingface_hub.constants as constants
    from fake_hub import FakeHub

    from assistant.core.translate.languages import hub_repo
    from assistant.devtools.tiny_marian import save_tiny_marian

    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("BLIP_ASSISTANT_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    folders = {hub_repo(pair): save_tiny_marian(tmp_path / "hf" / pair, seed=n + 1)
               for n, pair in enumerate(("de-en", "en-de"))}
    with FakeHub("someone/else", folders["Helsinki-NLP/opus-mt-de-en"], more=folders) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        yield hub


def test_the_user_agrees_the_models_download_and_answers_turn_german(make_window, tiny_model_dirs, models_on_the_hub,
                                                                     picture_file, qtbot):
    language = LanguageSettings(answers="de")
    window = make_window(build=german(tiny_model_dirs, language))
    remembered: list[str] = []
    made = flow(window, language, remembered)
    asked: list[str] = []
    answer_the_question(Qt.Key.Key_Return, asked)
    made.start()
    qtbot.waitUntil(lambda: any("translation models are ready" in m or "English for now" in m
                                for m in window.messages), timeout=120_000)
    assert any("translation models are ready" in m for m in window.messages), window.messages
    assert "two translation models" in asked[0] and "Download them now?" in asked[0]
    assert any(m.startswith("Downloading the translation models") for m in window.messages)
    assert not made.bar.isVisible() and not remembered
    with answer_shown(window, qtbot, timeout=120_000):
        window.open_path(str(picture_file))
    assert window.parts.session.conversation.caption != ""
    assert any(m.startswith("The translation models are ready: questions and answers are now in Deutsch")
               for m in window.messages)


def test_refused_or_offline_answers_stay_english_and_it_is_said_once(make_window, tiny_model_dirs, tmp_path,
                                                                     monkeypatch, qtbot):
    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    window = make_window()
    remembered: list[str] = []
    flow(window, LanguageSettings(answers="de"), remembered).start()
    qtbot.waitUntil(lambda: bool(remembered), timeout=30_000)
    stays = [m for m in window.messages if m.startswith("Answers stay in English")]
    assert len(stays) == 1 and "cannot be downloaded now" in stays[0] and remembered == ["de"]
    flow(window, LanguageSettings(answers="de", missing_said="de"), remembered).start()  # the next start
    qtbot.wait(200)  # the planning thread answers at once offline; nothing more is said
    assert len([m for m in window.messages if m.startswith("Answers stay in English")]) == 1


def test_the_window_action_translates_the_text_found_and_says_it(make_window, tiny_mt, picture_file, qtbot):
    from assistant.config import Settings
    from assistant.core.geometry import Rect
    from assistant.core.text.reader import FakeTextReader, TextLine
    from assistant.core.text.runner import ThreadTextRunner

    lines = [TextLine("Save changes", Rect(10, 10, 40, 10), 0.99)]
    settings = Settings(language=LanguageSettings(answers="de", mt_models=str(tiny_mt)))
    window = make_window(settings=settings, reader=ThreadTextRunner(FakeTextReader(lines)))
    with answer_shown(window, qtbot, timeout=120_000):
        window.open_path(str(picture_file))
    window.actions_by_name["translate_text"].trigger()
    german = CTranslate2Translator(tiny_mt / "en-de", "en-de").translate(["Save changes"])[0]
    def last_row() -> str:
        return window.history_view.item(window.history_view.count() - 1).text()

    qtbot.waitUntil(lambda: last_row().startswith("Question: Translate the text found"), timeout=60_000)  # shown
    assert last_row() == f"Question: Translate the text found\nAnswer: {german}"
    assert german in window.messages[-1] or any(german in m for m in window.messages)
