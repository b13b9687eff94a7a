"""Load a BLIP-2 checkpoint tensor by tensor into its final form: never twice the model at once.

Used for every CPU plan without bitsandbytes (int8, fp32, bf16, fp32+bf16). transformers'
``from_pretrained`` peaked at 22.3 GB for the 15.5 GB fp32 plan of opt-2.7b (bf16 weights
converted, plus copies); this peaks at the finished model plus a few hundred MB.

The model is built on the meta device (no memory). Each tensor is then read from the
safetensors files, converted (to its dtype, or to int8 for the Linear layers of the vision
encoder and the language model) and put in place, so the peak is the finished model plus
one tensor and a shard of the converted copy being written. The converted copy
(``converted.py``) makes the next start a plain read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import torch
from torch import nn

from assistant.core.errors import ModelLoadError, one_line
from assistant.core.model.local import int8, mapped
from assistant.core.model.local.converted import ConvertedWeights, ShardWriter, checkpoint_files, read_tensors
from assistant.core.model.local.device import LoadPlan
from assistant.i18n import _

log = logging.getLogger(__name__)
# Linear layers made int8: the vision encoder's and all of the language model's (lm_head included).
INT8_PARTS = ("vision_model.encoder.", "language_model.")
KEEP_FP32 = ("qformer.", "query_tokens")


def load_streaming(path: Path, plan: LoadPlan, on_fraction: Callable[[float], None] | None = None) -> tuple[nn.Module, str]:
    """The model as ``plan`` says (a CPU plan: int8, fp32, bf16 or mixed); and where its weights came from."""
    from transformers import Blip2Config, Blip2ForConditionalGeneration

    config = Blip2Config.from_pretrained(str(path), local_files_only=True)
    kept = _kept_dtypes(plan)

    def skeleton():
        with torch.device("meta"):
            model = Blip2ForConditionalGeneration(config)
        if plan.quantization != "int8":
            return model, {}
        return model, {n: m for n, m in model.named_modules() if isinstance(m, nn.Linear) and n.startswith(INT8_PARTS)}

    model, targets = skeleton()
    if plan.quantization != "int8":
        _assemble(model, targets, read_tensors(checkpoint_files(path)), None, kept, _counter(model, on_fraction))
        return model.eval(), "read from the checkpoint"
    converted = ConvertedWeights(path, plan.label)
    if converted.complete():
        try:
            _assemble(model, targets, converted.read(), None, kept, _counter(model, on_fraction))
            return model.eval(), "converted weights read from the cache"
        except (OSError, RuntimeError, KeyError, ValueError, ModelLoadError) as err:
            log.warning("the converted weights could not be read (%s); converting again", one_line(err))
            converted.discard()
            model, targets = skeleton()
    writer = converted.writer()
    _assemble(model, targets, read_tensors(checkpoint_files(path)), writer, kept, _counter(model, on_fraction))
    saved = writer.finish()
    return model.eval(), "converted now and saved for the next start" if saved else "converted now (not saved)"


def _kept_dtypes(plan: LoadPlan) -> Callable[[str], torch.dtype]:
    """The dtype of each tensor that is not made int8: the Q-Former always fp32, as on every plan."""
    vision, language = getattr(torch, plan.vision_dtype), getattr(torch, plan.language_dtype)

    def dtype(name: str) -> torch.dtype:
        if name.startswith(KEEP_FP32):
            return torch.float32
        return language if name.startswith("language_model.") else vision

    return dtype


def _assemble(model: nn.Module, targets: dict[str, nn.Linear], tensors: Iterable[tuple[str, torch.Tensor]],
              writer: ShardWriter | None, kept: Callable[[str], torch.dtype], on_tensor: Callable[[], None]) -> None:
    pending: dict[str, dict[str, torch.Tensor]] = {}
    done: set[str] = set()
    for name, tensor in tensors:
        owner, _, attr = name.rpartition(".")
        if owner in targets:
            pending.setdefault(owner, {})[attr] = tensor
            _finish_linear(model, owner, targets[owner], pending, writer, done)
        elif tensor.dtype == kept(name) and mapped.is_mapped(tensor):
            _set_tensor(model, name, tensor)  # the converted copy's own view: read when used (of the embeddings, some rows)
        else:
            value = _as_kept(tensor, kept(name))
            mapped.release(tensor)  # copied: the file's pages can go
            if _set_tensor(model, name, value) and writer is not None:
                writer.add(name, value)
        on_tensor()
    _tie_missing(model)
    for owner, linear in targets.items():  # a tied output layer (OPT's lm_head) is not in the file
        if owner not in done and "weight" not in pending.get(owner, {}):
            source = _tied_source(model, owner + ".weight")
            if source is not None:
                pending.setdefault(owner, {})["weight"] = source
                _finish_linear(model, owner, linear, pending, writer, done)
    if pending:
        raise ModelLoadError(_('The checkpoint is missing weights for {n0}.').format(n0=', '.join(sorted(pending)[:3])))
    missing = [n for n, p in [*model.named_parameters(), *model.named_buffers()] if p.device.type == "meta"]
    if missing:
        raise ModelLoadError(_('The checkpoint is missing {n0} weights, such as {n1}.').format(n0=len(missing), n1=missing[0]))
    int8.release_freed_memory()


def _finish_linear(model: nn.Module, owner: str, linear: nn.Linear, pending: dict, writer: ShardWriter | None,
                   done: set[str]) -> None:
    """Once its weight (or int8 weight and scale) and bias are read: the layer, in int8, not yet packed."""
    parts = pending[owner]
    if linear.bias is not None and "bias" not in parts:
        return
    if "qweight" in parts and "scale" in parts:
        q, scale = parts["qweight"], parts["scale"]
    elif "weight" in parts:
        q, scale = int8.quantize_weight(parts["weight"])
    else:
        return
    bias = parts.get("bias")
    parent, _, child = owner.rpartition(".")
    # Packed later, by a BackgroundPacker, once the model is ready; the mapped weights are released then.
    setattr(model.get_submodule(parent), child, int8.make_linear(q, scale, bias, packed=False, release=mapped.release))
    mapped.release(bias)
    done.add(owner)
    if writer is not None:
        writer.add(owner + ".qweight", q)
        writer.add(owner + ".scale", scale)
        if bias is not None:
            writer.add(owner + ".bias", bias.float())
    del pending[owner]


def _as_kept(tensor: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``tensor`` in ``dtype``, as its own copy (never a view of a mapped file)."""
    if not tensor.is_floating_point() or tensor.dtype == dtype:
        return tensor.clone()
    return tensor.to(dtype)


def _set_tensor(model: nn.Module, name: str, value: torch.Tensor) -> bool:
    owner, _, attr = name.rpartition(".")
    try:
        module = model.get_submodule(owner)
    except AttributeError:
        log.debug("ignoring %s: not part of this model", name)
        return False
    if attr in module._parameters:
        module._parameters[attr] = nn.Parameter(value, requires_grad=False)
    elif attr in module._buffers:
        module._buffers[attr] = value
    else:
        log.debug("ignoring %s: not part of this model", name)
        return False
    return True


def _tied_keys(model: nn.Module) -> dict[str, str]:
    """Target -> source of the weights the model shares (embeddings and output layers)."""
    tied = getattr(model, "all_tied_weights_keys", None)
    return dict(tied) if isinstance(tied, dict) else {}


def _tied_source(model: nn.Module, key: str) -> torch.Tensor | None:
    source = _tied_keys(model).get(key)
    if source is None:
        return None
    value = model.get_parameter(source)
    return None if value.device.type == "meta" else value.detach()


def _tie_missing(model: nn.Module) -> None:
    """Share the loaded tensor with every still-empty parameter tied to it (T5's embeddings)."""
    for target in _tied_keys(model):
        try:
            param = model.get_parameter(target)
        except AttributeError:
            continue  # a target that is now an int8 layer, tied above by quantizing its source
        source = _tied_keys(model)[target]
        if param.device.type == "meta" and model.get_parameter(source).device.type != "meta":
            owner, _, attr = target.rpartition(".")
            # The same Parameter, as tie_weights() shares it: one tensor, counted once.
            model.get_submodule(owner)._parameters[attr] = model.get_parameter(source)


def _counter(model: nn.Module, on_fraction: Callable[[float], None] | None) -> Callable[[], None]:
    total = max(sum(1 for _ in model.named_parameters()), 1)
    seen = [0]

    def tick() -> None:
        seen[0] += 1
        if on_fraction is not None and seen[0] % 16 == 0:
            on_fraction(min(seen[0] / total, 1.0))

    return tick


def load_or_explain(path: Path, plan: LoadPlan, on_fraction: Callable[[float], None] | None = None):
    """``load_streaming`` with every failure as a one-line ModelLoadError."""
    reason = int8.unavailable_reason() if plan.quantization == "int8" else None
    if reason:
        raise ModelLoadError(_('{reason}: choose fp32 or bf16 in Settings.').format(reason=reason))
    try:
        return load_streaming(path, plan, on_fraction)
    except MemoryError:
        raise ModelLoadError(_("Not enough memory to load the model: close other programs or choose a smaller model.")) from None
    except (OSError, RuntimeError, ValueError, KeyError) as err:
        raise ModelLoadError(_('The model at {path} cannot be loaded ({n0}).').format(path=path, n0=one_line(err))) from None
