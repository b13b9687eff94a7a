"""Benchmark: a German question to a German answer on the full-size BLIP-2 int8, and the time translation adds.

The full-size blip2-opt-2.7b architecture (random weights, built by bench/core_vs_seed.py) runs int8 on the
CPU as users run it; around it, ``TranslatingModel`` with two full-size random OPUS-MT models (opus-mt-en-de's
shape, built by bench/mt.py, converted to CTranslate2 int8), 2 threads each. A random Marian never stops by
itself, so each translation decodes up to 40 tokens (a real one stops at its sentence's end). Prints, median
of the runs: the English turn, the same turn asked in German through the wrapper, and the time spent in each
translation direction (measured around the translators' calls). Target (issue 26): <= 0.6 s for both.
Not a test. Usage: python bench/mt_end_to_end.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core_vs_seed import DEFAULT_CACHE, _image, build  # noqa: E402
from mt import build as build_marian  # noqa: E402

QUESTION = "Welche Farbe hat der Knopf oben rechts im Fenster?"
ENGLISH = "What colour is the button at the top right of the window?"


ANSWER = "The button at the top right of the window is blue, and it says Save changes in white letters."


class Timed:
    """A translator whose calls are timed; ``gives`` replaces its gibberish with what a real model would give."""

    def __init__(self, inner, gives: str | None = None):
        self.inner, self.pair, self.seconds, self.gives = inner, inner.pair, 0.0, gives

    def translate(self, texts):
        t = time.perf_counter()
        try:
            out = self.inner.translate(texts)
        finally:
            self.seconds += time.perf_counter() - t
        return [self.gives] * len(texts) if self.gives is not None else out


class TypicalAnswer:
    """The random BLIP-2, its (empty or gibberish) answer replaced by a typical one of the same cost to translate."""

    def __init__(self, model):
        self.model = model

    def __getattr__(self, name):
        return getattr(self.model, name)

    def ask(self, *args, **kwargs):
        from dataclasses import replace

        return replace(self.model.ask(*args, **kwargs), text=ANSWER, empty=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--new-tokens", type=int, default=12)
    args = parser.parse_args()
    from assistant.config import GenerationSettings, ModelSettings
    from assistant.core.model.local.blip2 import Blip2Model
    from assistant.core.translate.engine import CTranslate2Translator, convert
    from assistant.core.translate.pipeline import AnswerTranslation
    from assistant.core.translated import TranslatingModel

    build(DEFAULT_CACHE)
    with tempfile.TemporaryDirectory() as tmp:
        marian = build_marian(Path(tmp) / "marian")
        converted = convert(marian, Path(tmp) / "ct2")
        to_english = Timed(CTranslate2Translator(converted, "de-en", threads=2, max_length=40), gives=ENGLISH)
        from_english = Timed(CTranslate2Translator(converted, "en-de", threads=2, max_length=40))
        model = Blip2Model(ModelSettings(model=str(DEFAULT_CACHE), cpu_precision="int8"),
                           GenerationSettings(max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens))
        t = time.perf_counter()
        info = model.load()
        print(f"BLIP-2 {info.precision} ready in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        german = TranslatingModel(TypicalAnswer(model), AnswerTranslation("de", to_english, from_english))
        image = _image()
        model.ask(image, ENGLISH)  # warm-up: the image's features are cached for the turns below, as in use
        german.ask(image, QUESTION)
        english_s, german_s, question_s, answer_s = [], [], [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            model.ask(image, ENGLISH)
            english_s.append(time.perf_counter() - t)
            to_english.seconds = from_english.seconds = 0.0
            t = time.perf_counter()
            answer = german.ask(image, QUESTION)
            german_s.append(time.perf_counter() - t)
            question_s.append(to_english.seconds)
            answer_s.append(from_english.seconds)
    med = statistics.median
    added = med(question_s) + med(answer_s)
    print(f"full-size blip2-opt-2.7b {info.precision}, {args.new_tokens} new tokens; OPUS-MT shape, CTranslate2 int8, "
          f"2 threads; median of {args.runs}")
    print("| | seconds |\n|---|---|")
    print(f"| English question, English answer | {med(english_s):.2f} |")
    print(f"| German question, German answer | {med(german_s):.2f} |")
    print(f"| question to English | {med(question_s):.3f} |")
    print(f"| answer to German ({len(answer.english.split())} words) | {med(answer_s):.3f} |")
    print(f"| added by translation (target <= 0.6) | {added:.3f} |")


if __name__ == "__main__":
    main()
