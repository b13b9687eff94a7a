#!/bin/bash
# usage (as root): headless_kde.sh
# A throw-away KDE Plasma Wayland session: KWin (--virtual), its global shortcuts (kglobalaccel), its own
# D-Bus session, PipeWire, and xdg-desktop-portal with the KDE back-end (which has GlobalShortcuts).
# Like headless_sway.sh: a user namespace as uid 1000; the session's variables on stdout, READY, then it
# waits until killed. The kwin_wayland binary carries cap_sys_resource, which this sandbox refuses
# ("Operation not permitted"): a copy of it, still named kwin_wayland, runs.
if [ -z "$_WL_INNER" ]; then
  exec env _WL_INNER=1 unshare --user --map-user=1000 --map-group=1000 dbus-run-session -- "$0" "$@"
fi
export XDG_RUNTIME_DIR=$(mktemp -d /tmp/kdert.XXXXXX)   # mktemp -d gives 0700
export HOME=$XDG_RUNTIME_DIR/home XDG_CONFIG_HOME=$XDG_RUNTIME_DIR/home/.config   # kglobalaccel keeps its own file
mkdir -p "$HOME"
export XDG_CURRENT_DESKTOP=KDE XDG_SESSION_TYPE=wayland KDE_FULL_SESSION=true
unset DISPLAY WAYLAND_DISPLAY BLIP_ASSISTANT_INSTANCE
mkdir "$XDG_RUNTIME_DIR/bin" && cp "$(command -v kwin_wayland)" "$XDG_RUNTIME_DIR/bin/kwin_wayland"
"$XDG_RUNTIME_DIR/bin/kwin_wayland" --virtual --width 1280 --height 800 --no-lockscreen --socket wayland-kde \
  > "$XDG_RUNTIME_DIR/kwin.log" 2>&1 & KWIN=$!
for i in $(seq 400); do [ -S "$XDG_RUNTIME_DIR/wayland-kde" ] && break; sleep 0.05; done
export WAYLAND_DISPLAY=wayland-kde
dbus-update-activation-environment WAYLAND_DISPLAY XDG_CURRENT_DESKTOP XDG_SESSION_TYPE XDG_RUNTIME_DIR KDE_FULL_SESSION HOME XDG_CONFIG_HOME
pipewire > "$XDG_RUNTIME_DIR/pipewire.log" 2>&1 & PW=$!
cleanup() { kill $PW $KWIN 2>/dev/null; wait $KWIN 2>/dev/null; rm -rf "$XDG_RUNTIME_DIR"; exit 0; }
trap cleanup TERM INT
env | grep -E '^(WAYLAND_DISPLAY|XDG_RUNTIME_DIR|XDG_CURRENT_DESKTOP|XDG_SESSION_TYPE|XDG_CONFIG_HOME|HOME|KDE_FULL_SESSION|DBUS_SESSION_BUS_ADDRESS)='
echo "NS_PID=$$"
echo READY
sleep infinity & wait $!
cleanup
