"""One frozen settings tree, built once and passed down. Nothing reads a global config.

``model`` holds the model's sections, ``sections`` the others and the tree, ``files`` the
settings file and the app's folders; everything is importable from ``assistant.config``.
"""

from assistant.config.files import cache_dir, data_dir, load_settings, remember, save_settings, settings_path
from assistant.config.model import (
    BACKENDS,
    CPU_PRECISIONS,
    DEFAULT_MODEL,
    DEVICES,
    MODEL_PRESETS,
    QUANTIZATIONS,
    GenerationSettings,
    ModelSettings,
)
from assistant.config.sections import (
    ACTIONS,
    DEFAULT_BINDINGS,
    EXPLORE_AREAS,
    SECTIONS,
    SPEECH_OUTPUTS,
    THEMES,
    AppearanceSettings,
    DesktopSettings,
    ExploreSettings,
    HistorySettings,
    HotkeySettings,
    LanguageSettings,
    Settings,
    SpeechSettings,
    TextSettings,
    WatchSettings,
)

__all__ = [
    "ACTIONS", "BACKENDS", "CPU_PRECISIONS", "DEFAULT_BINDINGS", "DEFAULT_MODEL", "DEVICES", "EXPLORE_AREAS",
    "MODEL_PRESETS", "QUANTIZATIONS", "SECTIONS", "SPEECH_OUTPUTS", "THEMES", "AppearanceSettings", "DesktopSettings",
    "ExploreSettings", "GenerationSettings", "HistorySettings", "HotkeySettings", "LanguageSettings", "ModelSettings", "Settings",
    "SpeechSettings", "TextSettings", "WatchSettings", "cache_dir", "data_dir", "load_settings", "remember", "save_settings",
    "settings_path",
]
