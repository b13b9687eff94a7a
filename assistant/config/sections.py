"""The settings sections besides the model's, and the tree that holds them all."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from assistant.config.model import GenerationSettings, ModelSettings
from assistant.i18n import N_, _

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
            raise ValueError(_('speech output must be one of {n0}, not {output!r}').format(
                n0=', '.join(SPEECH_OUTPUTS), output=self.output))
        if not 60 <= self.rate <= 500:
            raise ValueError(_("speech rate must be between 60 and 500 words per minute"))
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError(_("speech volume must be between 0 and 1"))


# Global hotkey actions and their default bindings, in pynput's syntax. The defaults hold Ctrl,
# Alt and Shift together with a letter: Windows, GNOME, KDE and macOS reserve Super/Win/Cmd
# combinations, and NVDA, JAWS and Orca use their own modifier (Insert or Caps Lock).
ACTIONS = {
    "describe_screen": N_("Describe the screen under the mouse pointer"),
    "describe_window": N_("Describe the active window"),
    "describe_clipboard": N_("Describe the image on the clipboard"),
    "describe_focus": N_("Describe the focused control (what am I on?)"),
    "describe_pointer": N_("Describe what is under the mouse pointer"),
    "explore": N_("Explore the items on screen, and click one"),
    "watch": N_("Watch the active window and say what is new (again to stop)"),
    "what_changed": N_("What changed since the last description?"),
    "ask": N_("Ask about the last image (brings the window up, in the question box)"),
    "stop": N_("Stop speaking"),
    "repeat": N_("Repeat the last answer"),
    "cycle_preset": N_("Next prompt preset (short caption, detailed, visible text)"),
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
            raise ValueError(_("keep_days must be 0 (keep everything) or a number of days"))


@dataclass(frozen=True)
class TextSettings:
    """Reading the text in each image (OCR), beside the description."""

    enabled: bool = True
    spoken_lines: int = 10  # lines of text said with the description; all of them are in the window
    say_first: bool = True  # the text found is said as soon as it is read, the caption after it (False: caption first)

    def __post_init__(self):
        if not 0 <= self.spoken_lines <= 200:
            raise ValueError(_("spoken_lines must be between 0 and 200"))


@dataclass(frozen=True)
class LanguageSettings:
    """The interface's language, and the language questions and answers are translated to and from."""

    interface: str = ""  # "" follows the system's locale; else a language code ("de", "es")
    answers: str = ""  # "" is the interface's language; "en" never translates
    translate_text: bool = False  # also translate the text found on screen into the answer language, line by line
    mt_models: str = ""  # a folder of converted translation models (en-de/, de-en/, ...); the cache is looked in too
    missing_said: str = ""  # the language whose missing translation models were already said (said once)

    def __post_init__(self):
        for value in (self.interface, self.answers):
            if value and not (value.replace("_", "").isalpha() and 2 <= len(value) <= 8):
                raise ValueError(_('{value!r} is not a language code (for example de, es or pt_BR)').format(value=value))


EXPLORE_AREAS = ("window", "screen")


@dataclass(frozen=True)
class ExploreSettings:
    """The screen-items list (explore, then click)."""

    area: str = "window"  # "window": the focused window; "screen": the monitor under the pointer

    def __post_init__(self):
        if self.area not in EXPLORE_AREAS:
            raise ValueError(_('area must be one of {n0}, not {area!r}').format(n0=', '.join(EXPLORE_AREAS), area=self.area))


@dataclass(frozen=True)
class DesktopSettings:
    """What the desktop has allowed (GNOME on Wayland asks once whether we may take screenshots)."""

    screenshots_allowed: bool = False  # asked, explained, with our window in front, at the first start
    shortcuts_hint_given: bool = False  # how to bind keys to `trigger` was said (once, where no portal offers keys)
    start_at_login: bool = False  # started by the desktop at sign-in (core/autostart.py keeps the system's entry)


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
            raise ValueError(_('area must be one of {n0}, not {area!r}').format(n0=', '.join(EXPLORE_AREAS), area=self.area))
        if not 0.1 <= self.interval_s <= 10:
            raise ValueError(_("interval_s must be between 0.1 and 10 seconds"))
        if not 0.5 <= self.update_every_s <= 120:
            raise ValueError(_("update_every_s must be between 0.5 and 120 seconds"))
        if not 1 <= self.burst_lines <= 100:
            raise ValueError(_("burst_lines must be between 1 and 100"))


THEMES = ("system", "high_contrast")


@dataclass(frozen=True)
class AppearanceSettings:
    """Colours and text size."""

    theme: str = "system"  # "high_contrast": white and yellow on black, at least 7:1
    font_size: int = 0  # points; 0 is the system's size

    def __post_init__(self):
        if self.theme not in THEMES:
            raise ValueError(_('theme must be one of {n0}, not {theme!r}').format(n0=', '.join(THEMES), theme=self.theme))
        if self.font_size and not 6 <= self.font_size <= 48:
            raise ValueError(_("font_size must be 0 (the system's) or between 6 and 48 points"))


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
    language: LanguageSettings = field(default_factory=LanguageSettings)


SECTIONS = {f.name: f.default_factory for f in fields(Settings)}
