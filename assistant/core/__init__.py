"""The Qt-free core: model, prompts, images. The GUI, the CLI and the tests all drive it."""
