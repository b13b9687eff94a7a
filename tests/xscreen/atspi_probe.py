"""Run with the SYSTEM python (Debian's python3-pyatspi) inside dbus-run-session.

Starts the AT-SPI bus and the app (argv after "--"), then does what the Orca screen
reader does: finds the application by name, walks its accessible tree, and listens
for object:announcement events. Prints one JSON object.
"""

import json
import os
import subprocess
import sys
import time

app_cmd = sys.argv[sys.argv.index("--") + 1:]
launcher = subprocess.Popen(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"])
# Block until the accessibility bus owns its name (gdbus waits on the bus's own signal).
if subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", "org.a11y.Bus"]).returncode != 0:
    print(json.dumps({"error": "the AT-SPI bus did not start"}))
    sys.exit(1)

import pyatspi  # noqa: E402  (aborts if no bus is running)
from gi.repository import Atspi, GLib  # noqa: E402

env = {**os.environ, "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "QT_ACCESSIBILITY": "1"}
# The app's log goes nowhere: a pipe nobody reads would fill up and block the app.
app = subprocess.Popen(app_cmd, env=env, stderr=subprocess.DEVNULL)
INTERACTIVE = {"push button", "toggle button", "check box", "radio button", "text", "entry", "list", "combo box",
               "slider", "spin button", "menu item", "page tab", "tree", "table", "list box"}
result = {"found": False, "unnamed": [], "roles": {}, "announcements": [], "nodes": 0}
settings = {"requested": False, "tabs": [], "unnamed": {}, "buttons": []}


def walk(node, depth=0, into=result):
    if node is None or depth > 40:
        return
    try:
        role, name = node.getRoleName(), node.name or ""
        states = node.getState()
    except Exception:
        return
    into["nodes"] = into.get("nodes", 0) + 1
    into.setdefault("roles", {})[role] = into.get("roles", {}).get(role, 0) + 1
    showing = states.contains(pyatspi.STATE_SHOWING)
    if role in INTERACTIVE and showing and not name.strip():
        into["unnamed"].append(role)
    if role == "push button" and name and showing:
        into.setdefault("buttons", []).append(name)
    for i in range(node.childCount):
        walk(node.getChildAtIndex(i), depth + 1, into)


def find(node, predicate, depth=0):
    if node is None or depth > 40:
        return None
    try:
        if predicate(node):
            return node
        children = [node.getChildAtIndex(i) for i in range(node.childCount)]
    except Exception:
        return None
    return next((hit for child in children if (hit := find(child, predicate, depth + 1)) is not None), None)


def open_settings():
    """As a user would: focus the app and press Ctrl+, (the probe then walks the dialog, tab by tab)."""
    subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^BLIP Assistant$", "windowactivate", "--sync",
                    "key", "--clearmodifiers", "ctrl+comma"], check=False)
    settings["requested"] = True


def walk_settings(app_node) -> bool:
    """One step per tick: press the next tab (Qt handles the press a moment later), and once
    it is selected, walk the page it shows. True when every tab has been walked."""
    dialog = find(app_node, lambda n: n.getRoleName() in ("dialog", "frame") and (n.name or "").startswith("Settings"))
    tabs = find(dialog, lambda n: n.getRoleName() == "page tab list") if dialog is not None else None
    if tabs is None:
        return False
    pages = [t for t in (tabs.getChildAtIndex(i) for i in range(tabs.childCount)) if t.getRoleName() == "page tab"]
    if len(settings["tabs"]) == len(pages):
        return True
    tab = pages[len(settings["tabs"])]
    if not tab.getState().contains(pyatspi.STATE_SELECTED):
        if settings.get("pressed") != tab.name:
            tab.queryAction().doAction(0)  # "Press", as Orca does
            settings["pressed"] = tab.name
        return False
    page = {"unnamed": []}
    walk(dialog, 0, page)
    settings["tabs"].append(tab.name)
    settings["unnamed"][tab.name] = page["unnamed"]
    settings["buttons"] += page.get("buttons", [])
    return False


def on_announcement(event):
    result["announcements"].append(str(event.any_data))


def tick():
    if not result["found"]:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            child = desktop.getChildAtIndex(i)
            if child is not None and child.name == "BLIP Assistant":
                app_node[0] = child
                child.set_cache_mask(Atspi.Cache.NONE)  # read live, as each tab changes what is showing
                start = time.perf_counter()
                walk(child)
                result["walk_ms"] = round(1000 * (time.perf_counter() - start), 1)
                result["found"] = True
    # With no sound card here, our voice (auto mode with no screen reader route) says it cannot speak.
    status = ("Model ready", "The model is still loading", "Speech is unavailable")
    answers = [a for a in result["announcements"] if not a.startswith(status)]
    ready = any(a.startswith("Model ready") for a in result["announcements"])
    if result["found"] and answers and ready:
        if not settings["requested"]:
            open_settings()
        elif app_node[0] is not None and walk_settings(app_node[0]):
            result["settings"] = settings
            pyatspi.Registry.stop()
            return False
    if time.monotonic() > give_up:
        result["error"] = "timed out"
        pyatspi.Registry.stop()
        return False
    return True


app_node = [None]
give_up = time.monotonic() + 120
pyatspi.Registry.registerEventListener(on_announcement, "object:announcement")
GLib.timeout_add(50, tick)
pyatspi.Registry.start()
app.terminate()
try:
    app.wait(20)
except subprocess.TimeoutExpired:
    app.kill()
launcher.terminate()
print(json.dumps(result))
