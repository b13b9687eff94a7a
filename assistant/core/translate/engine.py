"""Translation engines behind one small interface: CTranslate2 running an OPUS-MT (Marian) model, and a fake.

CTranslate2 (MIT) runs the Marian models of OPUS-MT (Helsinki-NLP, CC-BY 4.0) in int8 on the CPU:
about a sixth of the memory and a fifth of the time of transformers in fp32 (see bench/mt.py). A Hub
model is converted once into the cache (``convert``, which needs transformers and torch); at run time
only ctranslate2 and sentencepiece are loaded.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

from assistant.core.errors import AssistantError
from assistant.i18n import N_, _

log = logging.getLogger(__name__)
CONVERTED_MARK = "model.bin"  # what a CTranslate2 model folder holds
ATTRIBUTION = N_("Translation models: OPUS-MT by Helsinki-NLP (University of Helsinki), CC-BY 4.0.")


class TranslationError(AssistantError):
    """A translation model is missing, broken, or failed to run."""


class Translator(Protocol):
    """Translates text from one language to another: ``pair`` is "en-de", "de-en", ..."""

    pair: str

    def translate(self, texts: list[str]) -> list[str]:
        """Each text translated, in order (a blank text stays blank)."""


def convert(source: Path, target: Path, quantization: str = "int8") -> Path:
    """Convert a Marian model folder (as saved by transformers, or downloaded from the Hub) for CTranslate2.

    The sentencepiece files travel with it. Written to a temporary folder first, then renamed, so a
    crash never leaves a half-converted model behind.
    """
    from ctranslate2.converters import TransformersConverter

    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    if partial.exists():
        import shutil

        shutil.rmtree(partial)
    try:
        TransformersConverter(str(source), copy_files=["source.spm", "target.spm"]).convert(
            str(partial), quantization=quantization, force=True)
    except Exception as err:  # a broken or foreign checkpoint: one sentence
        raise TranslationError(_('The translation model in {source} could not be converted ({err}).').format(
            source=source, err=err)) from None
    partial.rename(target)
    return target


class CTranslate2Translator:
    """An OPUS-MT model converted for CTranslate2, in ``folder``; loaded on first use, on any thread."""

    def __init__(self, folder: Path, pair: str, threads: int = 2, beam_size: int = 1, max_length: int = 256):
        self.folder, self.pair = Path(folder), pair
        self.threads, self.beam_size, self.max_length = threads, beam_size, max_length
        self._lock = threading.Lock()
        self._model = self._source = self._target = None

    def _load(self) -> None:
        if self._model is not None:
            return
        if not (self.folder / CONVERTED_MARK).is_file():
            raise TranslationError(_('There is no translation model for {pair} in {folder}.').format(
                pair=self.pair, folder=self.folder))
        import ctranslate2
        import sentencepiece as spm

        try:
            self._model = ctranslate2.Translator(str(self.folder), device="cpu", compute_type="default",
                                                 intra_threads=self.threads)  # as converted: int8 for users
            self._source = spm.SentencePieceProcessor(model_file=str(self.folder / "source.spm"))
            self._target = spm.SentencePieceProcessor(model_file=str(self.folder / "target.spm"))
        except Exception as err:  # a damaged folder
            self._model = None
            raise TranslationError(_('The translation model for {pair} could not be loaded ({err}).').format(
                pair=self.pair, err=err)) from None

    def translate(self, texts: list[str]) -> list[str]:
        with self._lock:
            self._load()
            todo = [i for i, text in enumerate(texts) if text.strip()]
            if not todo:
                return list(texts)
            # A sentence longer than the model reads (a runaway answer, a 5,000-character line) is cut, never an error.
            batch = [self._source.encode(texts[i], out_type=str)[: self.max_length - 1] + ["</s>"] for i in todo]
            results = self._model.translate_batch(batch, beam_size=self.beam_size, max_decoding_length=self.max_length)
            out = list(texts)
            for i, result in zip(todo, results):
                out[i] = self._target.decode(result.hypotheses[0])
            return out

    def close(self) -> None:
        with self._lock:
            self._model = self._source = self._target = None


class FakeTranslator:
    """A test double: "[de] text"; the real engine is tested with tiny random Marian models."""

    def __init__(self, pair: str = "en-de"):
        self.pair = pair
        self.calls: list[list[str]] = []

    def translate(self, texts: list[str]) -> list[str]:
        self.calls.append(list(texts))
        target = self.pair.split("-")[1]
        return [f"[{target}] {t}" if t.strip() else t for t in texts]
