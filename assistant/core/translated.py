"""The vision model asked and answering in the user's language: a wrapper that translates both ways.

BLIP-2 reads and writes English only. :class:`TranslatingModel` is a ``VisionModel`` around the
real one: the question goes to English (``Answer.question_english``), the caption or answer comes
back in the user's language (``Answer.text``), with the model's English kept (``Answer.english``).
A streamed answer is translated sentence by sentence as each completes, so it can be said as it
comes, and the final text is made of the same sentences. It runs on the model's worker thread
(translation takes a few hundred milliseconds per sentence on a CPU), never the GUI's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import replace

from PIL import Image

from assistant.core.model.backend import Answer, PartialCallback, VisionModel
from assistant.core.model.prompts import Turn
from assistant.core.text.reader import TextLine
from assistant.core.translate.pipeline import AnswerTranslation, sentences
from assistant.core.turns import complete_sentences


class TranslatingModel:
    """``model``, asked and answering in ``translation.language``; everything else passes through.

    Given ``find`` instead (the window), the translation is looked for at each request: its models may be
    downloaded while the model already answers in English, and the language may change in Settings.
    """

    def __init__(self, model: VisionModel, translation: AnswerTranslation | None = None,
                 find: Callable[[], AnswerTranslation | None] | None = None):
        self.model, self.translation, self._find = model, translation, find

    def __getattr__(self, name):  # info, load, cancel, set_generation, loaded, unload, close, pid, ...
        return getattr(self.model, name)

    def _ready(self) -> bool:
        if self._find is not None:  # asked at each request: the language may have changed in Settings
            self.translation = self._find()
        return self.translation is not None

    def caption(self, image: Image.Image, prefix: str | None = None, on_partial: PartialCallback | None = None) -> Answer:
        if not self._ready():
            return self.model.caption(image, prefix, on_partial=on_partial)
        memo: dict[str, str] = {}
        answer = self.model.caption(image, prefix, on_partial=self._streamed(on_partial, memo))
        return self._translated(answer, "", memo)

    def ask(self, image: Image.Image, question: str, history: Sequence[Turn] = (), context: str = "",
            on_partial: PartialCallback | None = None) -> Answer:
        if not self._ready():
            return self.model.ask(image, question, history, context, on_partial=on_partial)
        # A preset's question ("What text is visible?") is ours, already English: only the answer is translated.
        english = question if question in _preset_questions() else self.translation.question(question)
        memo: dict[str, str] = {}
        answer = self.model.ask(image, english, history, context, on_partial=self._streamed(on_partial, memo))
        return self._translated(answer, english, memo)

    def _streamed(self, on_partial: PartialCallback | None, memo: dict[str, str]) -> PartialCallback | None:
        """Hears the English so far; passes on the translation of its complete sentences."""
        if on_partial is None:
            return None

        last = [""]

        def partial(text: str) -> None:
            done = complete_sentences(text)
            if len(done) > len(last[0]):  # a sentence more is complete
                last[0] = done
                on_partial(self._sentences(done, memo))

        return partial

    def _sentences(self, text: str, memo: dict[str, str]) -> str:
        """``text`` translated sentence by sentence; those translated before are not translated again."""
        parts = sentences(text)
        todo = [s for s in dict.fromkeys(parts) if s not in memo]
        if todo:
            memo.update(zip(todo, self.translation.from_english.translate(todo)))
        return " ".join(memo[s] for s in parts)

    def _translated(self, answer: Answer, question_english: str, memo: dict[str, str]) -> Answer:
        if answer.empty:  # our own sentence ("No description: ..."), not the model's
            return replace(answer, language=self.translation.language, question_english=question_english)
        return replace(answer, text=self._sentences(answer.text, memo), language=self.translation.language,
                       english=answer.text, question_english=question_english)


def _preset_questions() -> set[str]:
    from assistant.core.session import PRESETS

    return {preset.question for preset in PRESETS if preset.question}


class TranslatingReader:
    """A text runner whose lines come translated into the user's language (Settings: translate the text found).

    Line by line, on the reader's own thread; each line keeps its box, so "where is" still answers.
    ``find`` gives the translation, or None while its models are missing (the lines then stay as read).
    """

    def __init__(self, runner, find: Callable[[], AnswerTranslation | None]):
        self.runner, self._find = runner, find

    def __getattr__(self, name):  # warm_up, ...
        return getattr(self.runner, name)

    def submit(self, image: Image.Image) -> Future:
        read = self.runner.submit(image)
        out: Future = Future()

        def done(f: Future) -> None:
            try:
                out.set_result(self.translate(f.result()))
            except BaseException as err:  # noqa: BLE001 - handed on to whoever waits, as the reader's own error
                out.set_exception(err)

        read.add_done_callback(lambda f: threading.Thread(target=done, args=(f,), daemon=True).start())
        return out

    def translate(self, lines: list[TextLine]) -> list[TextLine]:
        translation = self._find()  # the same translators while the language stays (answer_language keeps them)
        if translation is None or not lines:
            return list(lines)
        texts = translation.lines([line.text for line in lines])
        return [replace(line, text=text) for line, text in zip(lines, texts)]

    def close(self) -> None:
        self.runner.close()
