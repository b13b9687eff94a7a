"""One frozen settings tree, built once and passed down. Nothing reads a global config."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

DEFAULT_MODEL = "Salesforce/blip2-opt-2.7b"
# (Hub id, what a user needs to choose): sizes are the safetensors download.
MODEL_PRESETS = (
    (DEFAULT_MODEL, "BLIP-2 OPT 2.7B: the default; about 15.5 GB to download, 4 GB of GPU memory in 4-bit"),
    ("Salesforce/blip2-opt-6.7b", "BLIP-2 OPT 6.7B: more detail; about 31 GB to download, 6 GB of GPU memory"),
    ("Salesforce/blip2-flan-t5-xl", "BLIP-2 Flan-T5 XL: better at questions; about 16 GB to download, 4 GB of GPU memory"),
    ("Salesforce/blip2-flan-t5-xxl", "BLIP-2 Flan-T5 XXL: the largest; about 49 GB to download, 10 GB of GPU memory"),
)
DEVICES = ("auto", "cuda", "cpu")
QUANTIZATIONS = ("auto", "4bit", "8bit", "none")
CPU_PRECISIONS = ("auto", "int8", "fp32", "bf16")
BACKENDS = ("local", "server")


@dataclass(frozen=True)
class ModelSettings:
    """Which model to run, and where.

    ``quantization`` "auto" means 4-bit NF4 on CUDA and no bitsandbytes on the CPU, where
    it is slower and needs more memory. ``cpu_precision`` "auto" takes the fastest CPU plan
    (int8, fp32, bf16) whose measured peak memory fits; the others force one.
    """

    model: str = DEFAULT_MODEL
    device: str = "auto"
    quantization: str = "auto"
    cpu_precision: str = "auto"
    unload_after_minutes: int = 0  # free the model's memory after this long unused; 0: never
    # "server": an OpenAI-compatible server (vLLM) runs the model; images are sent to ``server_url``.
    # The API key is never here: it lives in the system's secret store (assistant.core.model.remote.secrets).
    backend: str = "local"
    server_url: str = ""  # e.g. https://gpu.school.example/v1
    server_model: str = ""  # the served model's name; "" takes the server's only model
    server_timeout: float = 60.0  # seconds without a word from the server before giving up
    allow_http: bool = False  # plain http:// to an address other than this machine (images unencrypted)
    server_notice_given: str = ""  # the address the user was told images go to (told once per address)
    # A key was put in the secret store for this server: only then is the store read, since reading an
    # empty GNOME Keyring asks the user to create one, a password dialog nobody asked for.
    server_key_saved: bool = False

    def __post_init__(self):
        for name, allowed in (("device", DEVICES), ("quantization", QUANTIZATIONS), ("cpu_precision", CPU_PRECISIONS),
                              ("backend", BACKENDS)):
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        if not isinstance(self.unload_after_minutes, int) or not 0 <= self.unload_after_minutes <= 1440:
            raise ValueError("unload_after_minutes must be a whole number of minutes from 0 (never) to 1440")
        if not 1 <= self.server_timeout <= 3600:
            raise ValueError("server_timeout must be between 1 and 3600 seconds")

    def loads_the_same(self, other: ModelSettings) -> bool:
        """True if ``other`` differs only in what needs no reload (the idle time, the notice given)."""
        def same(s: ModelSettings) -> ModelSettings:
            return replace(s, unload_after_minutes=0, server_notice_given="")
        return same(self) == same(other)


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


# Global hotkey actions and their default bindings, in pynput's syntax. The defaults hold Ctrl,
# Alt and Shift together with a letter: Windows, GNOME, KDE and macOS reserve Super/Win/Cmd
# combinations, and NVDA, JAWS and Orca use their own modifier (Insert or Caps Lock).
ACTIONS = {
    "describe_screen": "Describe the screen under the mouse pointer",
    "describe_window": "Describe the active window",
    "describe_clipboard": "Describe the image on the clipboard",
    "describe_focus": "Describe the focused control (what am I on?)",
    "describe_pointer": "Describe what is under the mouse pointer",
    "explore": "Explore the items on screen, and click one",
    "watch": "Watch the active window and say what is new (again to stop)",
    "what_changed": "What changed since the last description?",
    "ask": "Ask about the last image (brings the window up, in the question box)",
    "stop": "Stop speaking",
    "repeat": "Repeat the last answer",
    "cycle_preset": "Next prompt preset (short caption, detailed, visible text)",
}

DEFAULT_BINDINGS = {
    "describe_screen": "<ctrl>+<alt>+<shift>+s",
    "describe_window": "<ctrl>+<alt>+<shift>+w",
    "describe_clipboard": "<ctrl>+<alt>+<shift>+v",
    "describe_focus": "<ctrl>+<alt>+<shift>+f",
    "describe_pointer": "<ctrl>+<alt>+<shift>+o",
    "explore": "<ctrl>+<alt>+<shift>+e",
    "watch": "<ctrl>+<alt>+<shift>+c",  # "changes"
    "what_changed": "<ctrl>+<alt>+<shift>+d",  # "difference"
    "ask": "<ctrl>+<alt>+<shift>+a",
    "stop": "<ctrl>+<alt>+<shift>+x",
    "repeat": "<ctrl>+<alt>+<shift>+g",  # "again": Ctrl+Alt+Shift+R records the screen in GNOME
    "cycle_preset": "<ctrl>+<alt>+<shift>+p",
}


def _default_bindings() -> dict[str, str]:
    return dict(DEFAULT_BINDINGS)


@dataclass(frozen=True)
class HotkeySettings:
    """Global hotkeys: action -> pynput binding ("" turns one off)."""

    enabled: bool = True
    bindings: dict[str, str] = field(default_factory=_default_bindings)

    def __post_init__(self):
        # A settings file from an earlier version lacks the newer actions: they get their default keys
        # ("" in the file, not a missing key, turns one off).
        missing = {a: b for a, b in DEFAULT_BINDINGS.items() if a not in self.bindings}
        if missing and isinstance(self.bindings, dict):
            object.__setattr__(self, "bindings", {**self.bindings, **missing})


@dataclass(frozen=True)
class HistorySettings:
    """What is kept between sessions. Nothing ever leaves the machine."""

    enabled: bool = True
    store_images: bool = True
    keep_days: int = 0  # 0 keeps everything; otherwise older conversations are purged at start-up

    def __post_init__(self):
        if not 0 <= self.keep_days <= 36500:
            raise ValueError("keep_days must be 0 (keep everything) or a number of days")


@dataclass(frozen=True)
class TextSettings:
    """Reading the text in each image (OCR), beside the description."""

    enabled: bool = True
    spoken_lines: int = 10  # lines of text said after the caption; all of them are in the window

    def __post_init__(self):
        if not 0 <= self.spoken_lines <= 200:
            raise ValueError("spoken_lines must be between 0 and 200")


EXPLORE_AREAS = ("window", "screen")


@dataclass(frozen=True)
class ExploreSettings:
    """The screen-items list (explore, then click)."""

    area: str = "window"  # "window": the focused window; "screen": the monitor under the pointer

    def __post_init__(self):
        if self.area not in EXPLORE_AREAS:
            raise ValueError(f"area must be one of {', '.join(EXPLORE_AREAS)}, not {self.area!r}")


@dataclass(frozen=True)
class DesktopSettings:
    """What the desktop has allowed (GNOME on Wayland asks once whether we may take screenshots)."""

    screenshots_allowed: bool = False  # asked, explained, with our window in front, at the first start
    shortcuts_hint_given: bool = False  # how to bind keys to `trigger` was said (once, where no portal offers keys)


@dataclass(frozen=True)
class WatchSettings:
    """Watch mode: what is watched, how often, and what is said of its changes."""

    area: str = "window"  # "window": the one focused when watching starts, followed; "screen": the whole desktop
    interval_s: float = 0.5  # between captures
    update_every_s: float = 3.0  # a line that keeps changing (a percentage, a clock) is said at most this often
    burst_lines: int = 4  # more new lines than this at once are summed up ("12 new lines; the last: ...")
    describe_areas: bool = False  # a changed area with no text is described by the model (at most every update_every_s)
    keep_changes: bool = False  # keep the Changes list as a history entry when watching stops

    def __post_init__(self):
        if self.area not in EXPLORE_AREAS:
            raise ValueError(f"area must be one of {', '.join(EXPLORE_AREAS)}, not {self.area!r}")
        if not 0.1 <= self.interval_s <= 10:
            raise ValueError("interval_s must be between 0.1 and 10 seconds")
        if not 0.5 <= self.update_every_s <= 120:
            raise ValueError("update_every_s must be between 0.5 and 120 seconds")
        if not 1 <= self.burst_lines <= 100:
            raise ValueError("burst_lines must be between 1 and 100")


THEMES = ("system", "high_contrast")


@dataclass(frozen=True)
class AppearanceSettings:
    """Colours and text size."""

    theme: str = "system"  # "high_contrast": white and yellow on black, at least 7:1
    font_size: int = 0  # points; 0 is the system's size

    def __post_init__(self):
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, not {self.theme!r}")
        if self.font_size and not 6 <= self.font_size <= 48:
            raise ValueError("font_size must be 0 (the system's) or between 6 and 48 points")


@dataclass(frozen=True)
class Settings:
    """Every setting of the app: one frozen tree, loaded once and passed down."""

    model: ModelSettings = field(default_factory=ModelSettings)
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    hotkeys: HotkeySettings = field(default_factory=HotkeySettings)
    history: HistorySettings = field(default_factory=HistorySettings)
    appearance: AppearanceSettings = field(default_factory=AppearanceSettings)
    text: TextSettings = field(default_factory=TextSettings)
    explore: ExploreSettings = field(default_factory=ExploreSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    desktop: DesktopSettings = field(default_factory=DesktopSettings)


SECTIONS = {f.name: f.default_factory for f in fields(Settings)}


def settings_path() -> Path:
    """BLIP_ASSISTANT_CONFIG, else settings.json in the user's config folder."""
    override = os.environ.get("BLIP_ASSISTANT_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("blip-assistant")) / "settings.json"


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """The settings file as a Settings tree, and one sentence per problem found in it.

    A missing file gives the defaults. An unreadable file, a bad section or a bad value
    falls back to the default for just that part, with a message. The file is never
    written here, so a mistake in it is never lost.
    """
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), []
    except (OSError, ValueError) as err:
        return Settings(), [f"The settings file {path} cannot be read ({err}); using the default settings."]
    if not isinstance(data, dict):
        return Settings(), [f"The settings file {path} does not hold settings; using the default settings."]
    messages: list[str] = []
    sections = {}
    for name, cls in SECTIONS.items():
        section = data.get(name, {})
        if not isinstance(section, dict):
            messages.append(f"The {name} section of {path} is not valid; using the default {name} settings.")
            section = {}
        sections[name] = _section(cls, name, section, messages)
    return Settings(**sections), messages


def _section(cls, name: str, section: dict, messages: list[str]):
    """Build one section field by field, so one bad value costs only itself."""
    defaults = cls()
    good = {}
    for f in fields(cls):
        if f.name not in section:
            continue
        value = section[f.name]
        default = getattr(defaults, f.name)
        if name == "hotkeys" and f.name == "bindings":
            if isinstance(value, dict):
                good[f.name] = {**default, **{str(k): str(v or "") for k, v in value.items()}}
                continue
        elif _same_kind(value, default):
            value = float(value) if isinstance(default, float) else value
            try:
                cls(**{f.name: value})
                good[f.name] = value
                continue
            except ValueError as err:
                messages.append(f"{name}.{f.name} in the settings file: {err}; using {default!r}.")
                continue
        messages.append(f"{name}.{f.name} in the settings file should be a {type(default).__name__}; using {default!r}.")
    return cls(**good)


def _same_kind(value, default) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def save_settings(settings: Settings, path: Path | None = None) -> list[str]:
    """Write ``settings`` (private, atomically); returns messages for the user.

    Keys this version does not know are kept. A file that cannot be read as settings is
    moved aside first, never silently replaced, and the message says where it went.
    """
    path = path or settings_path()
    messages: list[str] = []
    data: dict = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError):
            kept = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(path, kept)
            messages.append(f"The old settings file could not be read, so it was kept as {kept}.")
            data = {}
    for section, values in asdict(settings).items():  # a newer version's keys survive, in a section too
        known = data.get(section)
        data[section] = {**known, **values} if isinstance(known, dict) else values
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
    return messages


def cache_dir() -> Path:
    """What can be made again: converted model weights (``BLIP_ASSISTANT_CACHE`` overrides it)."""
    override = os.environ.get("BLIP_ASSISTANT_CACHE")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("blip-assistant"))


def data_dir() -> Path:
    """The user's data folder: history, models the app downloads (``BLIP_ASSISTANT_DATA`` overrides it)."""
    override = os.environ.get("BLIP_ASSISTANT_DATA")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("blip-assistant"))
