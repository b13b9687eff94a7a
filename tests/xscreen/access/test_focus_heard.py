"""What a screen-reader user hears from "what am I on?": the real Orca 43 and speech-dispatcher, a GTK3 app.

Checked in speech-dispatcher's own log: the hotkey is answered by the control's role and name, then the
text in it, then what it looks like, and Orca says nothing else in between (our key grab does not move
the focus, so Orca does not read the GTK window again). The focus stays in the GTK app.
"""

from __future__ import annotations

import subprocess

from tests.xscreen.access.conftest import HERE, SYSTEM_PYTHON, Program, press
from tests.xscreen.orca import normalise, spoken_with_times

KEY_ECHO = {f"{side} {key}" for side in ("left", "right") for key in ("control", "shift", "alt")} | {"f"}


def active_title(env) -> str:
    return subprocess.run(["xdotool", "getactivewindow", "getwindowname"], env=env, capture_output=True,
                          text=True).stdout.strip()


def test_the_focused_unlabeled_button_is_heard_as_role_then_text_then_look_and_nothing_else(orca, start, tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    picture = tmp_path / "export.png"
    image = Image.new("RGB", (120, 40), "white")
    ImageDraw.Draw(image).text((10, 6), "Export", fill="black",
                               font=ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 22))
    image.save(picture)
    app = start()
    gtk = Program([SYSTEM_PYTHON, str(HERE / "gtk_buttons.py"), "--picture", str(picture)], orca.env, "Archive tool")
    try:
        gtk.activate()
        press(orca.env, "Tab")  # onto the unlabeled button, from the app itself
        gtk.wait_line(r"^focus unlabeled ")
        orca.wait_spoken(lambda said: any("push button" in normalise(s) or "button" in normalise(s) for s in said),
                         20, "Orca reading the button the focus moved to")
        orca.settle()
        mark = orca.mark()
        press(orca.env, "ctrl+alt+shift+f")
        orca.wait_heard("Looks like", 60, since=mark)
        said = orca.spoken_since(mark)
        # Orca echoes the modifier keys the user presses ("left control"): that is its key echo, not a focus change.
        ours = [normalise(s) for s in said if normalise(s) not in KEY_ECHO]
        first = ours.index("unlabeled button")
        text = next(i for i, s in enumerate(ours) if s.startswith("text export"))
        look = next(i for i, s in enumerate(ours) if s.startswith("looks like"))
        assert first < text < look, said
        assert not any("archive tool" in s for s in ours), said  # Orca did not read the window again
        assert ours[0] == "unlabeled button", said  # nothing but the key echo before our answer
        app.wait_line(r"action describe_focus")
        assert active_title(orca.env) == "Archive tool"  # the focus never left the app
        heard = [(t, normalise(s)) for t, s in spoken_with_times(orca.logdir)[mark:] if normalise(s) not in KEY_ECHO]
        print(f"heard: role at 0, text +{heard[text][0] - heard[first][0]:.2f} s, "
              f"look +{heard[look][0] - heard[first][0]:.2f} s")
    finally:
        gtk.close()
