"""The settings file (read leniently, written atomically) and the app's folders."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, fields
from pathlib import Path

from assistant.config.sections import SECTIONS, Settings
from assistant.i18n import _


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
        return Settings(), [_("The settings file {path} cannot be read ({err}); using the default settings.").format(
            path=path, err=err)]
    if not isinstance(data, dict):
        return Settings(), [_('The settings file {path} does not hold settings; using the default settings.').format(path=path)]
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
            messages.append(_('The old settings file could not be read, so it was kept as {kept}.').format(kept=kept))
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


def remember(base: Settings, section: str, **values) -> str:
    """Save ``values`` into one section of ``base`` (the settings file as loaded), e.g. "the hint was said".

    Returns "" when saved, else why not: the caller logs it, and the thing is asked or said again next time.
    """
    from dataclasses import replace

    try:
        save_settings(replace(base, **{section: replace(getattr(base, section), **values)}))
    except OSError as err:
        return str(err)
    return ""
