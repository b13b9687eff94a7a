"""A GTK3 app for the focus tests (run with the SYSTEM python: python3-gi): a "Notes" entry, then an
image-only button with no name (its picture says "Export"), then a labelled "Save" button.

Prints "shown" once mapped; "focus NAME X Y W H" (physical pixels, from GTK itself) when a button
gets the focus; "clicked NAME" when one is pressed. ``--many N`` adds N more buttons.
"""

import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import GdkPixbuf, GLib, Gtk  # noqa: E402

args = sys.argv
title = args[args.index("--title") + 1] if "--title" in args else "Archive tool"
many = int(args[args.index("--many") + 1]) if "--many" in args else 0
picture = args[args.index("--picture") + 1]

window = Gtk.Window(title=title)
window.move(120, 100)
box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=8, margin=16)
window.add(box)
entry = Gtk.Entry()
entry.get_accessible().set_name("Notes")
box.pack_start(entry, False, False, 0)
row = Gtk.Box(spacing=12)
box.pack_start(row, False, False, 0)
unlabeled = Gtk.Button()
unlabeled.set_image(Gtk.Image.new_from_pixbuf(GdkPixbuf.Pixbuf.new_from_file(picture)))
unlabeled.set_always_show_image(True)
unlabeled.set_relief(Gtk.ReliefStyle.NONE)
unlabeled.get_accessible().set_name("")
save = Gtk.Button(label="Save")


def where(button, _event, name):
    ok, ox, oy = button.get_window().get_origin()
    a, s = button.get_allocation(), button.get_scale_factor()
    print("focus", name, (ox + a.x) * s, (oy + a.y) * s, a.width * s, a.height * s, flush=True)


for button, name in ((unlabeled, "unlabeled"), (save, "Save")):
    button.connect("clicked", lambda _b, n=name: print("clicked", n, flush=True))
    button.connect("focus-in-event", where, name)
    row.pack_start(button, False, False, 0)
if many:
    grid = Gtk.FlowBox(max_children_per_line=30, selection_mode=Gtk.SelectionMode.NONE)
    for i in range(many):
        grid.add(Gtk.Button(label=f"B{i}"))
    scroller = Gtk.ScrolledWindow()
    scroller.add(grid)
    scroller.set_size_request(900, 500)
    box.pack_start(scroller, True, True, 0)
window.connect("destroy", Gtk.main_quit)
window.show_all()
entry.grab_focus()
window.connect("map-event", lambda *_: print("shown", flush=True) and False)
GLib.timeout_add_seconds(600, Gtk.main_quit)  # never outlives a test run
Gtk.main()
