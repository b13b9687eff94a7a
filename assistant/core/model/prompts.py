"""Prompt formats from the BLIP-2 paper and model card, fitted to the model's context.

- caption: no text at all;
- prompted caption: a prefix the model continues ("this is a cartoon of");
- question: ``Question: {q} Answer:``;
- chat: earlier turns as ``Question: {q} Answer: {a}.`` joined by spaces, then the new question.

Pure functions: token counting is passed in, so this module needs no model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# OPT and Flan-T5 in BLIP-2 were trained with a 512-token context.
CONTEXT_TOKENS = 512
MAX_QUESTION_CHARS = 2000  # longer text is cut before tokenising: it could never fit anyway
MAX_CONTEXT_CHARS = 4000


@dataclass(frozen=True)
class Turn:
    """An earlier question and its answer."""

    question: str
    answer: str


@dataclass(frozen=True)
class FittedPrompt:
    """The prompt as text, and the parts it was made of (a server's chat template rebuilds it from them)."""

    text: str
    dropped_turns: int = 0
    question_shortened: bool = False
    history: tuple[Turn, ...] = ()
    question: str = ""
    context: str = ""


def clean_text(text: str) -> str:
    """Collapse runs of whitespace (newlines included) to single spaces."""
    return re.sub(r"\s+", " ", text or "").strip()


def question_prompt(question: str) -> str:
    """The prompt for one question, as BLIP-2 was trained on it."""
    return f"Question: {clean_text(question)} Answer:"


def chat_prompt(history: Sequence[Turn], question: str, context: str = "") -> str:
    """The seed post's chat format; with no history it is the plain question format.

    ``context`` (the text found in the image) comes first, as InstructBLIP puts OCR tokens
    before the question: "Text in the image: … Question: … Answer:".
    """
    template = "Question: {} Answer: {}."
    earlier = " ".join(template.format(clean_text(t.question), clean_text(t.answer)) for t in history)
    current = question_prompt(question)
    chat = f"{earlier} {current}" if earlier else current
    return f"Text in the image: {clean_text(context)}. {chat}" if clean_text(context) else chat


CONTEXT_SHARE = 3  # the text found takes at most a third of the prompt's tokens


def fit_chat(
    history: Sequence[Turn],
    question: str,
    count_tokens: Callable[[str], int],
    budget: int,
    context: str = "",
) -> FittedPrompt:
    """The longest chat prompt within ``budget`` tokens. Never raises for length.

    ``context`` is cut to a third of the budget first. Then the oldest turns are dropped;
    if the question alone is still too long, its beginning is kept (the part people
    usually put the actual question in), without the context.
    """
    context = clean_text(context)[:MAX_CONTEXT_CHARS]
    if context and count_tokens(context) > budget // CONTEXT_SHARE:
        context = _longest_fitting(context, lambda c: count_tokens(c) <= budget // CONTEXT_SHARE)
    full = clean_text(question)
    question = full[:MAX_QUESTION_CHARS]
    history = list(history)
    dropped = 0
    while history and count_tokens(chat_prompt(history, question, context)) > budget:
        history.pop(0)
        dropped += 1
    text = chat_prompt(history, question, context)
    if count_tokens(text) <= budget:
        return FittedPrompt(text, dropped, len(question) < len(full), tuple(history), question, context)
    cut = _longest_fitting(question, lambda q: count_tokens(question_prompt(q)) <= budget)
    return FittedPrompt(question_prompt(cut), dropped, True, (), cut, "")


def fit_prefix(prefix: str, count_tokens: Callable[[str], int], budget: int) -> FittedPrompt:
    """A prompted-caption prefix, shortened from the end if it does not fit."""
    full = clean_text(prefix)
    prefix = full[:MAX_QUESTION_CHARS]
    if count_tokens(prefix) <= budget:
        return FittedPrompt(prefix, 0, len(prefix) < len(full))
    return FittedPrompt(_longest_fitting(prefix, lambda p: count_tokens(p) <= budget), 0, True)


def _longest_fitting(text: str, fits: Callable[[str], bool]) -> str:
    """Binary search over word boundaries for the longest prefix of ``text`` that fits."""
    words = text.split(" ")
    low, high = 0, len(words)
    while low < high:
        mid = (low + high + 1) // 2
        if fits(" ".join(words[:mid])):
            low = mid
        else:
            high = mid - 1
    if low == 0:
        # A single enormous "word": fall back to characters.
        chars_low, chars_high = 0, len(words[0])
        while chars_low < chars_high:
            mid = (chars_low + chars_high + 1) // 2
            if fits(words[0][:mid]):
                chars_low = mid
            else:
                chars_high = mid - 1
        return words[0][:chars_low]
    return " ".join(words[:low])


def clean_answer(text: str, prompt: str = "") -> str:
    """Strip a prompt echo, a stray "Answer:" and any next turn the model invented."""
    text = clean_text(text)
    if prompt and text.startswith(clean_text(prompt)):
        text = text[len(clean_text(prompt)):].strip()
    text = re.sub(r"^(Answer:\s*)+", "", text).strip()
    text = re.split(r"\s*\bQuestion:", text, maxsplit=1)[0].strip()
    # An answer cut at the token limit can end inside a character: its half decodes as U+FFFD locally,
    # while a server's streaming detokenizer holds it back. Neither is anything to read aloud.
    return text.rstrip("\ufffd").strip()
