"""Getting images: screen and window captures (mss, X11, Win32), and image files and data."""
