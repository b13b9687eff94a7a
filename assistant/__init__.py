"""BLIP Assistant: private, local descriptions of the screen and of images for blind and low-vision users."""

__version__ = "0.1.0"
APP_NAME = "BLIP Assistant"
APP_ID = "io.github.blipassistant.BlipAssistant"  # desktop file, AppStream id and icon name
