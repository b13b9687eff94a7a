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
from gi.repository import GLib  # noqa: E402

env = {**os.environ, "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "QT_ACCESSIBILITY": "1"}
app = subprocess.Popen(app_cmd, env=env, stderr=subprocess.PIPE, text=True)
INTERACTIVE = {"push button", "toggle button", "check box", "radio button", "text", "entry", "list", "combo box",
               "slider", "spin button", "menu item", "page tab", "tree", "table", "list box"}
result = {"found": False, "unnamed": [], "roles": {}, "announcements": [], "nodes": 0}


def walk(node, depth=0):
    if node is None or depth > 40:
        return
    try:
        role, name = node.getRoleName(), node.name or ""
        states = node.getState()
    except Exception:
        return
    result["nodes"] += 1
    result["roles"][role] = result["roles"].get(role, 0) + 1
    showing = states.contains(pyatspi.STATE_SHOWING)
    if role in INTERACTIVE and showing and not name.strip():
        result["unnamed"].append(role)
    if role == "push button" and name:
        result.setdefault("buttons", []).append(name)
    for i in range(node.childCount):
        walk(node.getChildAtIndex(i), depth + 1)


def on_announcement(event):
    result["announcements"].append(str(event.any_data))


def tick():
    if not result["found"]:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            child = desktop.getChildAtIndex(i)
            if child is not None and child.name == "BLIP Assistant":
                start = time.perf_counter()
                walk(child)
                result["walk_ms"] = round(1000 * (time.perf_counter() - start), 1)
                result["found"] = True
    status = ("Model ready", "The model is still loading")
    answers = [a for a in result["announcements"] if not a.startswith(status)]
    if result["found"] and answers:
        pyatspi.Registry.stop()
        return False
    if time.monotonic() > give_up:
        result["error"] = "timed out"
        pyatspi.Registry.stop()
        return False
    return True


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
