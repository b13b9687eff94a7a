"""A GTK3 app for the focus tests: an image-only button with no name (its picture says "Export"),
a labelled "Save" button, and, with ``--many N``, N more buttons. Run with the SYSTEM python (python3-gi).

Prints "shown" once mapped, and "clicked NAME" when a button is pressed.
"""

import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import GdkPixbuf, GLib, Gtk  # noqa: E402

title = sys.argv[sys.argv.index("--title") + 1] if "--title" in sys.argv else "Archive tool"
many = int(sys.argv[sys.argv.index("--many") + 1]) if "--many" in sys.argv else 0
picture = sys.argv[sys.argv.index("--picture") + 1]

window = Gtk.Window(title=title)
window.set_default_size(420, 220)
window.move(120, 100)
box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=8, margin=16)
window.add(box)
row = Gtk.Box(spacing=12)
box.pack_start(row, False, False, 0)
unlabeled = Gtk.Button()
unlabeled.set_image(Gtk.Image.new_from_pixbuf(GdkPixbuf.Pixbuf.new_from_file(picture)))
unlabeled.set_always_show_image(True)
unlabeled.get_accessible().set_name("")
save = Gtk.Button(label="Save")
for button, name in ((unlabeled, "unlabeled"), (save, "Save")):
    button.connect("clicked", lambda _b, n=name: print("clicked", n, flush=True))
    row.pack_start(button, False, False, 0)
if many:
    grid = Gtk.FlowBox(max_children_per_line=30)
    for i in range(many):
        grid.add(Gtk.Button(label=f"B{i}"))
    scroller = Gtk.ScrolledWindow()
    scroller.add(grid)
    scroller.set_size_request(400, 300)
    box.pack_start(scroller, True, True, 0)
window.connect("destroy", Gtk.main_quit)
window.show_all()
unlabeled.grab_focus()
GLib.idle_add(lambda: print("shown", flush=True) and False)
Gtk.main()
