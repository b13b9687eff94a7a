"""Find a BLIP-2 checkpoint (local folder or Hugging Face Hub id) and load it per a LoadPlan.

Safety: safetensors only, never remote code. A Hub model already in the cache loads
with no network access; we download only what is missing, and only safetensors.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

from assistant.core.errors import ModelLoadError, ModelUnavailableError, one_line
from assistant.core.model.backend import Progress, ProgressCallback
from assistant.core.model.local import hub
from assistant.core.model.local.device import LoadPlan, ModelSize
from assistant.i18n import _


def _report(progress: ProgressCallback | None, stage: str, percent: float, detail: str = "") -> None:
    if progress is not None:
        progress(Progress(stage, max(0.0, min(100.0, percent)), detail))


def resolve_model(model: str, progress: ProgressCallback | None = None) -> Path:
    """Return a local folder holding ``model``: the folder itself, or the Hub cache snapshot.

    A Hub model not yet cached is downloaded here (after a disk-space check): the command
    line asked for it by name. The app asks the user first (``hub.Downloader``).
    """
    _report(progress, "finding model", 0, model)
    path = Path(model).expanduser()
    if hub.is_local(model):
        if not (path / "config.json").is_file():
            raise ModelUnavailableError(
                _('No BLIP-2 model folder at {path}: it needs config.json, the processor files and *.safetensors.').format(
                    path=path)
            )
        _check_safetensors(path, model)
        return path
    cached = hub.find_downloaded(model)
    if cached is not None:
        _report(progress, "found in cache", 5, str(cached))
        return cached
    plan = hub.plan_download(model)
    _report(progress, "downloading", 5, f"{model}, {hub.human_bytes(plan.bytes_needed)} to fetch")

    def on_bytes(done: int, total: int) -> None:
        _report(progress, "downloading", 5 + 45 * done / max(total, 1), f"{hub.human_bytes(done)} of {hub.human_bytes(total)}")

    return hub.fetch(plan, on_bytes)


def _check_safetensors(path: Path, model: str) -> None:
    if not any(path.glob("*.safetensors")):
        raise ModelUnavailableError(
            _('{model} has no .safetensors weights. For safety BLIP Assistant loads only safetensors, never pickled .bin '
              'files.').format(
                model=model)
        )


def read_model_size(path: Path) -> ModelSize:
    """Parameter counts per part from the safetensors headers, without loading any weights."""
    from safetensors import safe_open

    from assistant.core.model.local.streaming import INT8_PARTS

    vision = language = linear = 0
    for file in sorted(path.glob("*.safetensors")):
        with safe_open(str(file), framework="pt") as f:
            for name in f.keys():
                shape = f.get_slice(name).get_shape()
                count = 1
                for dim in shape:
                    count *= dim
                if name.startswith("language_model."):
                    language += count
                else:
                    vision += count
                if len(shape) == 2 and name.endswith(".weight") and name.startswith(INT8_PARTS) and not _embedding(name):
                    linear += count
    return ModelSize(vision=vision, language=language, linear=linear)


def _embedding(name: str) -> bool:
    return any(part in name for part in ("embed", "shared", "position"))


def read_family(path: Path) -> str:
    """"opt" for decoder-only language models, "t5" for encoder-decoder ones."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelLoadError(_("The model's config.json cannot be read ({n0}).").format(n0=one_line(err))) from None
    if config.get("model_type") != "blip-2":
        raise ModelLoadError(_('{path} holds a {n0!r} model, not a BLIP-2 model.').format(
            path=path, n0=config.get('model_type', 'unknown')))
    text = config.get("text_config") or {}
    return "t5" if text.get("is_encoder_decoder") or text.get("model_type") == "t5" else "opt"


def load_blip2(path: Path, plan: LoadPlan, progress: ProgressCallback | None = None):
    """Load processor and model from a local folder as ``plan`` says.

    Returns (model, processor, where the weights came from). CPU plans without
    bitsandbytes stream the checkpoint tensor by tensor (``streaming.py``); CUDA and the
    bitsandbytes plans go through ``from_pretrained``.
    """
    from transformers import Blip2Processor

    _report(progress, "loading processor", 50)
    try:
        processor = Blip2Processor.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModelLoadError(_("The model's processor files cannot be loaded ({n0}).").format(n0=one_line(err))) from None
    if plan.device == "cpu" and plan.quantization in ("none", "int8"):
        from assistant.core.model.local import streaming

        _report(progress, "converting weights to int8" if plan.quantization == "int8" else "loading weights", 55)
        model, source = streaming.load_or_explain(path, plan, lambda f: _report(progress, "loading weights", 55 + 40 * f))
        _report(progress, "ready", 100, f"{plan.label}, {source}")
        return model, processor, source
    return _from_pretrained(path, plan, progress), processor, "read from the checkpoint"


def _from_pretrained(path: Path, plan: LoadPlan, progress: ProgressCallback | None):
    import torch
    from transformers import Blip2ForConditionalGeneration

    dtype = getattr(torch, plan.language_dtype)
    kwargs = {"dtype": dtype, "use_safetensors": True, "local_files_only": True, "trust_remote_code": False}
    if plan.quantization != "none":
        kwargs["quantization_config"] = _bnb_config(plan, dtype)
    if plan.device == "cuda":
        kwargs["device_map"] = {"": 0}
    elif plan.quantization != "none":
        kwargs["device_map"] = {"": "cpu"}
    _report(progress, "loading weights", 55)
    try:
        with _weights_progress(progress, 55, 95):
            model = Blip2ForConditionalGeneration.from_pretrained(str(path), **kwargs)
    except torch.cuda.OutOfMemoryError:
        raise ModelLoadError(
            _("Not enough GPU memory to load the model: close other programs that use the GPU, "
            "or choose a smaller model or --device cpu.")
        ) from None
    except MemoryError:
        raise ModelLoadError(_("Not enough memory to load the model: close other programs or choose a smaller model.")) from None
    except ImportError as err:
        raise ModelLoadError(_('A library needed for {label} is missing ({n1}).').format(
            label=plan.label, n1=one_line(err))) from None
    except (OSError, ValueError, RuntimeError, KeyError) as err:
        raise ModelLoadError(_('The model at {path} cannot be loaded ({n0}).').format(path=path, n0=one_line(err))) from None
    if plan.quantization == "none":
        # transformers keeps the Q-Former in fp32 only for fp16 loads; we keep it fp32 always
        # (about 100M parameters, and its outputs feed every answer).
        model.qformer.float()
        model.query_tokens.data = model.query_tokens.data.float()
        vision_dtype = getattr(torch, plan.vision_dtype)
        model.vision_model.to(vision_dtype)
        model.language_projection.to(vision_dtype)
    model.eval()
    _report(progress, "ready", 100, plan.label)
    return model


def _bnb_config(plan: LoadPlan, compute_dtype):
    from transformers import BitsAndBytesConfig

    if plan.quantization == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    # Default skips keep lm_head and the Q-Former (_keep_in_fp32_modules) unquantized.
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute_dtype)


@contextmanager
def _weights_progress(progress: ProgressCallback | None, start: float, end: float):
    """Turn transformers' "Loading weights" bar into Progress reports (and keep it off stderr)."""
    from transformers.utils import logging as hf_logging

    def hook(factory, args, kwargs):
        return _ProgressBar(progress, start, end, *args, **kwargs)

    previous = hf_logging.set_tqdm_hook(hook)
    try:
        yield
    finally:
        hf_logging.set_tqdm_hook(previous)


class _ProgressBar:
    """Just enough of tqdm's interface for transformers and huggingface_hub."""

    def __init__(self, progress, start, end, iterable=None, *args, desc=None, total=None, **kwargs):
        self._progress, self._start, self._end = progress, start, end
        self.iterable = iterable
        self.desc = desc or "loading"
        self.total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
        self.n = 0
        self._last = -1

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update(1)

    def update(self, n=1):
        self.n += n or 0
        if self.total:
            overall = int(self._start + (self._end - self._start) * min(self.n / self.total, 1.0))
            if overall != self._last:
                self._last = overall
                _report(self._progress, str(self.desc).lower(), overall)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        pass

    def __getattr__(self, name):  # set_postfix, refresh, set_description, ...
        return lambda *a, **k: None
