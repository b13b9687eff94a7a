"""One frozen settings tree, built once and passed down. Nothing reads a global config."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODEL = "Salesforce/blip2-opt-2.7b"
DEVICES = ("auto", "cuda", "cpu")
QUANTIZATIONS = ("auto", "4bit", "8bit", "none")
CPU_PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class ModelSettings:
    """Which model to run, and where.

    ``quantization`` "auto" means 4-bit NF4 on CUDA and none on the CPU, where 4-bit
    is slower and needs more memory. ``cpu_precision`` "auto" decides from the CPU.
    """

    model: str = DEFAULT_MODEL
    device: str = "auto"
    quantization: str = "auto"
    cpu_precision: str = "auto"

    def __post_init__(self):
        for name, allowed in (("device", DEVICES), ("quantization", QUANTIZATIONS), ("cpu_precision", CPU_PRECISIONS)):
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings. The defaults favour latency: greedy, short answers."""

    max_new_tokens: int = 30
    min_new_tokens: int = 0
    num_beams: int = 1
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    repetition_penalty: float = 1.0

    def __post_init__(self):
        if not 1 <= self.max_new_tokens <= 400:
            raise ValueError(f"max_new_tokens must be between 1 and 400, not {self.max_new_tokens}")
        if self.num_beams < 1:
            raise ValueError("num_beams must be at least 1")

    def generate_kwargs(self) -> dict:
        kwargs = {
            "max_new_tokens": self.max_new_tokens,
            "num_beams": self.num_beams,
            "do_sample": self.do_sample,
            "repetition_penalty": self.repetition_penalty,
        }
        if self.min_new_tokens:
            kwargs["min_new_tokens"] = self.min_new_tokens
        if self.do_sample:
            kwargs.update(temperature=self.temperature, top_p=self.top_p)
        return kwargs


SPEECH_OUTPUTS = ("auto", "voice", "screen_reader", "both", "silent")


@dataclass(frozen=True)
class SpeechSettings:
    """Where spoken output goes, and how the app's own voice sounds."""

    output: str = "auto"  # the screen reader while one runs, else our own voice
    voice: str = ""  # an engine voice id; "" is the engine's default
    rate: int = 190  # words per minute
    volume: float = 1.0
    auto_speak: bool = True  # speak captions and answers as they arrive

    def __post_init__(self):
        if self.output not in SPEECH_OUTPUTS:
            raise ValueError(f"speech output must be one of {', '.join(SPEECH_OUTPUTS)}, not {self.output!r}")
        if not 60 <= self.rate <= 500:
            raise ValueError("speech rate must be between 60 and 500 words per minute")
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError("speech volume must be between 0 and 1")


def _default_bindings() -> dict[str, str]:
    from assistant.core.hotkeys import DEFAULT_BINDINGS

    return dict(DEFAULT_BINDINGS)


@dataclass(frozen=True)
class HotkeySettings:
    """Global hotkeys: action -> pynput binding ("" turns one off)."""

    enabled: bool = True
    bindings: dict[str, str] = field(default_factory=_default_bindings)


@dataclass(frozen=True)
class Settings:
    model: ModelSettings = field(default_factory=ModelSettings)
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    hotkeys: HotkeySettings = field(default_factory=HotkeySettings)


def settings_path() -> Path:
    """BLIP_ASSISTANT_CONFIG, else settings.json in the user's config folder."""
    override = os.environ.get("BLIP_ASSISTANT_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("blip-assistant")) / "settings.json"


def _read_section(path: Path, name: str) -> tuple[dict, list[str]]:
    """One section of the settings file; a missing file is {}; a bad one is {} and a message.

    The file is never overwritten here, so a mistake in it is never lost.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, []
    except (OSError, ValueError) as err:
        return {}, [f"The settings file {path} cannot be read ({err}); using the default {name} settings."]
    section = data.get(name, {}) if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return {}, [f"The {name} section of {path} is not valid; using the default {name} settings."]
    return section, []


def load_hotkeys(path: Path | None = None) -> tuple[HotkeySettings, list[str]]:
    """The "hotkeys" section: {"enabled": bool, "bindings": {action: binding}}."""
    path = path or settings_path()
    section, messages = _read_section(path, "hotkeys")
    if not isinstance(section.get("bindings", {}), dict):
        return HotkeySettings(), [f"The hotkeys section of {path} is not valid; using the default hotkeys."]
    bindings = {**_default_bindings(), **{str(k): str(v or "") for k, v in section.get("bindings", {}).items()}}
    return HotkeySettings(enabled=bool(section.get("enabled", True)), bindings=bindings), messages


@dataclass(frozen=True)
class HistorySettings:
    """What is kept between sessions. Nothing ever leaves the machine."""

    enabled: bool = True
    store_images: bool = True
    keep_days: int = 0  # 0 keeps everything; otherwise older conversations are purged at start-up


def load_history(path: Path | None = None) -> tuple[HistorySettings, list[str]]:
    """The "history" section: {"enabled": bool, "store_images": bool, "keep_days": int}."""
    path = path or settings_path()
    section, messages = _read_section(path, "history")
    try:
        keep_days = max(0, int(section.get("keep_days", 0)))
    except (TypeError, ValueError):
        keep_days = 0
        messages = [*messages, f"keep_days in {path} is not a number; keeping every conversation."]
    return HistorySettings(enabled=bool(section.get("enabled", True)), store_images=bool(section.get("store_images", True)),
                           keep_days=keep_days), messages
