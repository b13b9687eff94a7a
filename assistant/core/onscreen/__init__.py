"""Things on screen for the user to reach: the focused control or the one under the pointer, and the screen items."""
