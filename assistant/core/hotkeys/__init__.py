"""Global hotkeys: bindings (parsing, conflicts) and the X11 grab."""
