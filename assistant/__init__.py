"""BLIP Assistant: private, local descriptions of the screen and of images for blind and low-vision users."""

__version__ = "0.1.0"
APP_NAME = "BLIP Assistant"
APP_ID = "io.github.blipassistant.BlipAssistant"  # desktop file, AppStream id and icon name


def resource(*parts: str):
    """A file shipped inside the package (icons, the desktop entry, AppStream data), as a Traversable."""
    from importlib.resources import files

    return files("assistant").joinpath("resources", *parts)


def icon_file() -> str:
    """The scalable icon's path on disk, for the window (QIcon reads the file when it paints)."""
    return str(resource("icons", f"{APP_ID}.svg"))
