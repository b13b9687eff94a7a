"""The vision-model interface the app, the CLI and the tests program against.

The implementation is :class:`assistant.core.model.local.blip2.Blip2Model`; tests drive it with tiny
checkpoints rather than a fake, since the real model runs everywhere. This module
imports neither torch nor Qt, so anything may import it cheaply.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from PIL import Image

from assistant.core.model.prompts import Turn
from assistant.i18n import N_

NO_DESCRIPTION = N_("No description: the model produced no text for this image.")


@dataclass(frozen=True)
class Progress:
    """A loading step: ``stage`` in words, ``percent`` from 0 to 100."""

    stage: str
    percent: float
    detail: str = ""

    def __str__(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.stage}{extra}: {self.percent:.0f}%"


ProgressCallback = Callable[[Progress], None]
PartialCallback = Callable[[str], None]  # the answer so far, as a streaming backend receives it


@dataclass(frozen=True)
class ModelInfo:
    """What was loaded and how; shown in the status line and in ``--json``."""

    model: str
    family: str  # "opt" (decoder-only) or "t5" (encoder-decoder)
    device: str  # "cuda" or "cpu"
    quantization: str  # "4bit", "8bit" or "none"
    precision: str  # e.g. "cuda-4bit", "cpu-fp32", "cpu-bf16"
    reason: str = ""
    load_seconds: float = 0.0
    weights: str = ""  # where the weights came from: the checkpoint, or converted weights from the cache


@dataclass(frozen=True)
class Answer:
    """One model reply, cleaned for reading aloud."""

    text: str
    empty: bool = False  # the model produced nothing; ``text`` says so
    seconds: float = 0.0
    tokens: tuple[int, ...] = field(default=(), repr=False)  # generated ids, for tests and debugging
    features_reused: bool = False
    prompt_tokens_reused: int = 0  # prompt tokens whose keys and values were kept from the last answer
    dropped_turns: int = 0  # earlier turns left out to fit the context
    prompt_shortened: bool = False  # the question or prefix was cut to fit
    language: str = ""  # "" when the model's English is the answer; else ``text`` is translated into it, and
    english: str = ""  # the model's own English answer,
    question_english: str = ""  # and the question as the model saw it


class VisionModel(Protocol):
    """One image model. Called from one worker thread; ``cancel`` from any thread."""

    info: ModelInfo | None

    def load(self, progress: ProgressCallback | None = None) -> ModelInfo: ...

    def caption(self, image: Image.Image, prefix: str | None = None, on_partial: PartialCallback | None = None) -> Answer:
        """Describe ``image``; with ``prefix``, continue that text (prompted caption).

        ``on_partial`` hears the answer so far while a streaming backend receives it; others never call it.
        """

    def ask(self, image: Image.Image, question: str, history: Sequence[Turn] = (), context: str = "",
            on_partial: PartialCallback | None = None) -> Answer:
        """Answer ``question`` about ``image``, given the earlier turns and ``context`` (the text found in it)."""

    def cancel(self) -> None:
        """Stop the running request within one decoding step; it raises ``Cancelled``."""

    def set_generation(self, generation) -> None:
        """Answer length and sampling for the next requests (``GenerationSettings``)."""

    @property
    def loaded(self) -> bool:
        """False before ``load``, after ``unload``, and after the model's process ended: load again first."""

    def unload(self) -> None:
        """Free the model's memory; the next request needs ``load`` again."""

    def close(self) -> None:
        """Release everything for good: the model's process, the server connection, the weights."""


_ids = itertools.count(1)
MODEL_IMAGE_SIDE = 1024  # BLIP-2 sees 224 px; 1024 is also what the history keeps, so a reopened image asks alike


def model_image(image: Image.Image) -> Image.Image:
    """``image`` at most 1024 px on its longest side, as every backend gives it to the model.

    A 4K capture is 24 MB: shrunk first (on the model's thread, never the GUI's), it crosses to
    the model process, and is hashed for the feature cache, in a fraction of the time.
    """
    if max(image.size) <= MODEL_IMAGE_SIDE:
        return image
    small = image if image.mode in ("RGB", "L") else image.convert("RGB")
    scale = MODEL_IMAGE_SIDE / max(small.size)
    size = (max(1, round(small.width * scale)), max(1, round(small.height * scale)))
    return small.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)


@dataclass(frozen=True)
class CaptionRequest:
    """Describe ``image``; with ``prefix``, continue that text (a prompted caption)."""

    image: Image.Image = field(repr=False)
    prefix: str | None = None
    id: int = field(default_factory=lambda: next(_ids))
    kind: ClassVar[str] = "caption"


@dataclass(frozen=True)
class AskRequest:
    """Answer ``question`` about ``image``, given the conversation's earlier turns."""

    image: Image.Image = field(repr=False)
    question: str = ""
    history: tuple[Turn, ...] = ()
    context: str = ""  # the text found in the image, given to the model before the question
    id: int = field(default_factory=lambda: next(_ids))
    kind: ClassVar[str] = "ask"


ModelRequest = CaptionRequest | AskRequest


def run_request(model: VisionModel, request: ModelRequest, on_partial: PartialCallback | None = None) -> Answer:
    """The one place a request type turns into a model call."""
    if isinstance(request, CaptionRequest):
        return model.caption(request.image, request.prefix, on_partial=on_partial)
    return model.ask(request.image, request.question, request.history, request.context, on_partial=on_partial)
