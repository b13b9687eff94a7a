"""What the accessibility API says about the screen: the focused control, the object at a point, the controls."""
