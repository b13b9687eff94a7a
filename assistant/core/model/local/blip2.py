"""BLIP-2 through transformers: caption, prompted caption, questions and chat.

The image's features (vision encoder + Q-Former + projection) are computed once and
reused for every later question on that image; greedy output is token-for-token what
``model.generate(pixel_values=..., input_ids=...)`` gives. Generation checks a cancel
flag after every decoding step.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import nullcontext

import torch
from PIL import Image
from transformers import StoppingCriteria, StoppingCriteriaList

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.errors import Cancelled, ModelLoadError
from assistant.core.model.backend import NO_DESCRIPTION, Answer, ModelInfo, PartialCallback, ProgressCallback, model_image
from assistant.core.model.local import int8, loading, mapped
from assistant.core.model.local.device import Hardware, LoadPlan, choose_plan, detect_hardware
from assistant.core.model.local.packing import BackgroundPacker
from assistant.core.model.local.prefix_cache import PrefixCache
from assistant.core.model.prompts import CONTEXT_TOKENS, FittedPrompt, Turn, clean_answer, fit_chat, fit_prefix
from assistant.i18n import _

log = logging.getLogger(__name__)
FEATURE_CACHE_SIZE = 4


class _CancelOnFlag(StoppingCriteria):
    """Stops generation at the first step after the flag is set."""

    def __init__(self, flag: threading.Event, on_step: Callable[[int], None] | None):
        self.flag, self.on_step, self.steps = flag, on_step, 0

    def __call__(self, input_ids, scores, **kwargs):
        self.steps += 1
        if self.on_step is not None:
            self.on_step(self.steps)
        return torch.full((input_ids.shape[0],), self.flag.is_set(), dtype=torch.bool, device=input_ids.device)


class Blip2Model:
    """The real vision model. Load once, then call from one thread; ``cancel`` from any."""

    def __init__(self, settings: ModelSettings, generation: GenerationSettings, hardware: Hardware | None = None):
        self.settings = settings
        self.generation = generation
        self.info: ModelInfo | None = None
        self.on_step: Callable[[int], None] | None = None  # called after each decoding step
        self._hardware = hardware
        self._cancel = threading.Event()
        self._features: OrderedDict[bytes, torch.Tensor] = OrderedDict()
        self._prefix = PrefixCache()
        self._model = self._processor = None
        self._plan: LoadPlan | None = None
        self._packer: BackgroundPacker | None = None

    # -- loading ---------------------------------------------------------------
    def load(self, progress: ProgressCallback | None = None) -> ModelInfo:
        start = time.perf_counter()
        path = loading.resolve_model(self.settings.model, progress)
        family = loading.read_family(path)
        hardware = self._hardware or detect_hardware()
        plan = choose_plan(self.settings, hardware, loading.read_model_size(path), int8.unavailable_reason(), family)
        log.info("loading %s on %s (%s)", self.settings.model, plan.label, plan.reason)
        self._model, self._processor, source = loading.load_blip2(path, plan, progress)
        self._plan = plan
        self._packer = BackgroundPacker(self._model).start()  # int8 layers: packed while the model already answers
        self._features.clear()
        self._prefix.clear()
        self.info = ModelInfo(
            model=self.settings.model, family=family, device=plan.device, quantization=plan.quantization,
            precision=plan.label, reason=plan.reason, load_seconds=time.perf_counter() - start, weights=source,
        )
        log.info("model ready on %s in %.1f s (weights %s)", plan.label, self.info.load_seconds, source)
        return self.info

    # -- requests ----------------------------------------------------------------
    def caption(self, image: Image.Image, prefix: str | None = None, on_partial: PartialCallback | None = None) -> Answer:
        with self._packing_paused():
            return self._caption(image, prefix)

    def ask(self, image: Image.Image, question: str, history: Sequence[Turn] = (), context: str = "",
            on_partial: PartialCallback | None = None) -> Answer:
        with self._packing_paused():
            return self._ask(image, question, history, context)

    def _packing_paused(self):
        """A request has every core: the int8 layers' packing waits for its end (``packing.py``)."""
        return self._packer.hold() if self._packer is not None else nullcontext()

    def _caption(self, image: Image.Image, prefix: str | None) -> Answer:
        self._cancel.clear()
        start = time.perf_counter()
        key, feats, reused = self._image_features(image)
        if prefix and prefix.strip():
            fitted = fit_prefix(prefix, self._count_tokens, self._prompt_budget())
            ids = self._prompt_ids(fitted.text)
        else:
            fitted = FittedPrompt("")
            ids = self._caption_ids()
        tokens, cached = self._generate(key, feats, ids)
        text = clean_answer(self._decode(tokens))
        if text and fitted.text:
            text = f"{fitted.text} {text}"
        return self._answer(text, tokens, start, reused, fitted, cached)

    def _ask(self, image: Image.Image, question: str, history: Sequence[Turn], context: str) -> Answer:
        self._cancel.clear()
        start = time.perf_counter()
        key, feats, reused = self._image_features(image)
        fitted = fit_chat(history, question, self._count_tokens, self._prompt_budget(), context)
        tokens, cached = self._generate(key, feats, self._prompt_ids(fitted.text))
        return self._answer(clean_answer(self._decode(tokens), fitted.text), tokens, start, reused, fitted, cached)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def close(self) -> None:
        """Nothing runs outside this process: dropping the weights is all there is to close."""
        self.unload()

    def unload(self) -> None:
        """Drop the weights and cached features (the model process frees all of its memory by exiting instead)."""
        if self._packer is not None:
            self._packer.stop()
            self._packer = None
        self._model = self._processor = None
        mapped.forget_maps()
        self._features.clear()
        self._prefix.clear()
        self.info = None

    def set_generation(self, generation: GenerationSettings) -> None:
        self.generation = generation

    # -- internals ---------------------------------------------------------------
    @property
    def _ready(self):
        if self._model is None:
            raise ModelLoadError(_("The model is not loaded yet."))
        return self._model

    @property
    def _decoder_only(self) -> bool:
        return not self._ready.config.text_config.is_encoder_decoder

    def _image_features(self, image: Image.Image) -> tuple[bytes, torch.Tensor, bool]:
        model = self._ready
        image = model_image(image)
        key = _image_key(image)
        if key in self._features:
            self._features.move_to_end(key)
            return key, self._features[key], True
        self._check_cancel(0)
        pixels = self._processor.image_processor(image, return_tensors="pt")["pixel_values"]
        # The patch embedding is a convolution, never quantized: its dtype is the vision dtype.
        pixels = pixels.to(model.device, model.vision_model.embeddings.patch_embedding.weight.dtype)
        with torch.inference_mode():
            feats = model.get_image_features(pixel_values=pixels).pooler_output
        self._features[key] = feats
        while len(self._features) > FEATURE_CACHE_SIZE:
            self._features.popitem(last=False)
        self._check_cancel(0)
        return key, feats, False

    def _caption_ids(self) -> torch.Tensor:
        """Image tokens + BOS: exactly what ``model.generate`` builds when given no text."""
        config = self._ready.config
        ids = [config.image_token_index] * config.num_query_tokens + [config.text_config.bos_token_id]
        return torch.tensor([ids], dtype=torch.long)

    def _prompt_ids(self, text: str) -> torch.Tensor:
        """Image tokens + the tokenised prompt: what ``Blip2Processor(images, text)`` builds."""
        config = self._ready.config
        ids = self._processor.tokenizer(text)["input_ids"]
        return torch.tensor([[config.image_token_index] * config.num_query_tokens + ids], dtype=torch.long)

    def _count_tokens(self, text: str) -> int:
        return len(self._processor.tokenizer(text)["input_ids"])

    def _prompt_budget(self) -> int:
        """Text tokens that fit beside the query tokens (and, for OPT, the answer) in 512."""
        config = self._ready.config
        context = min(CONTEXT_TOKENS, getattr(config.text_config, "max_position_embeddings", None) or CONTEXT_TOKENS)
        budget = context - config.num_query_tokens
        if self._decoder_only:
            budget -= self.generation.max_new_tokens
        return max(budget, 8)

    def _generate(self, key: bytes, feats: torch.Tensor, ids: torch.Tensor) -> tuple[list[int], int]:
        """The new token ids, and how many prompt tokens came from the kept key/value cache."""
        model = self._ready
        ids = ids.to(model.device)
        stopper = _CancelOnFlag(self._cancel, self.on_step)
        reuse = self._decoder_only and self.generation.num_beams == 1
        cache, cached = self._prefix.take(key, ids[0].tolist()) if reuse else (None, 0)
        with torch.inference_mode():
            embeds = model.get_input_embeddings()(ids)
            mask = model.get_placeholder_mask(ids, embeds)
            embeds = embeds.masked_scatter(mask, feats.to(embeds.device, embeds.dtype))
            kwargs = {
                "inputs_embeds": embeds,
                "attention_mask": torch.ones_like(ids),
                "stopping_criteria": StoppingCriteriaList([stopper]),
                **self.generation.generate_kwargs(),
            }
            if self._decoder_only:
                kwargs["input_ids"] = ids
            if reuse:
                from transformers import DynamicCache

                cache = cache if cache is not None else DynamicCache(config=model.language_model.config)
                kwargs[_cache_argument(model.language_model)] = cache
            try:
                out = model.language_model.generate(**kwargs)
            except torch.cuda.OutOfMemoryError:
                torch.cuda.empty_cache()
                raise ModelLoadError(_("The GPU ran out of memory while answering: try a shorter answer length.")) from None
        if reuse:
            # It holds the keys and values of the prompt and of every new token but the last.
            self._prefix.keep(key, out[0].tolist(), cache)
        self._check_cancel(stopper.steps)
        # Decoder-only output echoes the prompt; encoder-decoder output starts with the decoder start token.
        new = out[0, ids.shape[1]:] if self._decoder_only else out[0, 1:]
        return new.tolist(), cached

    def _decode(self, tokens: list[int]) -> str:
        return self._processor.tokenizer.decode(tokens, skip_special_tokens=True)

    def _check_cancel(self, steps: int) -> None:
        if self._cancel.is_set():
            raise Cancelled(steps=steps)

    def _answer(
        self, text: str, tokens: list[int], start: float, reused: bool, fitted: FittedPrompt, cached: int = 0,
    ) -> Answer:
        empty = not text
        return Answer(
            text=_(NO_DESCRIPTION) if empty else text, empty=empty, seconds=time.perf_counter() - start,
            tokens=tuple(tokens), features_reused=reused, prompt_tokens_reused=cached,
            dropped_turns=fitted.dropped_turns, prompt_shortened=fitted.question_shortened,
        )


def _cache_argument(language_model) -> str:
    """The cache argument's name: transformers 5.x renamed ``past_key_values`` to ``cache``."""
    import inspect

    return "cache" if "cache" in inspect.signature(language_model.forward).parameters else "past_key_values"


def _image_key(image: Image.Image) -> bytes:
    """Content hash: the same screenshot captured twice reuses its features."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{image.mode}{image.size}".encode())
    digest.update(image.tobytes())
    return digest.digest()

