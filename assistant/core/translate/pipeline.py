"""A question in the user's language to English for the model, and the model's English back, sentence by sentence.

Sentences are translated one by one (OPUS-MT is trained on sentences), so a streamed answer can be
said in the user's language as each sentence completes, and the whole answer is the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.translate.engine import Translator

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def sentences(text: str) -> list[str]:
    """``text`` cut after each full stop, question or exclamation mark that a space follows."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


@dataclass
class AnswerTranslation:
    """Translation between the user's ``language`` and the model's English, in both directions."""

    language: str
    to_english: Translator
    from_english: Translator

    def question(self, text: str) -> str:
        """The user's question, in English for the model."""
        return " ".join(self.to_english.translate(sentences(text))) if text.strip() else text

    def answer(self, text: str) -> str:
        """The model's English answer, in the user's language."""
        return " ".join(self.from_english.translate(sentences(text))) if text.strip() else text

    def lines(self, texts: list[str]) -> list[str]:
        """Lines of text found on screen (in any language the model of the pair reads), line by line."""
        return self.from_english.translate(list(texts))
